"""End to end in a real browser: Debian's Chromium driven by Selenium through Debian's chromedriver
(installed by scripts/test.sh; no browser download). `edcontrol dashboard` runs as a user starts it.

Upload the sample lesson on the Upload page, wait for the analysis, open the lesson (the watch-first list
at the top), click a moment and check that the <video> element's current time moved to that moment; move
the player away and click the same moment again: it seeks again. Screenshots of every page are saved
under artifacts/dashboard/ (EDCONTROL_TEST_ARTIFACTS to move them).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from conftest import ARTIFACTS, SAMPLE, free_port
from edcontrol.report import digest

pytestmark = pytest.mark.slow


def start_dashboard(data: Path, *extra: str):
    """`edcontrol dashboard` as a user starts it; yields (dashboard url, API url, local school's key)."""
    port, api_port = free_port(), free_port()
    env = {**os.environ, "EDCONTROL_DATA": str(data)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "edcontrol.cli", "dashboard", "--port", str(port), "--api-port", str(api_port), *extra],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
        try:
            if httpx.get(f"{url}/_stcore/health", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "the dashboard did not start"
        time.sleep(0.5)
    key = (data / "dashboard.key").read_text().strip()
    try:
        yield url, f"http://127.0.0.1:{api_port}", key
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
        print(f"--- edcontrol dashboard said (last 6000 characters):\n{(out or '')[-6000:]}")  # shown on failure


@pytest.fixture()
def dashboard(tmp_path):
    yield from start_dashboard(tmp_path / "data")


def shoot(driver, name: str) -> Path:
    """Full-height screenshot: the window is stretched to the page's height first."""
    out = ARTIFACTS / "dashboard"
    out.mkdir(parents=True, exist_ok=True)
    height = driver.execute_script(
        "const m = document.querySelector('section.stMain, [data-testid=\"stMain\"]');"
        "return Math.max(document.body.scrollHeight, m ? m.scrollHeight : 0);"
    )
    driver.set_window_size(1400, min(max(1100, int(height) + 200), 6000))
    time.sleep(1.0)
    path = out / f"{name}.png"
    driver.save_screenshot(str(path))
    driver.set_window_size(1400, 1100)
    return path


def wait_for(driver, xpath: str, timeout: float = 60.0, clickable: bool = True):
    from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    condition = ec.element_to_be_clickable if clickable else ec.presence_of_element_located
    # Streamlit re-renders while a loaded machine catches up: an element found one moment can be replaced
    # the next, before the condition checks it; that is "not yet", so the wait looks again.
    wait = WebDriverWait(driver, timeout, poll_frequency=0.5, ignored_exceptions=[StaleElementReferenceException])
    try:
        return wait.until(condition((By.XPATH, xpath)))
    except TimeoutException:  # say what the page showed instead: a bare timeout cannot be diagnosed from CI
        found = driver.find_elements(By.XPATH, xpath)
        state = [(e.is_displayed(), e.is_enabled()) for e in found]
        shot = shoot(driver, "timeout")
        text = driver.execute_script("return document.body.innerText")
        raise AssertionError(
            f"{xpath} not {'clickable' if clickable else 'present'} after {timeout:.0f} s "
            f"(matches, displayed/enabled: {state}); screenshot {shot}; the page said:\n{text[-4000:]}"
        ) from None


def button(text: str) -> str:
    return f"//button[normalize-space(.)='{text}']"


def test_upload_wait_open_click_moment_moves_video(dashboard, browser):
    from selenium.webdriver.common.by import By

    url, api, key = dashboard
    browser.get(f"{url}/upload")
    wait_for(browser, button("Analyse"))
    browser.find_element(By.XPATH, "//input[@type='file']").send_keys(str(SAMPLE))
    wait_for(browser, f"//*[contains(text(), '{SAMPLE.name}')]")
    browser.find_element(By.XPATH, "//input[@aria-label='Teacher ID']").send_keys("t-e2e")
    browser.find_element(By.XPATH, "//input[@aria-label='Teacher name']").send_keys("E2E Teacher")
    consent = browser.find_element(By.XPATH, "//input[@type='checkbox'][contains(@aria-label, 'consented')]")
    browser.execute_script("arguments[0].click();", consent)  # the real input sits under a styled box
    assert consent.is_selected()
    browser.find_element(By.XPATH, button("Analyse")).click()
    wait_for(browser, "//*[contains(text(), 'Stage:')]", 120)
    shoot(browser, "1-upload-progress")
    wait_for(browser, button("Open the lesson"), 900).click()

    lessons = httpx.get(f"{api}/v1/lessons", headers={"X-API-Key": key}).json()
    assert [x["teacher_id"] for x in lessons] == ["t-e2e"] and lessons[0]["status"] == "done"
    report = httpx.get(f"{api}/v1/lessons/{lessons[0]['id']}/report", headers={"X-API-Key": key}).json()
    cards = digest.moments(report, digest.default_min_confidence(report))
    target = cards[0]
    assert report["watch_first"] and report["watch_first"][0] == target.id
    wait_for(browser, "//*[normalize-space(text())='Watch first']", 120, clickable=False)
    wait_for(browser, f"//div[contains(@class, 'st-key-first_{target.id}')]//button", 60)
    label = f"▶ {int(target.start_s) // 60:02d}:{int(target.start_s) % 60:02d}"
    card = f"//div[contains(@class, 'st-key-jump_{target.id}')]//button"  # the moment's own card
    jump = wait_for(browser, card, 120)
    assert jump.text.strip() == label
    wait_for(browser, "//video", 30)
    player = "document.querySelector('video')"
    browser.execute_script(f"{player}.pause(); {player}.currentTime = 3;")
    assert browser.execute_script(f"return {player}.currentTime") < 5
    thumbs = "[...document.querySelectorAll('[data-testid=\"stImage\"] img')]"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and browser.execute_script(
        f"return {thumbs}.filter(i => i.complete && i.naturalWidth > 0).length"
    ) < len(cards):
        time.sleep(0.5)
    sizes = browser.execute_script(f"return {thumbs}.map(i => i.naturalWidth)")
    assert len(sizes) == len(cards) and all(w > 0 for w in sizes), sizes  # evidence pictures
    shoot(browser, "2-lesson")
    for attempt in ("first click", "same moment again after the player moved"):
        jump = wait_for(browser, card, 30)
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", jump)
        jump.click()
        deadline, now = time.monotonic() + 30, -1.0
        while time.monotonic() < deadline:  # the page re-renders: read the player afresh each time
            now = browser.execute_script(f"return {player} ? {player}.currentTime : -1")
            if int(target.start_s) - 0.01 <= now <= target.start_s + 3:
                break
            time.sleep(0.3)
        assert int(target.start_s) - 0.01 <= now <= target.start_s + 3, (attempt, now, target.start_s)
        browser.execute_script(f"{player}.pause(); {player}.currentTime = 1;")  # the manager moves the player
        time.sleep(0.5)
        assert browser.execute_script(f"return {player}.currentTime") < 2
    browser.execute_script(f"{player}.scrollIntoView({{block: 'start'}});")
    shoot(browser, "3-lesson-after-jump")

    for name, path, marker in (
        ("lessons", "", SAMPLE.name),  # the default page, at the root
        ("teachers", "teachers", "t-e2e"),
        ("downloads", "downloads", "Lesson report (PDF)"),
    ):
        browser.get(f"{url}/{path}")
        wait_for(browser, f"//*[contains(text(), '{marker}')]", 60, clickable=False)
        assert "Page not found" not in browser.find_element(By.TAG_NAME, "body").text
        time.sleep(1.5)  # let charts and tables finish drawing
        shoot(browser, f"4-{name}")
    browser.get(f"{url}/?lang=ru")
    wait_for(browser, "//*[contains(text(), 'Открыть урок')]", 60, clickable=False)
    shoot(browser, "5-lessons-ru")
    assert len(list((ARTIFACTS / "dashboard").glob("*.png"))) >= 7


def test_sign_in_required_and_each_school_sees_only_its_lessons(tmp_path, browser):
    """--no-auto-sign-in: signed out -> only the sign-in page; school A's user sees A's lesson and never
    B's; sign-out returns to the sign-in page; school B's user sees only B's."""
    from selenium.webdriver.common.by import By

    data = tmp_path / "data"
    env = {**os.environ, "EDCONTROL_DATA": str(data)}

    def cli(*args: str, stdin: str = "") -> dict:
        done = subprocess.run(
            [sys.executable, "-m", "edcontrol.cli", *args], input=stdin, capture_output=True, text=True, env=env
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    gen = start_dashboard(data, "--no-auto-sign-in")
    url, api, key_a = next(gen)
    try:
        school_a = httpx.get(f"{api}/v1/auth/me", headers={"X-API-Key": key_a}).json()["tenant_id"]
        school_b = cli("tenant", "create", "School B")
        cli("user", "create", school_a, "anna", "--password-stdin", stdin="anna's long secret\n")
        cli("user", "create", school_b["id"], "boris", "--password-stdin", stdin="boris's long secret\n")
        for key, name in ((key_a, "lesson-of-school-A.mp4"), (school_b["api_key"], "lesson-of-school-B.mp4")):
            with SAMPLE.open("rb") as f:
                r = httpx.post(
                    f"{api}/v1/lessons",
                    headers={"X-API-Key": key},
                    files={"file": (name, f)},
                    data={"consent": "true", "teacher_id": "t"},
                    timeout=120,
                )
            assert r.status_code == 202, r.text

        def body() -> str:
            return browser.find_element(By.TAG_NAME, "body").text

        def sign_in(username: str, password: str) -> None:
            wait_for(browser, "//input[@aria-label='Username']").send_keys(username)
            browser.find_element(By.XPATH, "//input[@aria-label='Password']").send_keys(password)
            browser.find_element(By.XPATH, button("Sign in")).click()

        for path in ("", "lessons", "teachers", "lesson?lesson=x"):
            browser.get(f"{url}/{path}")
            wait_for(browser, "//*[contains(text(), 'Sign in to EdControl')]", 60, clickable=False)
            time.sleep(1.0)
            assert "lesson-of-school" not in body() and "Sign out" not in body(), path
        shoot(browser, "6-sign-in")
        sign_in("anna", "wrong password!!")
        wait_for(browser, "//*[contains(text(), 'Wrong username')]", 60, clickable=False)
        browser.get(url)
        sign_in("anna", "anna's long secret")
        wait_for(browser, "//*[contains(text(), 'lesson-of-school-A.mp4')]", 60, clickable=False)
        time.sleep(1.5)
        assert "lesson-of-school-B" not in body() and "Signed in as anna" in body()
        shoot(browser, "7-signed-in-school-a")
        wait_for(browser, "//button[contains(normalize-space(.), 'Sign out')]").click()
        wait_for(browser, "//*[contains(text(), 'Sign in to EdControl')]", 60, clickable=False)
        assert "lesson-of-school" not in body()
        sign_in("boris", "boris's long secret")
        wait_for(browser, "//*[contains(text(), 'lesson-of-school-B.mp4')]", 60, clickable=False)
        time.sleep(1.5)
        assert "lesson-of-school-A" not in body()
    finally:
        gen.close()
