"""Generate: confirm metadata and rules, fit a generator in the background, sample, compare generators.

The page is its title and tabs; each tab is a component (``pages/generate_parts``; metadata and rules
are ``ui.metadata_editor`` / ``ui.rules_editor``) that calls the core."""

from __future__ import annotations

import streamlit as st

from mdg_core import ui
from pages.generate_parts.compare import compare_section
from pages.generate_parts.form import generate_section
from pages.generate_parts.runs import runs_section

st.title("Generate")
st.caption("Fit a synthetic-data generator on the current dataset, with the rules it must keep. "
           "Runs go on in the background: you can use other pages meanwhile.")
info = ui.require_dataset()
if info.kind in ("synthetic", "mock"):
    st.warning(f"#{info.id} is itself {info.kind} data; pick a real dataset in the sidebar to learn from real rows.",
               icon=":material/warning:")

tab_gen, tab_meta, tab_runs, tab_cmp = st.tabs(["Generate", "Metadata & rules", "Runs & models", "Compare generators"])
with tab_gen, ui.user_errors("The Generate form"):
    generate_section(info)
with tab_meta, ui.user_errors("Metadata"):
    ui.metadata_editor(info)
    st.divider()
    ui.rules_editor(info)
with tab_runs, ui.user_errors("Runs"):
    runs_section(info)
with tab_cmp, ui.user_errors("Compare generators"):
    compare_section(info)
