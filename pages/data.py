"""Data: upload CSVs with a typed preview, browse datasets with lineage, preview, rename, delete, download."""

from __future__ import annotations

import hashlib
import tempfile
from collections import OrderedDict
from pathlib import Path

import pandas as pd
import streamlit as st

from mdg_core import jobs, ui
from mdg_core.ingest import TYPES, Parsed, parse, store_parsed
from mdg_core.store.export import csv_bytes, parquet_bytes

TYPE_ICONS = {"integer": "🔢", "float": "🔣", "boolean": "☑️", "datetime": "📅", "category": "🏷️",
              "text": "🔤", "duration": "⏱️"}
BACKGROUND_ABOVE_BYTES = 20 * 1024 * 1024
store = ui.get_store()

st.title("Data")
st.caption("Upload CSV files, check how each column was read, and keep every version in SQLite.")


@st.cache_resource(show_spinner=False)
def _previews() -> OrderedDict[tuple[str, tuple[tuple[str, str], ...]], Parsed]:
    """Parsed uploads shared across reruns (a few, most recent kept)."""
    return OrderedDict()


def _preview(digest: str, raw: bytes, overrides: dict[str, str]) -> Parsed:
    cache = _previews()
    key = (digest, tuple(sorted(overrides.items())))
    if key not in cache:
        bar = st.progress(0.0, text="Reading…")
        cache[key] = parse(raw, overrides, lambda f, m: bar.progress(min(1.0, f / 0.8), text=m),
                           max_mb=ui.settings().max_upload_mb)
        bar.empty()
        while len(cache) > 4:
            cache.popitem(last=False)
    cache.move_to_end(key)
    return cache[key]


def _headline(parsed: Parsed) -> None:
    missing = sum(g.null_count for g in parsed.guesses)
    cells = max(1, parsed.n_rows * len(parsed.names))
    cols = st.columns(5)
    cols[0].metric("Rows", f"{parsed.n_rows:,}")
    cols[1].metric("Columns", len(parsed.names))
    cols[2].metric("Missing cells", f"{100 * missing / cells:.1f} %")
    cols[3].metric("Encoding", parsed.encoding)
    cols[4].metric("Delimiter", parsed.dialect.delimiter_name)
    for warning in parsed.warnings:
        st.warning(warning, icon=":material/warning:")


def _upload_card(file: st.runtime.uploaded_file_manager.UploadedFile) -> None:
    raw = file.getvalue()
    digest = hashlib.sha256(raw).hexdigest()
    key = f"mdg.data.types.{digest[:12]}"
    overrides = st.session_state.get(key, {})
    saved_id = st.session_state.get(f"{key}.saved")
    if saved_id is not None:
        st.success(f"{file.name} is saved as dataset #{saved_id}.", icon=":material/check_circle:")
        return
    with st.container(border=True):
        st.subheader(file.name, anchor=False)
        with ui.user_errors(f"Reading {file.name}"):
            parsed = _preview(digest, raw, overrides)
            _headline(parsed)
            table = pd.DataFrame({
                "Column": parsed.names,
                "Detected": [f"{TYPE_ICONS.get(g.type, '')} {g.type}" for g in parsed.guesses],
                "Type": parsed.types,
                "Missing": [g.null_count for g in parsed.guesses],
                "Distinct": [f"≈{g.distinct:,}+" if g.distinct_sampled else f"{g.distinct:,}" for g in parsed.guesses],
                "Examples": [", ".join(g.examples[:3]) for g in parsed.guesses],
                "Note": [g.note for g in parsed.guesses],
            })
            edited = st.data_editor(
                table, hide_index=True, width="stretch", key=f"{key}.editor",
                disabled=["Column", "Detected", "Missing", "Distinct", "Examples", "Note"],
                column_config={"Type": st.column_config.SelectboxColumn(
                    "Type", options=list(TYPES), required=True, help="Override the inferred type"),
                },
            )
            wanted = {c: t for c, t, g in zip(edited["Column"], edited["Type"], parsed.guesses) if t != g.type}
            if wanted != overrides:
                st.session_state[key] = wanted
                st.rerun()
            sample = parsed.to_frame(limit=50)
            st.dataframe(sample, width="stretch", height=240, column_config=ui.column_config(sample))
            name = st.text_input("Dataset name", value=Path(file.name).stem, key=f"{key}.name")
            if st.button("Save as dataset", key=f"{key}.save", type="primary", icon=":material/save:"):
                _save(parsed, raw, file.name, name, wanted, key)


def _save(parsed: Parsed, raw: bytes, file_name: str, name: str, overrides: dict[str, str], key: str) -> None:
    if len(raw) > BACKGROUND_ABOVE_BYTES:
        uploads = Path(store.db_path).parent / "uploads"
        uploads.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=uploads, suffix=".csv", delete=False) as fh:
            fh.write(raw)
        st.session_state["mdg.data.job"] = jobs.submit(
            store, "ingest", {"path": fh.name, "name": name, "overrides": overrides,
                              "source_name": file_name, "delete_after": True}, f"Saving {file_name}")
        st.session_state["mdg.data.job_card"] = key
        st.rerun()
    bar = st.progress(0.0, text="Saving…")
    parsed.source_name = file_name
    info = store_parsed(store, parsed, name, progress=lambda f, m: bar.progress(f, text=m))
    bar.empty()
    st.session_state[f"{key}.saved"] = info.id
    ui.set_current_dataset(info.id)
    st.toast(f"Saved {info.label()}", icon=":material/check_circle:")
    st.rerun()


