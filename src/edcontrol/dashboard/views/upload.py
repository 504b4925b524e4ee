"""Upload: a recording and what the school knows about it, then live progress by stage."""

from __future__ import annotations

import streamlit as st

from edcontrol.dashboard import ui

st.title(ui.t("upload_title"))

with st.form("upload", clear_on_submit=False):
    file = st.file_uploader(ui.t("upload_file"), type=None, accept_multiple_files=False)
    left, right = st.columns(2)
    teacher_id = left.text_input(ui.t("teacher_id"), max_chars=200)
    teacher_name = right.text_input(ui.t("teacher_name"), max_chars=200)
    students = st.text_input(ui.t("students"), max_chars=2000)
    language = left.selectbox(
        ui.t("lesson_language"), ["", "ru", "en"], format_func=lambda c: c.upper() if c else ui.t("auto_detect")
    )
    compliance = right.checkbox(ui.t("compliance_mode"))
    consent = st.checkbox(ui.t("consent"))
    sent = st.form_submit_button(ui.t("submit"), type="primary")

if sent:
    if file is None:
        st.warning(ui.t("need_file"))
    elif not consent:
        st.warning(ui.t("need_consent"))
    else:
        fields = {
            "consent": "true",
            "teacher_id": teacher_id.strip(),
            "teacher_name": teacher_name.strip(),
            "students": students.strip(),
            "language": language,
            "compliance_mode": "true" if compliance else "false",
        }
        lesson = ui.call(lambda: ui.client().submit(file.name, file, {k: v for k, v in fields.items() if v}))
        st.session_state["uploaded_id"] = lesson["id"]


@st.fragment(run_every=1.0)
def progress(lesson_id: str) -> None:
    """Polls the API each second while the analysis runs; stops polling visibly once it is over."""
    lesson = ui.call(lambda: ui.client().lesson(lesson_id))
    st.caption(lesson["file_name"])
    st.progress(
        lesson["progress"] / 100,
        text=ui.t("progress_stage", stage=ui.stage_label(lesson["stage"]), progress=lesson["progress"]),
    )
    if lesson["status"] == "failed":
        st.error(ui.t("analysis_failed", error=lesson["error"] or ""))
    elif lesson["status"] == "done":
        st.success(ui.t("stage_done"))
        if st.button(ui.t("open_lesson"), type="primary", key="open_uploaded"):
            ui.open_lesson(lesson_id)
    else:
        st.info(ui.t("submitted"))


if "uploaded_id" in st.session_state:
    progress(st.session_state["uploaded_id"])
