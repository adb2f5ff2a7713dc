"""Profile: instant overview with warnings, correlations, outliers, the full report and comparisons."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from mdg_core import jobs, ui
from mdg_core.profiling import correlations, outliers, report_job
from mdg_core.profiling.overview import DatasetOverview, column_figure, compare_figure, compare_table, overview_for
from mdg_core.store import DatasetStore

PLOTLY = {"displaylogo": False, "displayModeBar": False}
TABS = ["Overview", "Correlations", "Outliers", "Full report", "Compare"]
REPORT_JOB = "mdg.profile.report_job"
COMPARE_JOB = "mdg.profile.compare_job"
store = ui.get_store()
DB = str(store.db_path)  # cache keys: database, id and creation time (ids are unique only within one database)

st.title("Profile")
st.caption("Understand a dataset in seconds: types, gaps, distributions, warnings, relationships and outliers.")
info = ui.require_dataset()


@st.cache_resource(max_entries=2, show_spinner="Loading rows…")
def _frame(db: str, dataset_id: int, created: str) -> pd.DataFrame:
    """Rows of an immutable dataset, shared read-only by the tabs of this page."""
    return DatasetStore(db).load(dataset_id)


@st.cache_data(max_entries=8, show_spinner="Measuring associations…")
def _assoc(db: str, dataset_id: int, created: str, method: str) -> correlations.Associations:
    return correlations.associations(_frame(db, dataset_id, created), method=method)


@st.cache_data(max_entries=8, show_spinner="Counting outliers…")
def _outliers(db: str, dataset_id: int, created: str) -> pd.DataFrame:
    return outliers.outlier_table(_frame(db, dataset_id, created))


@st.cache_data(max_entries=8, show_spinner="Scanning sampled values with presidio…")
def _pii(db: str, dataset_id: int, created: str) -> pd.DataFrame:
    from mdg_core.pii import scan_columns

    return pd.DataFrame([{"Column": r.column, "Found in sampled values": r.describe() or "—",
                          "Best score": r.max_score} for r in scan_columns(_frame(db, dataset_id, created))])


def _overview(ov: DatasetOverview) -> None:
    cols = st.columns(5)
    cols[0].metric("Rows", f"{ov.n_rows:,}")
    cols[1].metric("Columns", ov.n_cols)
    cols[2].metric("Duplicate rows", f"{ov.n_duplicates:,}")
    cols[3].metric("Memory", f"{ov.memory_bytes / 1e6:,.1f} MB")
    cols[4].metric("Missing cells", f"{100 * ov.missing_cells_share:.1f} %")
    if ov.warnings:
        with st.expander(f"{len(ov.warnings)} warning(s)", expanded=True, icon=":material/warning:"):
            for w in ov.warnings:
                st.markdown(f"- {w.message}")
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
        grid[i % 3].plotly_chart(column_figure(ov.column(name)), config=PLOTLY, key=f"mdg.profile.chart.{name}")
    st.caption(f"Overview computed in {ov.seconds * 1000:,.0f} ms and stored with dataset #{info.id}.")
    if st.toggle("Scan values for personal data (presidio, on a 200-row sample)", key="mdg.profile.pii"):
        with ui.user_errors("The PII scan"):
            found = _pii(DB, info.id, info.created_at)
            if found.empty:
                st.info("No text column looks like personal data.", icon=":material/verified_user:")
            else:
                st.dataframe(found, hide_index=True, width="stretch")


def _correlations() -> None:
    method = st.segmented_control("Numeric measure", ["pearson", "spearman"], default="pearson",
                                  key="mdg.profile.corr_method", format_func=str.capitalize) or "pearson"
    assoc = _assoc(DB, info.id, info.created_at, method)
    if len(assoc.matrix) < 2:
        st.info("Fewer than two usable columns (numeric, or categorical with at most 50 levels).")
        return
    st.plotly_chart(correlations.heatmap(assoc), config=PLOTLY, key="mdg.profile.heatmap")
    st.caption(" · ".join(f"{k}: {v}" for k, v in assoc.measures.items()) +
               f" · on {assoc.n_rows_used:,} rows" + (f" · left out: {', '.join(assoc.skipped)}" if assoc.skipped else ""))


def _outliers_tab() -> None:
    table = _outliers(DB, info.id, info.created_at)
    if table.empty:
        st.info("This dataset has no numeric column with more than two values.")
        return
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        "Lower fence": st.column_config.NumberColumn(format="%.4g"),
        "Upper fence": st.column_config.NumberColumn(format="%.4g")})
    default = table.sort_values("IQR (1.5×)", ascending=False)["Column"].tolist()[:4]
    chosen = st.multiselect("Box plots for", table["Column"].tolist(), default=default, key=f"mdg.profile.box.{info.id}")
    grid = st.columns(2)
    for i, name in enumerate(chosen):
        fig = outliers.box_figure(_frame(DB, info.id, info.created_at), name)
        grid[i % 2].plotly_chart(fig, config=PLOTLY, key=f"mdg.profile.box.{name}")


def _show_report(art_kind: str, key: str | None, label: str) -> None:
    art = store.get_artifact(art_kind, key) if key else None
    if art is None or art.payload is None:
        return
    summary = art.summary or {}
    note = " · sampled" if summary.get("sampled") else ""
    cols = st.columns([3, 1], vertical_alignment="center")
    cols[0].caption(f"{label}: {summary.get('mode', '?')} mode, {summary.get('rows_profiled', 0):,} rows{note}, "
                    f"built {art.created_at[:19].replace('T', ' ')} in {summary.get('seconds', 0)} s.")
    cols[1].download_button("Download HTML", art.payload, file_name=f"profile-{key.replace(':', '-')}.html",
                            mime="text/html", icon=":material/download:", width="stretch", key=f"dl.{art_kind}.{key}")
    st.iframe(art.payload.decode("utf-8"), height=900, alt=f"ydata-profiling report: {label}")


def _full_report() -> None:
    limit = ui.settings().full_profile_minimal_above_cells
    auto = report_job.resolve_mode("auto", info.n_rows, info.n_cols, limit)
    mode = st.radio("Mode", ["auto", "minimal", "full"], horizontal=True, key="mdg.profile.mode",
                    captions=[f"→ {auto} ({info.n_rows * info.n_cols:,} cells; minimal above {limit:,})",
                              "fast: no correlations or interactions", "everything ydata-profiling computes"])
    resolved = report_job.resolve_mode(mode, info.n_rows, info.n_cols, limit)
    stored = store.get_artifact(report_job.REPORT_ARTIFACT, report_job.report_key(info.id, resolved), with_payload=False)
    if info.n_rows > report_job.SAMPLE_ABOVE_ROWS:
        st.caption(f"Above {report_job.SAMPLE_ABOVE_ROWS:,} rows the report describes a seeded sample of "
                   f"{report_job.SAMPLE_ROWS:,} rows, and says so.")
    running = ui.active_job_id(REPORT_JOB)
    label = "Rebuild report" if stored else "Build report"
    if st.button(label, icon=":material/query_stats:", type="secondary" if stored else "primary",
                 disabled=running is not None, key="mdg.profile.build"):
        with ui.user_errors("Starting the report"):
            st.session_state[REPORT_JOB] = jobs.submit(
                store, "profile_report", {"dataset_id": info.id, "mode": mode},
                f"Profile report of #{info.id} ({resolved})")
            st.rerun()
    done = ui.job_panel(REPORT_JOB, recover_kinds=["profile_report"])
    if done is not None and done.active:
        return
    _show_report(report_job.REPORT_ARTIFACT, report_job.report_key(info.id, resolved) if stored or done else None,
                 f"#{info.id} {info.name}")


def _compare() -> None:
    other = ui.dataset_picker("Compare with", key=f"mdg.profile.other.{info.id}", exclude=info.id,
                              default=info.parent_id, kinds=["uploaded", "transformed", "synthetic", "mock", "split"])
    if other is None:
        return
    left, right = overview_for(store, info.id), overview_for(store, other.id)
    st.markdown(f"**A** = #{info.id} {info.name} ({left.n_rows:,} rows) · **B** = #{other.id} {other.name} "
                f"({right.n_rows:,} rows)")
    st.dataframe(compare_table(left, right), hide_index=True, width="stretch")
    common = [c.name for c in left.columns if c.name in {r.name for r in right.columns}]
    if common:
        chosen = st.multiselect("Distributions of", common, default=common[:4], key=f"mdg.profile.cmpcols.{info.id}")
        grid = st.columns(2)
        for i, name in enumerate(chosen):
            grid[i % 2].plotly_chart(compare_figure(left.column(name), right.column(name), ("A", "B")),
                                     config=PLOTLY, key=f"mdg.profile.cmp.{name}")
    limit = ui.settings().full_profile_minimal_above_cells
    resolved = report_job.resolve_mode("auto", max(info.n_rows, other.n_rows), info.n_cols, limit)
    key = report_job.compare_key(info.id, other.id, resolved)
    stored = store.get_artifact(report_job.COMPARE_ARTIFACT, key, with_payload=False)
    if st.button("Rebuild compare report" if stored else "Build ydata-profiling compare report",
                 icon=":material/compare:", disabled=ui.active_job_id(COMPARE_JOB) is not None,
                 key="mdg.profile.build_compare"):
        with ui.user_errors("Starting the compare report"):
            st.session_state[COMPARE_JOB] = jobs.submit(
                store, "profile_report", {"dataset_id": info.id, "other_id": other.id, "mode": "auto"},
                f"Compare report #{info.id} vs #{other.id} ({resolved})")
            st.rerun()
    done = ui.job_panel(COMPARE_JOB)
    if done is not None and done.active:
        return
    _show_report(report_job.COMPARE_ARTIFACT, key, f"#{info.id} vs #{other.id}")


tabs = st.tabs(TABS, key="mdg.profile.tab", on_change="rerun")
for tab, render in zip(tabs, [None, _correlations, _outliers_tab, _full_report, _compare]):
    if not tab.open:
        continue
    with tab, ui.user_errors("Profiling"):
        if render is None:
            _overview(overview_for(store, info.id))
        else:
            render()
