"""Downloads: the report as JSON (for the LMS), the moments as CSV (for a spreadsheet) and a PDF lesson
report with the timeline image (for people who print)."""

from __future__ import annotations

import streamlit as st

from edcontrol.dashboard import ui

st.title(ui.t("downloads_title"))
api = ui.client()
lessons = ui.call(lambda: api.lessons(status="done"))
if not lessons:
    st.info(ui.t("downloads_not_ready"))
    st.stop()

labels = {x["id"]: f"{x['created_at'][:16].replace('T', ' ')} · {x['file_name']}" for x in lessons}
ids = list(labels)
current = ui.current_lesson_id()
chosen = st.selectbox(
    ui.t("pick_lesson"),
    ids,
    index=ids.index(current) if current in ids else 0,
    format_func=labels.__getitem__,
    key="download_lesson",
)


@st.cache_data(ttl=600, max_entries=20, show_spinner=True)
def files(lesson_id: str, updated_at: str, lang: str) -> tuple[bytes, bytes, bytes]:
    """Fetched once per lesson version and language: the PDF takes a second or two to lay out."""
    return api.report_bytes(lesson_id), api.moments_csv(lesson_id), api.report_pdf(lesson_id, lang)


lesson = next(x for x in lessons if x["id"] == chosen)
report_json, moments_csv, report_pdf = ui.call(lambda: files(chosen, lesson["updated_at"], ui.lang()))
stem = f"lesson-{chosen[:8]}"
c1, c2, c3 = st.columns(3)
c1.download_button(ui.t("download_json"), report_json, f"{stem}.json", "application/json", key="dl_json")
c2.download_button(ui.t("download_csv"), moments_csv, f"{stem}-moments.csv", "text/csv", key="dl_csv")
c3.download_button(ui.t("download_pdf"), report_pdf, f"{stem}-{ui.lang()}.pdf", "application/pdf", key="dl_pdf")
