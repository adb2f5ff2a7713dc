"""MDG Workbench: Streamlit entry point. Page config, shared sidebar, navigation; nothing else."""

import os

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

import streamlit as st

from mdg_core import ui

st.set_page_config(page_title="MDG Workbench", page_icon=":material/dataset:", layout="wide")

PAGES = {
    "Prepare": [
        st.Page("pages/data.py", title="Data", icon=":material/table:", default=True),
        st.Page("pages/profile.py", title="Profile", icon=":material/query_stats:"),
        st.Page("pages/features.py", title="Features", icon=":material/auto_fix_high:"),
    ],
    "Generate": [
        st.Page("pages/generate.py", title="Generate", icon=":material/science:"),
        st.Page("pages/mock_data.py", title="Mock data", icon=":material/smart_toy:"),
    ],
    "Validate": [
        st.Page("pages/reports.py", title="Reports", icon=":material/verified:"),
    ],
    "Workbench": [
        st.Page("pages/settings.py", title="Settings", icon=":material/settings:"),
    ],
}

navigation = st.navigation({section: pages for section, pages in PAGES.items() if pages})
st.logo("data/logo.svg", size="large")
ui.sidebar_dataset_selector()
navigation.run()
