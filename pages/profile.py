"""Profile: instant overview with warnings, correlations, outliers, the full report and comparisons."""

from __future__ import annotations

import streamlit as st

from mdg_core import jobs, ui
from mdg_core.profiling import correlations, report_job
from mdg_core.profiling.overview import (
    DatasetOverview,
    column_figure,
    compare_figure,
    compare_table,
    duplicates_note,
    memory_note,
    mib,
    overview_for,
)

TABS = ["Overview", "Correlations", "Outliers", "Full report", "Compare"]
REPORT_JOB = "mdg.profile.report_job"
COMPARE_JOB = "mdg.profile.compare_job"
store = ui.get_store()

st.title("Profile")
st.caption("Understand a dataset in seconds: types, gaps, distributions, warnings, relationships and outliers.")
info = ui.require_dataset()


def _overview(ov: DatasetOverview) -> None:
    cols = st.columns(5)
    cols[0].metric("Rows", f"{ov.n_rows:,}")
    cols[1].metric("Columns", ov.n_cols)
    cols[2].metric("Duplicate rows", f"{ov.n_duplicates:,}", help=f"Rows that repeat an earlier row exactly. "
                   f"{duplicates_note(ov.n_duplicates, ov.n_duplicate_groups).capitalize()}." if ov.n_duplicates else None)
    cols[3].metric("Memory", mib(ov.memory_bytes), help=memory_note(ov))
    cols[4].metric("Missing cells", f"{100 * ov.missing_cells_share:.1f} %")
    if ov.warnings:
        with st.expander(f"{len(ov.warnings)} warning(s)", expanded=True, icon=":material/warning:"):
            st.markdown("\n".join(f"- {ui.md(w.message)}" for w in ov.warnings))
    else:
        st.success("No warnings: no constant, ID-like, mostly-missing, skewed, mixed or personal-data columns.",
                   icon=":material/check_circle:")
    st.dataframe(ov.table(), hide_index=True, width="stretch", column_config={
        "Missing %": st.column_config.ProgressColumn("Missing %", min_value=0, max_value=100, format="%.1f %%"),
        "Chart": st.column_config.BarChartColumn("Distribution", width="medium"),
        "Distinct": st.column_config.NumberColumn(format="localized"),
    })
    names = [c.name for c in ov.columns]
    shown = st.multiselect("Charts for", names, default=names[:6], key=f"mdg.profile.charts.{info.id}")
    grid = st.columns(3)
    for i, name in enumerate(shown):
        ui.plotly(grid[i % 3], column_figure(ov.column(name)), key=f"mdg.profile.chart.{name}")
    st.caption(f"Overview computed in {ov.seconds * 1000:,.0f} ms and stored with dataset #{info.id}.")
    if st.toggle("Scan values for personal data (presidio, on a 200-row sample)", key="mdg.profile.pii"):
        with ui.user_errors("The PII scan"):
            found = ui.pii_table(info)
            if found.empty:
                st.info("No text column looks like personal data.", icon=":material/verified_user:")
            else:
                st.dataframe(found, hide_index=True, width="stretch")


def _correlations() -> None:
    method = st.segmented_control("Numeric measure", ["pearson", "spearman"], default="pearson",
                                  key="mdg.profile.corr_method", format_func=str.capitalize) or "pearson"
    assoc = ui.associations(info, method)
    if len(assoc.matrix) < 2:
        st.info("Fewer than two usable columns (numeric, or categorical with at most 50 levels).")
        return
    ui.plotly(st, correlations.heatmap(assoc), key="mdg.profile.heatmap")
    st.caption(" · ".join(f"{k}: {v}" for k, v in assoc.measures.items()) +
               f" · on {assoc.n_rows_used:,} rows" + (f" · left out: {ui.md(', '.join(assoc.skipped))}" if assoc.skipped else ""))


def _show_report(art_kind: str, key: str | None, label: str) -> None:
    art = store.get_artifact(art_kind, key) if key else None
    if art is None or art.payload is None:
        return
    summary = art.summary or {}
    note = " · sampled" if summary.get("sampled") else ""
    cols = st.columns([3, 1], vertical_alignment="center")
    cols[0].caption(f"{ui.md(label)}: {summary.get('mode', '?')} mode, {summary.get('rows_profiled', 0):,} rows{note}, "
                    f"built {art.created_at[:19].replace('T', ' ')} in {summary.get('seconds', 0)} s.")
    report_html = report_job.locked_down(art.payload.decode("utf-8"))
    cols[1].download_button("Download HTML", report_html, file_name=f"profile-{key.replace(':', '-')}.html",
                            mime="text/html", icon=":material/download:", width="stretch", key=f"dl.{art_kind}.{key}")
    ui.sandboxed_html(report_html, height=900, alt=f"ydata-profiling report: {label}",
                      trusted_scripts=report_job.ydata_scripts())


