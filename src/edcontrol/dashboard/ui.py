"""Pieces every page shares: the language, the API client, the chosen lesson, errors written for people."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from edcontrol.dashboard.client import ApiClient, ApiConfig, ApiError, ApiUnavailable
from edcontrol.report.i18n import LANGS, tr

T = TypeVar("T")

PAGES = {
    "upload": "views/upload.py",
    "lessons": "views/lessons.py",
    "lesson": "views/lesson.py",
    "teachers": "views/teachers.py",
    "downloads": "views/downloads.py",
    "sign_in": "views/sign_in.py",
}
AUTO_SIGN_IN = "EDCONTROL_AUTO_SIGN_IN"  # "1": set by `edcontrol dashboard` only when it listens on loopback


def lang() -> str:
    """The reader's language: chosen in the sidebar, remembered in the URL (?lang=ru) for shared links."""
    if "lang" not in st.session_state:
        asked = st.query_params.get("lang", "en")
        st.session_state["lang"] = asked if asked in LANGS else "en"
    return st.session_state["lang"]


def t(key: str, **values: object) -> str:
    return tr(key, lang(), **values)


def language_switch() -> None:
    lang()
    st.sidebar.radio(
        tr("language", lang()),
        LANGS,
        format_func=lambda code: {"en": "English", "ru": "Русский"}[code],
        horizontal=True,
        key="lang",
    )
    st.query_params["lang"] = st.session_state["lang"]


def client() -> ApiClient:
    """The signed-in session's client (app.py lets no page run without one); a page run alone (tests) uses
    the key in the environment."""
    if "api" not in st.session_state:
        st.session_state["api"] = ApiClient(ApiConfig.from_env())
    return st.session_state["api"]


def _viewer_on_loopback() -> bool:
    """Streamlit gives no address for a viewer on localhost (nor under AppTest, where it is a stand-in);
    any other viewer's address must be loopback. A second check: the launcher's bind address is the first."""
    ip = st.context.ip_address
    return not isinstance(ip, str) or ipaddress.ip_address(ip).is_loopback


def signed_in() -> dict | None:
    """This browser session's sign-in, or the automatic one of the one-machine default: only where the
    launcher allowed it (it listens on loopback) and the viewer is on this machine."""
    if "auth" in st.session_state:
        return st.session_state["auth"]
    if st.session_state.get("signed_out") or os.environ.get(AUTO_SIGN_IN) != "1" or not _viewer_on_loopback():
        return None
    api = ApiClient(ApiConfig.from_env())
    try:
        me = api.me()
    except (ApiError, ApiUnavailable):
        return None
    start_session(api, {"tenant_name": me["tenant_name"], "username": None, "auto": True}, rerun=False)
    return st.session_state["auth"]


def start_session(api: ApiClient, auth: dict, rerun: bool = True) -> None:
    st.session_state["api"], st.session_state["auth"] = api, auth
    st.session_state.pop("signed_out", None)
    if rerun:
        st.rerun()


def end_session(expired: bool = False) -> None:
    api = st.session_state.pop("api", None)
    st.session_state.pop("auth", None)
    st.session_state["signed_out"] = True
    if expired:
        st.session_state["expired"] = True
    elif api is not None:
        try:
            api.sign_out()
        except (ApiError, ApiUnavailable):
            pass  # the session ends here anyway; the token expires by itself
    st.rerun()


def account_box(auth: dict) -> None:
    """Who is signed in (or that it happened automatically, and why), and the sign-out button."""
    if auth.get("auto"):
        st.sidebar.caption(t("signed_in_auto", school=auth["tenant_name"]))
    else:
        st.sidebar.caption(t("signed_in_as", user=auth["username"], school=auth["tenant_name"]))
    if st.sidebar.button(t("sign_out"), icon=":material/logout:", key="sign_out"):
        end_session()


def call(fn: Callable[[], T]) -> T:
    """Run an API call; on failure write what happened for a person and stop this page's run."""
    if not client().authenticated:
        st.error(t("no_key"))
        st.stop()
    try:
        return fn()
    except ApiUnavailable:
        st.error(t("api_down", url=client().config.url))
        st.stop()
    except ApiError as exc:
        if exc.status == 401 and st.session_state.get("auth") and not st.session_state["auth"].get("auto"):
            end_session(expired=True)
        if exc.status == 404:
            st.warning(t("lesson_missing"))
        else:
            st.error(t("api_error", detail=exc.detail))
        st.stop()
    raise AssertionError("unreachable")  # st.stop() raises


def label_or(prefix: str, value: str, fallback: str) -> str:
    """The translated label for a code, or ``fallback`` when it has none (a code added later to the service)."""
    label = t(prefix + value)
    return fallback if label == prefix + value else label


def status_label(lesson: dict) -> str:
    return label_or("status_", lesson["status"], lesson["status"])


def stage_label(stage: str) -> str:
    return label_or("stage_", stage, stage)


def current_lesson_id() -> str | None:
    """The lesson being looked at: ?lesson=ID in the URL wins (shared links), then the last one opened."""
    asked = st.query_params.get("lesson")
    if asked:
        st.session_state["lesson_id"] = asked
    return st.session_state.get("lesson_id")


def open_lesson(lesson_id: str) -> None:
    st.session_state["lesson_id"] = lesson_id
    st.switch_page(PAGES["lesson"], query_params={"lesson": lesson_id, "lang": lang()})
