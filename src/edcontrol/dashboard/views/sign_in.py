"""Sign-in: a staff account (username and password) or the school's API key; nothing else is shown."""

from __future__ import annotations

import streamlit as st

from edcontrol.dashboard import ui
from edcontrol.dashboard.client import ApiClient, ApiConfig, ApiError, ApiUnavailable

st.title(ui.t("sign_in_title"))
if st.session_state.pop("expired", False):
    st.warning(ui.t("session_expired"))
config = ApiConfig.from_env()
keyless = ApiConfig(config.url, "", config.public_url)  # a staff session never carries the school's key


def attempt(fn) -> None:  # type: ignore[no-untyped-def]
    try:
        fn()
    except ApiUnavailable:
        st.error(ui.t("api_down", url=config.url))
    except ApiError as exc:
        st.error(ui.t("sign_in_failed") if exc.status in (401, 422) else ui.t("api_error", detail=exc.detail))


def with_password(username: str, password: str) -> None:
    got = ApiClient(keyless).sign_in(username.strip(), password)
    api = ApiClient(keyless, token=got["token"])
    ui.start_session(api, {"tenant_name": got["tenant_name"], "username": got["username"], "auto": False})


def with_key(key: str) -> None:
    api = ApiClient(ApiConfig(config.url, key.strip(), config.public_url))
    me = api.me()
    ui.start_session(api, {"tenant_name": me["tenant_name"], "username": ui.t("school_key_user"), "auto": False})


with st.form("sign_in_form"):
    username = st.text_input(ui.t("username"), key="sign_in_username")
    password = st.text_input(ui.t("password"), type="password", key="sign_in_password")
    if st.form_submit_button(ui.t("sign_in"), type="primary"):
        attempt(lambda: with_password(username, password))

with st.expander(ui.t("sign_in_key")), st.form("sign_in_key_form"):
    key = st.text_input(ui.t("api_key"), type="password", key="sign_in_key")
    if st.form_submit_button(ui.t("sign_in")):
        attempt(lambda: with_key(key))
