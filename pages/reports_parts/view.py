"""A stored report on screen: verdicts first, then each section's headline metrics, tables and charts, and
the "drop risky rows" action under a privacy section's riskiest rows. A folder, not ``pages/*.py``: Streamlit
would list such a file as a page."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from mdg_core import jobs, ui
from mdg_core.reports import report_kind
from mdg_core.reports.common import SectionSpec
from mdg_core.reports.job import report_key
from mdg_core.reports.privacy import risky_rows_measured

JOB_KEY = "mdg.reports.job"
FOR_KEY = "mdg.reports.job_for"  # the report key (kind, A, B, options) the job was started for
ICONS = {"good": ":material/check_circle:", "review": ":material/warning:", "risky": ":material/dangerous:"}


def _verdict(level: str, title: str, reasons: list[str]) -> None:
    body = f"**{ui.md(title)}: {level.upper()}**\n\n" + "\n".join(f"- {ui.md(r)}" for r in reasons)
    {"good": st.success, "review": st.warning, "risky": st.error}[level](body, icon=ICONS[level])


def _metrics_row(spec: SectionSpec | None, section: dict[str, Any]) -> None:
    shown = [(h, v) for h in (spec.headlines if spec else ()) if (v := h.value(section["metrics"])) is not None]
    for col, (headline, value) in zip(st.columns(len(shown)) if shown else [], shown, strict=True):
        col.metric(headline.label, headline.text(value))


def render(report: dict[str, Any], where: str) -> None:
    """Show a stored report: verdicts first, then tables and charts per section."""
    kind = report_kind(report["kind"])
    _verdict(report["verdict"], report["title"], [f"{s['title']}: {s['verdict']}" for s in report["sections"]])
    st.caption(" · ".join(f"{role}: {ui.md(label)}" for role, label in report["datasets"].items() if label)
               + f" · computed in {report['seconds']:.1f} s on {report['created_at'][:19].replace('T', ' ')}")
    for note in report.get("notes", []):
        st.caption(ui.md(note))
    store = ui.get_store()
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
                if spec and spec.drop_risky and name == "riskiest_rows" and where == "new":
                    _drop_button(report, sec)
        grid = st.columns(2)
        for i, fig in enumerate(sec.get("figures", [])):
            ui.plotly(grid[i % 2], go.Figure(fig), f"mdg.reports.fig.{where}.{sec['key']}.{i}")


def _drop_button(report: dict[str, Any], sec: dict[str, Any]) -> None:
    if not (count := risky_rows_measured(sec["metrics"])):  # with none it would copy #B under a new number
        return
    threshold = float(sec["metrics"].get("dcr_holdout_p5") or 0.0)
    st.caption(f"About {count:,} risky rows: drop each synthetic row that copies a training row or lies closer to "
               f"one than {threshold:.4f} (95 % of unseen holdout rows lie farther), keep the rest as a new version.")
    if st.button("Drop risky rows and re-run", icon=":material/delete_sweep:", key=f"mdg.reports.drop.{report['b']}",
                 disabled=ui.active_job_id(JOB_KEY) is not None):
        form = {k: report[k] for k in ("kind", "a", "b", "holdout", "target")}
        params = {**form, "seed": report.get("seed", 0), "drop_risky_threshold": threshold}
        st.session_state[JOB_KEY] = jobs.submit(ui.get_store(), "report", params,
                                                 f"Drop risky rows of #{report['b']} and re-run {report['kind']}")
        st.session_state[FOR_KEY] = report_key(*form.values())
        st.rerun()
