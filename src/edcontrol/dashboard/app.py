"""Dashboard entry point: ``streamlit run app.py`` (``edcontrol dashboard`` does it with the service).

Multipage with ``st.navigation``; each page is its own small script under ``views/`` so that each can be
tested alone with Streamlit's AppTest. Not ``pages/``: Streamlit would also discover that folder as an
old-style multipage app and run a page without this entry point.
"""

from __future__ import annotations

import streamlit as st

from edcontrol.dashboard import ui

st.set_page_config(page_title="EdControl", page_icon=":material/school:", layout="wide")
ui.language_switch()
pages = [
    st.Page(ui.PAGES["lessons"], title=ui.t("nav_lessons"), icon=":material/list:", url_path="lessons", default=True),
    st.Page(ui.PAGES["upload"], title=ui.t("nav_upload"), icon=":material/upload:", url_path="upload"),
    st.Page(ui.PAGES["lesson"], title=ui.t("nav_lesson"), icon=":material/movie:", url_path="lesson"),
    st.Page(ui.PAGES["teachers"], title=ui.t("nav_teachers"), icon=":material/school:", url_path="teachers"),
    st.Page(ui.PAGES["downloads"], title=ui.t("nav_downloads"), icon=":material/download:", url_path="downloads"),
]
st.sidebar.caption(ui.t("app_title"))
st.navigation(pages).run()
