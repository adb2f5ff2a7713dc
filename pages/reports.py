"""Reports: quality, drift and privacy of one dataset against another, stored and exportable. Titles, help,
inputs and headline metrics come from the registered report kind (``mdg_core.reports.REPORT_KINDS``)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from mdg_core import jobs, ui
from mdg_core.reports import REPORT_KINDS, report_kind
from mdg_core.reports.common import ReportKind, SectionSpec
from mdg_core.reports.job import ARTIFACT_KIND, load, report_key, saved_label

PLOTLY = {"displaylogo": False}
JOB_KEY = "mdg.reports.job"
OPEN_KEY = "mdg.reports.open"
ICONS = {"good": ":material/check_circle:", "review": ":material/warning:", "risky": ":material/dangerous:"}
store = ui.get_store()

st.title("Reports")
st.caption("Trust a synthetic dataset before sharing it: how close it is, where it drifts, whether it leaks.")


def _verdict(level: str, title: str, reasons: list[str]) -> None:
    body = f"**{ui.md(title)}: {level.upper()}**\n\n" + "\n".join(f"- {ui.md(r)}" for r in reasons)
    {"good": st.success, "review": st.warning, "risky": st.error}[level](body, icon=ICONS[level])


def _metrics_row(spec: SectionSpec | None, section: dict[str, Any]) -> None:
    shown = [(h, v) for h in (spec.headlines if spec else ()) if (v := h.value(section["metrics"])) is not None]
    for col, (headline, value) in zip(st.columns(len(shown)) if shown else [], shown, strict=True):
        col.metric(headline.label, headline.text(value))


def _render(report: dict[str, Any], where: str) -> None:
    """Show a stored report: verdicts first, then tables and charts per section."""
    kind = report_kind(report["kind"])
    _verdict(report["verdict"], report["title"], [f"{s['title']}: {s['verdict']}" for s in report["sections"]])
    st.caption(" · ".join(f"{role}: {ui.md(label)}" for role, label in report["datasets"].items() if label)
               + f" · computed in {report['seconds']:.1f} s on {report['created_at'][:19].replace('T', ' ')}")
    for note in report.get("notes", []):
        st.caption(ui.md(note))
    art = store.get_artifact_by_id(report["artifact_id"]) if report.get("artifact_id") else None
    if art is not None and art.payload:
        st.download_button("Download HTML report", art.payload, mime="text/html", icon=":material/download:",
                           file_name=f"{report['kind']}-report-{report['b']}-vs-{report['a']}.html",
                           key=f"mdg.reports.dl.{where}.{art.id}")
    for sec in report["sections"]:
        spec = kind.section(sec["key"])
        st.subheader(ui.md(sec["title"]))
        _verdict(sec["verdict"], "Verdict", sec["reasons"])
        _metrics_row(spec, sec)
        for note in sec.get("notes", []):
            st.caption(ui.md(note))
        for name, rows in [(n, r) for n, r in sec.get("tables", {}).items() if r]:
            with st.expander(name.replace("_", " ").capitalize(), expanded=bool(spec and name in spec.open_tables)):
                st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
                if spec and spec.drop_risky and name == "riskiest_rows":
                    _drop_button(report, sec, where)
        grid = st.columns(2)
        for i, fig in enumerate(sec.get("figures", [])):
            grid[i % 2].plotly_chart(go.Figure(fig), config=PLOTLY, key=f"mdg.reports.fig.{where}.{sec['key']}.{i}")


def _drop_button(report: dict[str, Any], sec: dict[str, Any], where: str) -> None:
    threshold = float(sec["metrics"].get("dcr_holdout_p5") or 0.0)
    st.caption(f"Drop every synthetic row that copies a training row or lies closer to one than {threshold:.4f} "
               "(the distance 95 % of unseen holdout rows exceed), save the rest as a new version, and re-run.")
    busy = ui.active_job_id(JOB_KEY) is not None
    if st.button("Drop risky rows and re-run", icon=":material/delete_sweep:", disabled=busy,
                 key=f"mdg.reports.drop.{where}.{report['b']}"):
        params = {**{k: report[k] for k in ("kind", "a", "b", "holdout", "target")}, "seed": report.get("seed", 0),
                  "drop_risky_threshold": threshold}
        st.session_state[JOB_KEY] = jobs.submit(store, "report", params,
                                                 f"Drop risky rows of #{report['b']} and re-run {report['kind']}")
        st.rerun()


def _on_done(info: jobs.JobInfo) -> None:
    result = info.result or {}
    if result.get("new_dataset_id"):
        st.info(f"Dropped {result['dropped_rows']:,} risky rows: new dataset #{result['new_dataset_id']}.",
                icon=":material/delete_sweep:")
    st.session_state[OPEN_KEY] = result.get("key")


def _inputs(kind: ReportKind) -> tuple[Any, Any, int | None, str | None]:
    """The two datasets, and the holdout and target when the kind uses them."""
    current = ui.current_dataset()
    left, right = st.columns(2)
    with left:
        a = ui.dataset_picker(kind.labels[0], "mdg.reports.a",
                              default=current.parent_id if current and current.parent_id else None)
    with right:
        b = ui.dataset_picker(kind.labels[1], "mdg.reports.b", default=current.id if current else None,
                              exclude=a.id if a else None)
    holdout: int | None = None
    target: str | None = None
    if a and b and kind.uses_holdout:
        splits = [d for d in store.list(kinds=["split"]) if d.id not in (a.id, b.id)]
        labels = {d.id: ui.dataset_label(d) for d in splits}
        holdout = st.selectbox("Holdout (real rows kept out of training)", [None, *labels], key="mdg.reports.holdout",
                               format_func=lambda i: "Automatic: the generation run's holdout, if any" if i is None
                               else labels[i])
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
        existing = load(store, report_key(name, a.id, b.id, holdout, target))
        label = "Re-run report" if existing else "Run report"
        if st.button(label, type="primary", icon=":material/play_arrow:", key="mdg.reports.run",
                     disabled=ui.active_job_id(JOB_KEY) is not None):
            params = {"kind": name, "a": a.id, "b": b.id, "holdout": holdout, "target": target, "seed": 0}
            st.session_state[JOB_KEY] = jobs.submit(store, "report", params, f"{kind.title} report #{b.id} vs #{a.id}")
            st.session_state[OPEN_KEY] = None
            st.rerun()
        info = ui.job_panel(JOB_KEY, on_done=_on_done, recover_kinds=["report"])
        open_key = st.session_state.get(OPEN_KEY) if info is not None and not info.active else None
        shown = load(store, open_key) if open_key else existing
        if shown is None and (info is None or not info.active):
            st.info("No report for this choice yet: run one.", icon=":material/info:")
        elif shown is not None and (info is None or not info.active):
            with ui.user_errors("Showing the report"):
                _render(shown, "new")

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
                _render(report, "saved")
