"""Teachers: the early-warning view. A ranking by risk (moments per hour, then score) and each teacher's
trend by month, so a teacher who is struggling or getting aggressive stands out before a complaint does."""

from __future__ import annotations

import streamlit as st

from edcontrol.dashboard import charts, ui

st.title(ui.t("teachers_title"))
api = ui.client()
ranking = ui.call(api.teachers)
if not ranking:
    st.info(ui.t("teachers_none"))
    st.stop()

st.subheader(ui.t("risk_ranking"))
st.dataframe(
    [
        {
            "#": rank,
            ui.t("col_teacher"): r["teacher_name"] or r["teacher_id"],
            ui.t("teacher_id"): r["teacher_id"],
            ui.t("col_lessons"): r["lessons"],
            ui.t("col_hours"): r["hours"],
            ui.t("col_moments_per_hour"): r["moments_per_hour"],
            ui.t("col_avg_score"): r["average_score"],
            ui.t("col_last_lesson"): r["last_lesson_at"][:10],
        }
        for rank, r in enumerate(ranking, 1)
    ],
    hide_index=True,
    width="stretch",
)

names = {r["teacher_id"]: f"{r['teacher_name'] or r['teacher_id']} ({r['teacher_id']})" for r in ranking}
chosen = st.selectbox(ui.t("trend_for"), list(names), format_func=names.__getitem__, key="trend_teacher")
summary = ui.call(lambda: api.teacher(chosen))
st.subheader(f"{ui.t('trend')}: {names[chosen]}")
st.plotly_chart(charts.trend_figure(summary["trend"], ui.lang()), width="stretch", key="trend_chart")
st.dataframe(
    [
        {
            ui.t("month"): m["month"],
            ui.t("col_lessons"): m["lessons"],
            ui.t("col_moments_per_hour"): m["moments_per_hour"],
            ui.t("col_avg_score"): m["average_score"],
        }
        for m in summary["trend"]
    ],
    hide_index=True,
    width="stretch",
)