def _catalogue() -> None:
    datasets = store.list()
    if not datasets:
        st.info("No datasets yet. Upload a CSV above, or try a sample from `data/`.", icon=":material/info:")
        return
    by_id = {d.id: d for d in datasets}

    def lineage(d_id: int) -> str:
        chain, cur = [], by_id.get(d_id)
        while cur is not None and len(chain) < 20:
            chain.append(f"#{cur.id}")
            cur = by_id.get(cur.parent_id) if cur.parent_id else None
        return " ← ".join(chain)

    frame = pd.DataFrame([{
        "ID": d.id, "Name": d.name, "Kind": d.kind, "Rows": d.n_rows, "Columns": d.n_cols,
        "Lineage": lineage(d.id), "Source": d.source_name or (d.recipe or {}).get("summary", ""),
        "Created": d.created_at.replace("T", " ")[:19],
    } for d in datasets])
    st.dataframe(frame, hide_index=True, width="stretch", column_config={
        "Rows": st.column_config.NumberColumn(format="localized"),
    })


@st.dialog("Delete dataset")
def _confirm_delete(dataset_id: int) -> None:
    info = store.get(dataset_id)
    derived = store.descendants(dataset_id)
    st.write(f"Delete **{info.label()}**? This cannot be undone.")
    if derived:
        st.warning("These datasets derive from it and will be deleted too:\n\n" +
                   "\n".join(f"- {d.label()}" for d in derived))
    if st.button("Delete", type="primary", icon=":material/delete:"):
        with ui.user_errors("Deleting"):
            store.delete(dataset_id, cascade=True)
            ui.set_current_dataset(None)
            st.rerun()


def _current() -> None:
    info = ui.current_dataset()
    if info is None:
        return
    st.subheader(f"Dataset #{info.id}: {info.name}", anchor=False)
    st.caption(f"{info.kind} · {info.n_rows:,} rows × {info.n_cols} columns · created "
               f"{info.created_at[:19].replace('T', ' ')}" + (f" · from {info.source_name}" if info.source_name else ""))
    preview_tab, schema_tab, manage_tab = st.tabs(["Preview", "Schema", "Manage"])
    with preview_tab:
        limit = 1000
        start = 0
        if info.n_rows > limit:
            start = st.number_input("First row", 0, max(0, info.n_rows - 1), 0, step=limit,
                                    key=f"mdg.data.offset.{info.id}")
        rows = store.load(info.id, limit=limit, offset=int(start))
        st.dataframe(rows, width="stretch", height=420, column_config=ui.column_config(rows))
    with schema_tab:
        st.dataframe(pd.DataFrame([{
            "Column": c.name, "Type": f"{TYPE_ICONS.get(c.logical_type, '')} {c.logical_type}",
            "pandas dtype": c.dtype, "SQLite column": c.storage_name,
        } for c in info.columns]), hide_index=True, width="stretch")
        if info.recipe:
            st.caption("Recipe that produced this dataset")
            st.json(info.recipe, expanded=False)
    with manage_tab:
        cols = st.columns([3, 1], vertical_alignment="bottom")
        new_name = cols[0].text_input("Name", value=info.name, key=f"mdg.data.rename.{info.id}")
        if cols[1].button("Rename", icon=":material/edit:", width="stretch") and new_name != info.name:
            with ui.user_errors("Renaming"):
                store.rename(info.id, new_name)
                st.rerun()
        d1, d2, d3 = st.columns(3)
        d1.download_button("Download CSV", data=lambda: csv_bytes(store, info.id), file_name=f"{info.name}.csv",
                           mime="text/csv", icon=":material/download:", width="stretch")
        d2.download_button("Download Parquet", data=lambda: parquet_bytes(store, info.id),
                           file_name=f"{info.name}.parquet", mime="application/octet-stream",
                           icon=":material/download:", width="stretch")
        if d3.button("Delete…", icon=":material/delete:", width="stretch"):
            _confirm_delete(info.id)


uploads = st.file_uploader("Upload CSV files", type=["csv", "tsv", "txt"], accept_multiple_files=True,
                           help="Comma, semicolon, tab or pipe separated; UTF-8, UTF-16 or Windows-1252.")
for upload in uploads or []:
    _upload_card(upload)
def _background_saved(job: jobs.JobInfo) -> None:
    """Once a background save finishes: mark its upload card saved and make the dataset current."""
    card = st.session_state.pop("mdg.data.job_card", None)
    if card and job.result:
        st.session_state[f"{card}.saved"] = job.result["dataset_id"]
        ui.set_current_dataset(job.result["dataset_id"])
        st.rerun()


ui.job_panel("mdg.data.job", on_done=_background_saved, recover_kinds=["ingest"])
st.divider()
st.subheader("Datasets", anchor=False)
_catalogue()
st.divider()
_current()
