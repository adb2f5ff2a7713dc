"""Reports: quality, drift and privacy of one dataset against another, stored and exportable. Titles, help,
inputs and headline metrics come from the registered report kind (``mdg_core.reports.REPORT_KINDS``)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from mdg_core import jobs, ui
from mdg_core.reports import REPORT_KINDS, report_kind
from mdg_core.reports.common import ReportKind
from mdg_core.reports.job import ARTIFACT_KIND, find_run, load, report_key, saved_label
from pages.reports_parts.view import FOR_KEY, JOB_KEY, render

store = ui.get_store()

st.title("Reports")
st.caption("Trust a synthetic dataset before sharing it: how close it is, where it drifts, whether it leaks.")


def _on_done(info: jobs.JobInfo) -> None:
    result = info.result or {}
    if result.get("new_dataset_id"):
        st.info(f"Dropped {result['dropped_rows']:,} risky rows: new dataset #{result['new_dataset_id']}.",
                icon=":material/delete_sweep:")
        if st.session_state.get(FOR_KEY) != result["key"]:  # show the new version as B, and its report
            st.session_state[FOR_KEY] = result["key"]
            ui.pick_pair_b("mdg.reports", result["new_dataset_id"])
            st.rerun()


def _adopt_recovered_job() -> None:
    """A job picked up again after a refresh (or left by a killed command) belongs to the choice it ran for,
    so its outcome, or why it ended, shows under that choice."""
    ui.active_job_id(JOB_KEY, ["report"])  # picks up the latest running report job in a new session
    job_id = st.session_state.get(JOB_KEY)
    if job_id is not None and FOR_KEY not in st.session_state:
        p = jobs.get(store, int(job_id)).params
        st.session_state[FOR_KEY] = report_key(p["kind"], p["a"], p["b"], p.get("holdout"), p.get("target"))


def _inputs(kind: ReportKind) -> tuple[Any, Any, int | None, str | None]:
    """The real dataset and a synthetic one made from it, and the holdout and target when the kind uses them."""
    a, b = ui.report_pair(kind.labels, "mdg.reports")
    holdout: int | None = None
    target: str | None = None
    if a and b and kind.uses_holdout:
        splits = sorted((d for d in store.list(kinds=["split"]) if d.id not in (a.id, b.id)),
                        key=lambda d: d.parent_id != a.id)  # A's own holdouts first
        labels = {d.id: ui.dataset_label(d) for d in splits}
        holdout = st.selectbox("Holdout (real rows kept out of training)", [None, *labels], key="mdg.reports.holdout",
                               format_func=lambda i: "Automatic: the generation run's holdout, if any" if i is None
                               else labels[i])
    own_holdout = holdout or ((find_run(store, b.id) or {}).get("holdout_dataset_id") if a and b else None)
    if own_holdout and kind.training_reference and st.toggle(
            "Sanity check: judge the holdout as if it were synthetic", key="mdg.reports.holdout_as_b",
            help="Real rows the generator never saw: a trustworthy report calls them safe and close."):
        b = store.get(int(own_holdout))
    if a and b and kind.uses_target:
        common = [None, *(c for c in a.column_names if c in set(b.column_names))]
        target = st.selectbox("Target column for machine-learning utility (optional)", common,
                              key="mdg.reports.target", format_func=lambda c: "(none)" if c is None else c)
    return a, b, holdout, target


new_tab, saved_tab = st.tabs(["New report", "Saved reports"])
with new_tab:
    name = st.segmented_control("Report", list(REPORT_KINDS), default="quality", key="mdg.reports.kind",
                                format_func=lambda n: report_kind(n).title) or "quality"
    kind = report_kind(name)
    st.caption(kind.help)
    a, b, holdout, target = _inputs(kind)
    if a and b:
        key = report_key(name, a.id, b.id, holdout, target)
        existing = load(store, key)  # shown only for exactly this choice of kind, A, B and options
        label = "Re-run report" if existing else "Run report"
        if st.button(label, type="primary", icon=":material/play_arrow:", key="mdg.reports.run",
                     disabled=ui.active_job_id(JOB_KEY) is not None):
            params = {"kind": name, "a": a.id, "b": b.id, "holdout": holdout, "target": target, "seed": 0}
            st.session_state[JOB_KEY] = jobs.submit(store, "report", params, f"{kind.title} report #{b.id} vs #{a.id}")
            st.session_state[FOR_KEY] = key
            st.rerun()
        _adopt_recovered_job()
        if ui.active_job_id(JOB_KEY, ["report"]) is None and st.session_state.get(FOR_KEY) != key:
            st.session_state.pop(JOB_KEY, None)  # a finished job of another choice: its outcome is not this one's
        info = ui.job_panel(JOB_KEY, on_done=_on_done, recover_kinds=["report"])
        if existing is None and info is None:
            st.info("No report for this choice yet: run one.", icon=":material/info:")
        elif existing is not None and (info is None or not info.active):
            with ui.user_errors("Showing the report"):
                render(existing, "new")

with saved_tab:
    arts = store.list_artifacts(ARTIFACT_KIND)
    if not arts:
        st.info("No saved reports yet.", icon=":material/info:")
    else:
        by_id = {x.id: x for x in arts}
        chosen = st.selectbox("Saved report", list(by_id), key="mdg.reports.saved",
                              format_func=lambda i: saved_label(by_id[i]))
        with ui.user_errors("Showing the report"):
            if report := load(store, by_id[chosen].key):
                render(report, "saved")