def _full_report() -> None:
    limit = ui.settings().full_profile_minimal_above_cells
    auto = report_job.resolve_mode("auto", info.n_rows, info.n_cols, limit)
    mode = st.radio("Mode", ["auto", "minimal", "full"], horizontal=True, key="mdg.profile.mode",
                    captions=[f"→ {auto} ({info.n_rows * info.n_cols:,} cells; minimal above {limit:,})",
                              "fast: no correlations or interactions", "everything ydata-profiling computes"])
    resolved = report_job.resolve_mode(mode, info.n_rows, info.n_cols, limit)
    if info.n_rows > report_job.SAMPLE_ABOVE_ROWS:
        st.caption(f"Above {report_job.SAMPLE_ABOVE_ROWS:,} rows the report describes a seeded sample of "
                   f"{report_job.SAMPLE_ROWS:,} rows, and says so.")
    _report(REPORT_JOB, report_job.REPORT_ARTIFACT, report_job.report_key(info.id, resolved), ("Build report", "Rebuild report"),
            {"dataset_id": info.id, "mode": mode}, f"Profile report of #{info.id} ({resolved})", f"#{info.id} {info.name}")


def _report(job_key: str, art_kind: str, key: str, labels: tuple[str, str], params: dict[str, object], title: str,
            shown_as: str) -> None:
    """A stored ydata-profiling report at once, and a button that (re)builds it as a background job."""
    stored = store.get_artifact(art_kind, key, with_payload=False)
    if st.button(labels[bool(stored)], icon=":material/query_stats:", type="secondary" if stored else "primary",
                 disabled=ui.active_job_id(job_key) is not None, key=f"{job_key}.build"):
        with ui.user_errors("Starting the report"):
            st.session_state[job_key] = jobs.submit(store, "profile_report", params, title)
            st.rerun()
    done = ui.job_panel(job_key, recover_kinds=["profile_report"] if job_key == REPORT_JOB else None)
    if done is None or not done.active:
        _show_report(art_kind, key, shown_as)


def _compare() -> None:
    other = ui.dataset_picker("Compare with", key=f"mdg.profile.other.{info.id}", exclude=info.id,
                              default=info.parent_id, kinds=["uploaded", "transformed", "synthetic", "mock", "split"])
    if other is None:
        return
    left, right = overview_for(store, info.id), overview_for(store, other.id)
    st.markdown(f"**A** = #{info.id} {ui.md(info.name)} ({left.n_rows:,} rows) · **B** = #{other.id} {ui.md(other.name)} "
                f"({right.n_rows:,} rows)")
    st.dataframe(compare_table(left, right), hide_index=True, width="stretch")
    common = [c.name for c in left.columns if c.name in {r.name for r in right.columns}]
    if common:
        chosen = st.multiselect("Distributions of", common, default=common[:4], key=f"mdg.profile.cmpcols.{info.id}")
        grid = st.columns(2)
        for i, name in enumerate(chosen):
            ui.plotly(grid[i % 2], compare_figure(left.column(name), right.column(name), ("A", "B")),
                      key=f"mdg.profile.cmp.{name}")
    limit = ui.settings().full_profile_minimal_above_cells
    resolved = report_job.resolve_mode("auto", max(info.n_rows, other.n_rows), info.n_cols, limit)
    _report(COMPARE_JOB, report_job.COMPARE_ARTIFACT, report_job.compare_key(info.id, other.id, resolved),
            ("Build ydata-profiling compare report", "Rebuild compare report"),
            {"dataset_id": info.id, "other_id": other.id, "mode": "auto"},
            f"Compare report #{info.id} vs #{other.id} ({resolved})", f"#{info.id} vs #{other.id}")


tabs = st.tabs(TABS, key="mdg.profile.tab", on_change="rerun")
renders = [lambda: _overview(overview_for(store, info.id)), _correlations,
           lambda: ui.outliers_view(info, "mdg.profile"), _full_report, _compare]
for tab, render in zip(tabs, renders, strict=True):
    if tab.open:
        with tab, ui.user_errors("Profiling"):
            render()
