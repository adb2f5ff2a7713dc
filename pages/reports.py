"""Reports: quality, drift and privacy of one dataset against another, stored and exportable."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from mdg_core import jobs, ui
from mdg_core.reports import SECTIONS
from mdg_core.reports.job import ARTIFACT_KIND, load, report_key

PLOTLY = {"displaylogo": False}
JOB_KEY = "mdg.reports.job"
OPEN_KEY = "mdg.reports.open"
ICONS = {"good": ":material/check_circle:", "review": ":material/warning:", "risky": ":material/dangerous:"}
HELP = {
    "quality": "How close the synthetic data (B) is to the real data (A): SDMetrics scores, charts and, "
               "with a target, train-on-synthetic vs train-on-real.",
    "drift": "Where two datasets differ column by column (KS, Wasserstein, χ², Jensen–Shannon, PSI, missing "
             "values) and whether a model can tell them apart.",
    "privacy": "Whether the synthetic data (B) leaks the real rows it was trained on: distances to closest "
               "records, re-identification attacks and PII.",
}
store = ui.get_store()

st.title("Reports")
st.caption("Trust a synthetic dataset before sharing it: how close it is, where it drifts, whether it leaks.")


def _verdict(level: str, title: str, reasons: list[str]) -> None:
    body = f"**{title}: {level.upper()}**\n\n" + "\n".join(f"- {r}" for r in reasons)
    {"good": st.success, "review": st.warning, "risky": st.error}[level](body, icon=ICONS[level])


def _metrics_row(section: dict[str, Any]) -> None:
    m = section["metrics"]
    picks = {
        "quality": [("Overall quality", "overall_score"), ("Column shapes", "column_shapes"),
                    ("Pair trends", "column_pair_trends"), ("Validity", "validity")],
        "utility": [("Trained on real", "reference"), ("Trained on synthetic", "synthetic"), ("Ratio", "ratio")],
        "drift": [("Drifted columns", "drifted_share")],
        "distances": [("Exact copies", "exact_match_share_synthetic"), ("Closer to training", "dcr_share"),
                      ("No-memorisation share", "dcr_share_baseline"), ("Median NNDR", "nndr_synthetic_median")],
    }.get(section["key"], [])
    shown = [(label, m.get(k)) for label, k in picks if m.get(k) is not None]
    if section["key"] == "drift" and (m.get("classifier") or {}).get("auc") is not None:
        shown.append(("Classifier ROC AUC", m["classifier"]["auc"]))
    if not shown:
        return
    cols = st.columns(len(shown))
    for col, (label, value) in zip(cols, shown):
        pct = label not in ("Classifier ROC AUC", "Median NNDR", "Trained on real", "Trained on synthetic")
        col.metric(label, f"{value:.1%}" if pct else f"{value:.3f}")


def _render(report: dict[str, Any], where: str) -> None:
    """Show a stored report: verdicts first, then tables and charts per section."""
    _verdict(report["verdict"], report["title"], [f"{s['title']}: {s['verdict']}" for s in report["sections"]])
    st.caption(" · ".join(f"{role}: {label}" for role, label in report["datasets"].items() if label)
               + f" · computed in {report['seconds']:.1f} s on {report['created_at'][:19].replace('T', ' ')}")
    for note in report.get("notes", []):
        st.caption(note)
    art = store.get_artifact(ARTIFACT_KIND, report_key(report["section"], report["a"], report["b"],
                                                      report["holdout"], report["target"]))
    if art is not None and art.payload:
        st.download_button("Download HTML report", art.payload, mime="text/html", icon=":material/download:",
                           file_name=f"{report['section']}-report-{report['b']}-vs-{report['a']}.html",
                           key=f"mdg.reports.dl.{where}.{art.id}")
    for sec in report["sections"]:
        st.subheader(sec["title"])
        _verdict(sec["verdict"], "Verdict", sec["reasons"])
        _metrics_row(sec)
        for note in sec.get("notes", []):
            st.caption(note)
        for name, rows in sec.get("tables", {}).items():
            if not rows:
                continue
            expanded = name in ("columns", "riskiest_rows", "attacks", "scores")
            with st.expander(name.replace("_", " ").capitalize(), expanded=expanded):
                st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
                if name == "riskiest_rows":
                    _drop_button(report, sec, where)
        figs = sec.get("figures", [])
        grid = st.columns(2)
        for i, fig in enumerate(figs):
            grid[i % 2].plotly_chart(go.Figure(fig), config=PLOTLY, key=f"mdg.reports.fig.{where}.{sec['key']}.{i}")


def _drop_button(report: dict[str, Any], sec: dict[str, Any], where: str) -> None:
    threshold = float(sec["metrics"].get("dcr_holdout_p5") or 0.0)
    st.caption(f"Drop every synthetic row that copies a training row or lies closer to one than {threshold:.4f} "
               "(the distance 95 % of unseen holdout rows exceed), save the rest as a new version, and re-run.")
    if st.button("Drop risky rows and re-run", icon=":material/delete_sweep:", key=f"mdg.reports.drop.{where}.{report['b']}",
                 disabled=ui.active_job_id(JOB_KEY) is not None):
        params = {"section": "privacy", "a": report["a"], "b": report["b"], "holdout": report["holdout"],
                  "target": None, "seed": report.get("seed", 0), "drop_risky_threshold": threshold}
        st.session_state[JOB_KEY] = jobs.submit(store, "report", params,
                                                 f"Drop risky rows of #{report['b']} and re-run privacy")
        st.rerun()


def _on_done(info: jobs.JobInfo) -> None:
    result = info.result or {}
    if result.get("new_dataset_id"):
        st.info(f"Dropped {result['dropped_rows']:,} risky rows: new dataset #{result['new_dataset_id']}.",
                icon=":material/delete_sweep:")
    st.session_state[OPEN_KEY] = result.get("key")


new_tab, saved_tab = st.tabs(["New report", "Saved reports"])
with new_tab:
    section = st.segmented_control("Report", list(SECTIONS), default="quality", key="mdg.reports.section",
                                   format_func=str.capitalize) or "quality"
    st.caption(HELP[section])
    current = ui.current_dataset()
    left, right = st.columns(2)
    with left:
        b_default = current.id if current else None
        a_default = current.parent_id if current and current.parent_id else None
        a = ui.dataset_picker("Version 1 (A)" if section == "drift" else "Real data (A)", "mdg.reports.a",
                              default=a_default)
    with right:
        b = ui.dataset_picker("Version 2 (B)" if section == "drift" else "Synthetic data (B)", "mdg.reports.b",
                              default=b_default, exclude=a.id if a else None)
    holdout: int | None = None
    target: str | None = None
    if a and b and section in ("quality", "privacy"):
        splits = [d for d in store.list(kinds=["split"]) if d.id not in (a.id, b.id)]
        options: list[int | None] = [None] + [d.id for d in splits]
        labels = {d.id: ui.dataset_label(d) for d in splits}
        holdout = st.selectbox("Holdout (real rows kept out of training)", options, key="mdg.reports.holdout",
                               format_func=lambda i: "Automatic: the generation run's holdout, if any" if i is None
                               else labels[i])
    if a and b and section == "quality":
        common = [c for c in a.column_names if c in set(b.column_names)]
        target = st.selectbox("Target column for machine-learning utility (optional)", [None] + common,
                              key="mdg.reports.target", format_func=lambda c: "(none)" if c is None else c)
    if a and b:
        key = report_key(section, a.id, b.id, holdout, target)
        existing = load(store, key)
        label = "Re-run report" if existing else "Run report"
        if st.button(label, type="primary", icon=":material/play_arrow:", key="mdg.reports.run",
                     disabled=ui.active_job_id(JOB_KEY) is not None):
            params = {"section": section, "a": a.id, "b": b.id, "holdout": holdout, "target": target, "seed": 0}
            st.session_state[JOB_KEY] = jobs.submit(store, "report", params, f"{section.capitalize()} report "
                                                                              f"#{b.id} vs #{a.id}")
            st.session_state[OPEN_KEY] = None
            st.rerun()
        info = ui.job_panel(JOB_KEY, on_done=_on_done, recover_kinds=["report"])
        open_key = st.session_state.get(OPEN_KEY) if info is not None and not info.active else None
        shown = load(store, open_key) if open_key else existing
        if shown is not None and (info is None or not info.active):
            with ui.user_errors("Showing the report"):
                _render(shown, "new")
        elif shown is None and (info is None or not info.active):
            st.info("No report for this choice yet: run one.", icon=":material/info:")

with saved_tab:
    arts = store.list_artifacts(ARTIFACT_KIND)
    if not arts:
        st.info("No saved reports yet.", icon=":material/info:")
    else:
        by_id = {x.id: x for x in arts}
        chosen = st.selectbox(
            "Saved report", list(by_id), key="mdg.reports.saved",
            format_func=lambda i: f"{by_id[i].created_at[:19].replace('T', ' ')} · {(by_id[i].summary or {}).get('title', by_id[i].key)}"
                                  f" · {(by_id[i].summary or {}).get('verdict', '?').upper()}")
        with ui.user_errors("Showing the report"):
            report = load(store, by_id[chosen].key)
            if report:
                _render(report, "saved")
