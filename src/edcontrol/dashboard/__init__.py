"""Streamlit dashboard for managers: a thin client of the REST API (see ``client.py``)."""
