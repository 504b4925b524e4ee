"""Dashboard entry point: ``streamlit run app.py`` (``edcontrol dashboard`` does it with the service).

Nothing but the sign-in page runs until the browser session is signed in (a staff account, the school's
API key, or automatically where the launcher allows it: see ``ui.signed_in``).

Multipage with ``st.navigation``; each page is its own small script under ``views/`` so that each can be
tested alone with Streamlit's AppTest. Not ``pages/``: Streamlit would also discover that folder as an
old-style multipage app and run a page without this entry point.
"""

from __future__ import annotations

import streamlit as st

from edcontrol.dashboard import ui

st.set_page_config(page_title="EdControl", page_icon=":material/school:", layout="wide")
ui.language_switch()
# (page, title, icon, url path): the default page first
PAGES = [
    ("lessons", "nav_lessons", ":material/list:", "lessons"),
    ("upload", "nav_upload", ":material/upload:", "upload"),
    ("lesson", "nav_lesson", ":material/movie:", "lesson"),
    ("teachers", "nav_teachers", ":material/school:", "teachers"),
    ("downloads", "nav_downloads", ":material/download:", "downloads"),
]
auth = ui.signed_in()
if auth is None:
    # signed out: every address shows the sign-in page (a shared link to a lesson opens it after sign-in)
    sign_in = ui.PAGES["sign_in"]
    pages = [
        st.Page(sign_in, title=ui.t("nav_sign_in"), icon=":material/login:", url_path=path, default=i == 0)
        for i, (_, _, _, path) in enumerate(PAGES)
    ]
    st.navigation(pages, position="hidden").run()
    st.stop()
ui.account_box(auth)
pages = [
    st.Page(ui.PAGES[name], title=ui.t(title), icon=icon, url_path=path, default=i == 0)
    for i, (name, title, icon, path) in enumerate(PAGES)
]
st.sidebar.caption(ui.t("app_title"))
st.navigation(pages).run()
