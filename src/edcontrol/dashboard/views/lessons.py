"""Lessons: every analysed recording of the school, filterable, newest first."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from edcontrol.dashboard import ui
from edcontrol.report.i18n import mmss

st.title(ui.t("lessons_title"))

c1, c2, c3, c4 = st.columns([2, 2, 3, 3])
teacher = c1.text_input(ui.t("filter_teacher"), key="f_teacher")
status = c2.selectbox(
    ui.t("filter_status"),
    ["", "queued", "running", "done", "failed"],
    key="f_status",
    format_func=lambda s: ui.t("status_" + s) if s else ui.t("any"),
)
dates = c3.date_input(ui.t("filter_since") + " – " + ui.t("filter_until"), value=(), key="f_dates")
low, high = c4.slider(ui.t("filter_score"), 0, 100, (0, 100), key="f_score")

filters: dict[str, object] = {"teacher_id": teacher.strip(), "status": status}
if len(dates) >= 1:
    filters["since"] = dt.datetime.combine(dates[0], dt.time.min).isoformat()
if len(dates) == 2:
    filters["until"] = dt.datetime.combine(dates[1], dt.time.max).isoformat()
if (low, high) != (0, 100):
    filters["min_score"], filters["max_score"] = low, high
lessons = ui.call(lambda: ui.client().lessons(**filters))

if not lessons:
    st.info(ui.t("no_lessons_match") if any(v for v in filters.values()) else ui.t("no_lessons"))
    st.stop()

rows = [
    {
        ui.t("col_date"): x["created_at"][:16].replace("T", " "),
        ui.t("col_file"): x["file_name"],
        ui.t("col_teacher"): x["teacher_name"] or x["teacher_id"] or "—",
        ui.t("col_duration"): mmss(x["duration_s"]),
        ui.t("col_score"): x["score"],
        ui.t("col_moments"): x["moments"],
        ui.t("col_status"): ui.status_label(x),
        ui.t("col_progress"): x["progress"],
    }
    for x in lessons
]
st.dataframe(rows, hide_index=True, width="stretch")

labels = {x["id"]: f"{x['created_at'][:16].replace('T', ' ')} · {x['file_name']}" for x in lessons}
choice = st.selectbox(ui.t("pick_lesson"), list(labels), format_func=labels.__getitem__, key="pick")
if st.button(ui.t("open_lesson"), type="primary", key="open"):
    ui.open_lesson(choice)
