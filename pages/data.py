"""Data: upload CSVs with a typed preview, browse datasets with lineage, preview, rename, delete, download."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import streamlit as st

from mdg_core import jobs, ui
from mdg_core.ingest import Parsed
from mdg_core.store.export import csv_bytes, parquet_bytes
from mdg_core.uploads import TYPE_ICONS, save_upload

store = ui.get_store()

st.title("Data")
st.caption("Upload CSV files, check how each column was read, and keep every version in SQLite.")


def _headline(parsed: Parsed) -> None:
    missing = sum(g.null_count for g in parsed.guesses) / max(1, parsed.n_rows * len(parsed.names))
    for col, (label, value) in zip(st.columns(5), [
            ("Rows", f"{parsed.n_rows:,}"), ("Columns", len(parsed.names)), ("Missing cells", f"{100 * missing:.1f} %"),
            ("Encoding", parsed.encoding), ("Delimiter", parsed.dialect.delimiter_name)], strict=True):
        col.metric(label, value)
    for warning in parsed.warnings:
        st.warning(ui.md(warning), icon=":material/warning:")


def _upload_card(file: st.runtime.uploaded_file_manager.UploadedFile) -> None:
    raw = file.getvalue()
    digest = hashlib.sha256(raw).hexdigest()
    key = f"mdg.data.types.{digest[:12]}"
    if st.session_state.get(f"{key}.saved") is not None:
        st.success(f"{ui.md(file.name)} is saved as dataset #{st.session_state[f'{key}.saved']}.",
                   icon=":material/check_circle:")
        return
    with st.container(border=True):
        st.subheader(ui.md(file.name), anchor=False)
        with ui.user_errors(f"Reading {file.name}"):
            preview = ui.upload_preview(raw, digest, st.session_state.get(key, {}))
            _headline(preview.parsed)
            wanted = ui.type_editor(key, preview)
            if wanted != st.session_state.get(key, {}):
                for column in wanted:
                    st.session_state[f"{key}.refused"].pop(column, None)
                st.session_state[key] = wanted
                st.rerun()
            sample = preview.parsed.to_frame(limit=50)
            st.dataframe(sample, width="stretch", height=240, column_config=ui.column_config(sample))
            name = st.text_input("Dataset name", value=Path(file.name).stem, key=f"{key}.name")
            if st.button("Save as dataset", key=f"{key}.save", type="primary", icon=":material/save:"):
                bar = st.progress(0.0, text="Saving…")
                saved = save_upload(store, preview, raw, file.name, name, lambda f, m: bar.progress(f, text=m))
                if saved.dataset is not None:
                    st.session_state[f"{key}.saved"] = saved.dataset.id
                    ui.set_current_dataset(saved.dataset.id)
                st.session_state.update({"mdg.data.job": saved.job_id, "mdg.data.job_card": key} if saved.job_id else {})
                st.rerun()


def _catalogue() -> None:
    datasets = store.list()
    if not datasets:
        st.info("No datasets yet. Upload a CSV above, or try a sample from `data/`.", icon=":material/info:")
        return
    st.dataframe(pd.DataFrame([{
        "ID": d.id, "Name": d.name, "Kind": d.kind, "Rows": d.n_rows, "Columns": d.n_cols,
        "Lineage": " ← ".join(f"#{x.id}" for x in store.lineage(d.id)[:20]),
        "Source": d.source_name or (d.recipe or {}).get("summary", ""), "Created": d.created_at.replace("T", " ")[:19],
    } for d in datasets]), hide_index=True, width="stretch", column_config={"Rows": st.column_config.NumberColumn(
        format="localized")})


@st.dialog("Delete dataset")
def _confirm_delete(dataset_id: int) -> None:
    info, derived = store.get(dataset_id), store.descendants(dataset_id)
    st.write(f"Delete **{ui.md(info.label())}**? This cannot be undone.")
    if derived:
        st.warning("These datasets derive from it and will be deleted too:\n\n" +
                   "\n".join(f"- {ui.md(d.label())}" for d in derived))
    if st.button("Delete", type="primary", icon=":material/delete:"):
        with ui.user_errors("Deleting"):
            store.delete(dataset_id, cascade=True)
            ui.set_current_dataset(None)
            st.rerun()


def _current() -> None:
    info = ui.current_dataset()
    if info is None:
        return
    st.subheader(f"Dataset #{info.id}: {ui.md(info.name)}", anchor=False)
    st.caption(f"{info.kind} · {info.n_rows:,} rows × {info.n_cols} columns · created "
               f"{info.created_at[:19].replace('T', ' ')}" + (f" · from {ui.md(info.source_name)}" if info.source_name else ""))
    preview_tab, schema_tab, manage_tab = st.tabs(["Preview", "Schema", "Manage"])
    start = preview_tab.number_input("First row", 0, max(0, info.n_rows - 1), 0, step=1000,
                                     key=f"mdg.data.offset.{info.id}") if info.n_rows > 1000 else 0
    rows = store.load(info.id, limit=1000, offset=int(start))
    preview_tab.dataframe(rows, width="stretch", height=420, column_config=ui.column_config(rows))
    schema_tab.dataframe(pd.DataFrame([{"Column": c.name, "Type": f"{TYPE_ICONS.get(c.logical_type, '')} {c.logical_type}",
                                        "pandas dtype": c.dtype, "SQLite column": c.storage_name} for c in info.columns]),
                         hide_index=True, width="stretch")
    if info.recipe:
        schema_tab.caption("Recipe that produced this dataset")
        schema_tab.json(info.recipe, expanded=False)
    cols = manage_tab.columns([3, 1], vertical_alignment="bottom")
    new_name = cols[0].text_input("Name", value=info.name, key=f"mdg.data.rename.{info.id}")
    if cols[1].button("Rename", icon=":material/edit:", width="stretch") and new_name != info.name:
        with ui.user_errors("Renaming"):
            store.rename(info.id, new_name)
            st.rerun()
    d1, d2, d3 = manage_tab.columns(3)
    # the file is made when clicked; no rerun ("ignore"), which could revoke it before the browser fetches it
    d1.download_button("Download CSV", data=lambda: csv_bytes(store, info.id), file_name=f"{info.name}.csv",
                       mime="text/csv", icon=":material/download:", width="stretch", on_click="ignore")
    d2.download_button("Download Parquet", data=lambda: parquet_bytes(store, info.id), file_name=f"{info.name}.parquet",
                       mime="application/octet-stream", icon=":material/download:", width="stretch", on_click="ignore")
    if d3.button("Delete…", icon=":material/delete:", width="stretch"):
        _confirm_delete(info.id)


def _background_saved(job: jobs.JobInfo) -> None:
    """Once a background save finishes: mark its upload card saved and make the dataset current."""
    card = st.session_state.pop("mdg.data.job_card", None)
    if card and job.result:
        st.session_state[f"{card}.saved"] = job.result["dataset_id"]
        ui.set_current_dataset(job.result["dataset_id"])
        st.rerun()


for upload in st.file_uploader("Upload CSV files", type=["csv", "tsv", "txt"], accept_multiple_files=True,
                               help="Comma, semicolon, tab or pipe separated; UTF-8, UTF-16 or Windows-1252.") or []:
    _upload_card(upload)
ui.job_panel("mdg.data.job", on_done=_background_saved, recover_kinds=["ingest"])
st.divider()
st.subheader("Datasets", anchor=False)
_catalogue()
st.divider()
_current()
