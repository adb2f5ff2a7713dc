"""Streamlit helpers shared by the pages: the only module of ``mdg_core`` that imports streamlit.

Session state holds ids only (namespaced ``mdg.*`` keys), never DataFrames; caching lives here, in
the UI layer.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

import streamlit as st

from mdg_core import jobs
from mdg_core.config import Settings, load_settings, streamlit_options
from mdg_core.errors import MdgError
from mdg_core.store import DatasetInfo, DatasetStore

log = logging.getLogger("mdg_core.ui")

CURRENT_KEY = "mdg.current_dataset_id"
PENDING_KEY = "mdg.pending_dataset_id"
SIDEBAR_KEY = "mdg.sidebar_dataset"
DATASET_PARAM = "ds"  # the current dataset in the URL: a refresh or a bookmark keeps it


def settings() -> Settings:
    """The current settings, with the Streamlit options that follow them applied (upload limit)."""
    from streamlit import config as st_config

    current = load_settings()
    for key, value in streamlit_options(current).items():
        if st_config.get_option(key) != value:
            st_config.set_option(key, value)  # server options: st.set_option refuses them
    return current


@st.cache_resource(show_spinner=False)
def _store(db_path: str) -> DatasetStore:
    from mdg_core.samples import seed_samples

    store = DatasetStore(db_path)
    seed_samples(store)
    return store


def get_store() -> DatasetStore:
    """The process-wide store for the configured database (created on first use)."""
    return _store(str(Path(settings().db_path).resolve()))


@contextmanager
def user_errors(action: str = "That") -> Iterator[None]:
    """Show an analyst-readable message instead of a traceback; log the details."""
    try:
        yield
    except MdgError as exc:
        st.error(str(exc), icon=":material/error:")
    except Exception as exc:  # never show a raw traceback to an analyst
        log.error("%s failed:\n%s", action, traceback.format_exc())
        st.error(
            f"{action} failed unexpectedly ({type(exc).__name__}: {exc}). "
            "Nothing was changed; the details are in the server log.",
            icon=":material/error:",
        )


def _query_int(name: str) -> int | None:
    """An integer query parameter of the page's URL, or None when absent or not a number."""
    value = st.query_params.get(name)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def current_dataset_id() -> int | None:
    value = st.session_state.get(CURRENT_KEY)
    return int(value) if value is not None else None


def set_current_dataset(dataset_id: int | None) -> None:
    """Make a dataset current; the sidebar picks it up on its next run."""
    st.session_state[CURRENT_KEY] = dataset_id
    st.session_state[PENDING_KEY] = dataset_id


def current_dataset() -> DatasetInfo | None:
    """The dataset chosen in the sidebar, or None if there is none (or it was deleted)."""
    dataset_id = current_dataset_id()
    if dataset_id is None:
        return None
    try:
        return get_store().get(dataset_id)
    except MdgError:
        set_current_dataset(None)
        return None


def dataset_label(info: DatasetInfo) -> str:
    return f"#{info.id} · {info.name} · {info.kind} · {info.n_rows:,}×{info.n_cols}"


def sidebar_dataset_selector() -> DatasetInfo | None:
    """The sidebar's dataset chooser, shared by every page."""
    store = get_store()
    datasets = store.list(kinds=["uploaded", "transformed", "synthetic", "mock"])
    with st.sidebar:
        st.caption("Current dataset")
        if not datasets:
            st.info("No datasets yet: upload a CSV on the Data page.", icon=":material/info:")
            set_current_dataset(None)
            return None
        ids = [d.id for d in datasets]
        labels = {d.id: dataset_label(d) for d in datasets}
        current = current_dataset_id()
        if current is None:  # a new session (a refresh, a bookmark): the URL says which dataset
            current = _query_int(DATASET_PARAM)
        if current not in ids:
            current = ids[0]
        pending = st.session_state.pop(PENDING_KEY, None)
        if pending in ids or st.session_state.get(SIDEBAR_KEY) not in ids:
            st.session_state[SIDEBAR_KEY] = pending if pending in ids else current
        chosen = st.selectbox(
            "Current dataset", ids, format_func=lambda i: labels[i], key=SIDEBAR_KEY,
            label_visibility="collapsed",
        )
        st.session_state[CURRENT_KEY] = chosen
        if st.query_params.get(DATASET_PARAM) != str(chosen):
            st.query_params[DATASET_PARAM] = str(chosen)
        info = next(d for d in datasets if d.id == chosen)
        if info.parent_id:
            st.caption(f"Derived from #{info.parent_id}")
        return info


def require_dataset() -> DatasetInfo:
    """The current dataset; stops the page with a friendly empty state when there is none."""
    info = current_dataset()
    if info is None:
        st.info("Choose a dataset in the sidebar, or upload one on the Data page.", icon=":material/info:")
        st.page_link("pages/data.py", label="Go to Data", icon=":material/table:")
        st.stop()
    return info


