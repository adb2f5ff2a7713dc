"""Settings: the GGUF model (validated, with its name, size and context length) and workbench limits."""

from __future__ import annotations

import os

import streamlit as st

from mdg_core import ui
from mdg_core.config import default_gguf_model_path, save_settings, settings_file
from mdg_core.errors import MdgError
from mdg_core.llm.model import ModelInfo, model_info
from mdg_core.llm.selftest import probe_model

SAVED_KEY = "mdg.settings.saved"
st.title("Settings")
st.caption("Saved next to the database in settings.json. Environment variables (MDG_*) take precedence.")
current = ui.settings()
if message := st.session_state.pop(SAVED_KEY, None):
    st.success(message, icon=":material/check_circle:")


def _env_note(field: str) -> str | None:
    name = f"MDG_{field.upper()}"
    return f"Set by the environment variable {name}, which overrides this setting." if name in os.environ else None


def _model_card(info: ModelInfo, title: str, context_in_use: int) -> None:
    with st.container(border=True):
        st.markdown(f"**{title}:** {ui.md(info.name)}")
        cols = st.columns(4)
        cols[0].metric("File size", info.size_label)
        in_use = min(context_in_use, info.context_length or context_in_use)
        cols[1].metric("Context in use", f"{in_use:,} tokens",
                       help=f"The model allows up to {info.context_length:,} tokens." if info.context_length else None)
        cols[2].metric("Parameters", info.parameters or "unknown")
        cols[3].metric("Quantization", info.quantization or "unknown")
        st.caption(f"{ui.md(info.architecture or 'unknown')} architecture · {ui.md_code(info.path)}")


st.subheader("Language model", anchor=False)
with ui.user_errors("Reading the model"):
    try:
        _model_card(model_info(current.resolved_model_path), "Model in use", current.llm_context)
    except MdgError as exc:
        st.error(f"The configured model cannot be used: {ui.md(exc)}", icon=":material/error:")

if st.button("Test the model", icon=":material/speed:", key="mdg.settings.test",
             help="One short generation in a separate process: tokens per second, or the exact failure."):
    with st.spinner("Generating a few tokens…"):
        result = probe_model()
    if result.ok:
        st.success(result.summary(), icon=":material/check_circle:")
    else:
        st.error(result.error, icon=":material/error:")

default_path = default_gguf_model_path()
with st.form("mdg.settings.form"):
    model_path = st.text_input(
        "GGUF model file", key="mdg.settings.model_path", value=str(current.gguf_model_path or ""),
        placeholder=f"empty = default ({default_path.name if default_path else 'not installed'})",
        help="Path to a .gguf file on this machine. Leave empty to use the small model shipped with the workbench.",
    )
    if note := _env_note("gguf_model_path"):
        st.caption(note)
    cols = st.columns(2)
    thread_choices = [0, *range(1, (os.cpu_count() or 1) + 1)]
    threads = cols[0].selectbox("llama.cpp threads", thread_choices,
                                index=thread_choices.index(current.llm_threads) if current.llm_threads in thread_choices else 0,
                                format_func=lambda n: f"auto ({os.cpu_count()} cores)" if n == 0 else str(n))
    context = cols[1].number_input("Context length (tokens)", key="mdg.settings.context", min_value=512, max_value=131072,
                                   value=current.llm_context, step=512,
                                   help="Capped at the model's own context length.")
    st.divider()
    cols = st.columns(3)
    max_upload = cols[0].number_input("Largest CSV upload (MB)", min_value=1, max_value=1_000_000,
                                      value=int(current.max_upload_mb), step=64)
    minimal_above = cols[1].number_input("Full profile runs minimal above (cells)", min_value=0,
                                         value=int(current.full_profile_minimal_above_cells), step=500_000)
    holdout = cols[2].number_input("Real rows kept out (holdout share)", min_value=0.0, max_value=0.89,
                                   value=float(current.holdout_share), step=0.05, format="%.2f")
    submitted = st.form_submit_button("Save settings", type="primary", icon=":material/save:", key="mdg.settings.save")

if submitted:
    with ui.user_errors("Saving settings"):
        path_text = model_path.strip().strip('"')
        if path_text:
            model_info(path_text)  # a clear ModelLoadError before anything is written
        saved = save_settings(current.db_path, gguf_model_path=path_text, llm_threads=int(threads),
                              llm_context=int(context), max_upload_mb=float(max_upload),
                              full_profile_minimal_above_cells=int(minimal_above), holdout_share=float(holdout))
        st.session_state[SAVED_KEY] = f"Settings saved to {settings_file(saved.db_path)}."
        st.rerun()

st.subheader("Storage", anchor=False)
st.caption(f"Database: {ui.md_code(current.db_path)} (set with MDG_DB_PATH).")
