"""Pieces every page shares: the language, the API client, the chosen lesson, errors written for people."""

from __future__ import annotations

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
}


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
    if "api" not in st.session_state:
        st.session_state["api"] = ApiClient(ApiConfig.from_env())
    return st.session_state["api"]


def call(fn: Callable[[], T]) -> T:
    """Run an API call; on failure write what happened for a person and stop this page's run."""
    if not client().config.key:
        st.error(t("no_key"))
        st.stop()
    try:
        return fn()
    except ApiUnavailable:
        st.error(t("api_down", url=client().config.url))
        st.stop()
    except ApiError as exc:
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