def dataset_picker(label: str, key: str, kinds: list[str] | None = None,
                   default: int | None = None, exclude: int | None = None) -> DatasetInfo | None:
    """A selectbox over datasets (for comparisons and reports)."""
    datasets = [d for d in get_store().list(kinds=kinds) if d.id != exclude]
    if not datasets:
        st.info("No dataset to choose from yet.")
        return None
    ids = [d.id for d in datasets]
    index = ids.index(default) if default in ids else 0
    chosen = st.selectbox(label, ids, index=index, key=key,
                          format_func=lambda i: dataset_label(next(d for d in datasets if d.id == i)))
    return next(d for d in datasets if d.id == chosen)


def column_config(frame: "pd.DataFrame") -> dict[str, object]:
    """Display dates without a midnight time part, as analysts wrote them."""
    import pandas as pd

    config: dict[str, object] = {}
    for name in frame.columns:
        col = frame[name]
        if pd.api.types.is_datetime64_any_dtype(col.dtype) and col.notna().any():
            values = col.dropna()
            if getattr(col.dt, "tz", None) is None and (values == values.dt.normalize()).all():
                config[str(name)] = st.column_config.DateColumn(str(name), format="YYYY-MM-DD")
    return config


def _fmt_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "estimating…"
    seconds = max(0, int(round(seconds)))
    minutes, secs = divmod(seconds, 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def job_panel(job_key: str, on_done: Callable[[jobs.JobInfo], None] | None = None,
              recover_kinds: list[str] | None = None) -> jobs.JobInfo | None:
    """Show the job whose id is stored under ``st.session_state[job_key]``.

    While it runs, a fragment polls it every second so the rest of the page stays usable: real
    progress, elapsed time, an estimate and a cancel button. After a browser refresh (session state
    is new) the latest running job of ``recover_kinds`` is picked up again. When the job has ended,
    its outcome is shown and ``on_done`` renders its result.
    """
    store = get_store()
    if st.session_state.get(job_key) is None and recover_kinds:
        running = jobs.list_jobs(store, kinds=recover_kinds, active_only=True, limit=1)
        if running:
            st.session_state[job_key] = running[0].id
    job_id = st.session_state.get(job_key)
    if job_id is None:
        return None
    try:
        info = jobs.get(store, int(job_id))
    except MdgError as exc:
        st.error(str(exc))
        return None
    if info.active:
        _running_fragment(store, int(job_id), job_key)
        return info
    if info.status == "done":
        st.success(f"{info.title}: done in {_fmt_seconds(info.elapsed_seconds)}.",
                   icon=":material/check_circle:")
        if on_done is not None:
            on_done(info)
    elif info.status == "cancelled":
        st.warning(f"{info.title}: cancelled. Nothing was saved.", icon=":material/cancel:")
    else:
        st.error(f"{info.title} failed: {info.error}", icon=":material/error:")
    return info


@st.fragment(run_every=1.0)
def _running_fragment(store: DatasetStore, job_id: int, job_key: str) -> None:
    info = jobs.get(store, job_id)
    if not info.active:
        st.rerun()  # the whole page shows the outcome
    label = info.message or ("Waiting for a worker…" if info.status == "queued" else "Working…")
    st.progress(min(1.0, info.progress), text=f"{info.title}: {label}")
    cols = st.columns([3, 1])
    remaining = _fmt_seconds(info.eta_seconds) if info.progress > 0 else "estimating…"
    cols[0].caption(f"Elapsed {_fmt_seconds(info.elapsed_seconds)} · remaining {remaining}")
    if cols[1].button("Cancel", key=f"{job_key}.cancel.{job_id}", icon=":material/cancel:",
                      disabled=info.cancel_requested):
        jobs.cancel(store, info.id)
        st.toast("Cancelling…")


def active_job_id(job_key: str) -> int | None:
    """The id under ``job_key`` if that job is still running."""
    job_id = st.session_state.get(job_key)
    if job_id is None:
        return None
    try:
        info = jobs.get(get_store(), int(job_id))
    except MdgError:
        return None
    return info.id if info.active else None


def _leave_legacy_pages_mode() -> None:
    """Make a deep link on a fresh server run through ``app.py``'s navigation.

    Why: until some session has called ``st.navigation``, Streamlit treats the ``pages/`` folder as a
    legacy multipage app, so the first visit to ``/generate`` ran ``pages/generate.py`` alone, under a raw
    list of file names and without the sidebar. Every page imports this module, so the first such run
    switches the legacy mode off for the server and reruns, which goes through ``app.py``.
    """
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    if PagesManager.uses_pages_directory and get_script_run_ctx() is not None:
        PagesManager.uses_pages_directory = False
        st.rerun()


_leave_legacy_pages_mode()
