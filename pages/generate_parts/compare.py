"""Compare generators: the same split and seed for each; quality read against the real holdout (the
ceiling) and the two baselines, copying risk and time, as a chart and a table (numbers from the reports)."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
import streamlit as st

from mdg_core import jobs, ui
from mdg_core.errors import DatasetNotFoundError
from mdg_core.generators import estimate, registry
from mdg_core.reports import baselines
from mdg_core.store import DatasetInfo
from pages.generate_parts import generators, honest, title

CMP_JOB = "mdg.generate.compare_job"
BASE_JOB = "mdg.generate.cmp.baselines"


def _chart(ok: list[dict[str, Any]], split: dict[str, Any] | None) -> None:
    """Quality against copying risk, one bubble per generator (size: fit seconds); the ceiling and the
    baselines as lines. Names live in the legend, so no label is cut at the chart's edge."""
    fit = [r.get("fit_seconds") or 0.0 for r in ok]
    biggest = max(fit) or 1.0
    fig = go.Figure()
    for r, seconds in zip(ok, fit, strict=True):
        fig.add_scatter(x=[r.get("privacy_excess", 0.0)], y=[r["quality"]], name=title(r["generator"]), mode="markers",
                        marker={"size": 14 + 36 * (seconds / biggest) ** 0.5, "opacity": 0.75},
                        hovertemplate=f"{title(r['generator'])}<br>quality %{{y:.1%}}<br>copying risk %{{x:.2f}}"
                                      f"<br>fit {seconds:.1f} s<extra></extra>")
    ceiling = next((r["holdout_ceiling"] for r in ok if r.get("holdout_ceiling") is not None), None)
    lines = [("Real holdout (the ceiling)", ceiling, "dash")]
    lines += [(f"{baselines.TITLES[k]} (baseline)", v.get("quality"), "dot")
              for k, v in ((split or {}).get("baselines") or {}).items()]
    for i, (label, value, dash) in enumerate(lines):
        if value is not None:
            fig.add_hline(y=value, line_dash=dash, line_color="gray", annotation_text=f"{label}: {value:.1%}",
                          annotation_position="top left" if i % 2 == 0 else "bottom left",
                          annotation_font={"size": 11, "color": "gray"})
    low = min([r["quality"] for r in ok] + [v for _, v, _ in lines if v is not None])
    fig.update_layout(
        title={"text": "Quality vs copying risk<br><sup>Bubble size: fit seconds "
                       f"({min(fit):.1f}–{max(fit):.1f} s)</sup>", "x": 0, "xanchor": "left"},
        height=460, margin={"t": 80, "l": 70, "r": 30, "b": 60}, legend={"title": {"text": "Generator"}},
        xaxis={"title": "Copying risk (0 = chance, 1 = copies training rows)", "range": [-0.05, 1.05]},
        yaxis={"title": "SDMetrics quality vs training rows", "tickformat": ".0%",
               "range": [max(0.0, low - 0.05), 1.02]})
    ui.plotly(st, fig, key="mdg.generate.cmp.chart")


def _baselines(result: dict[str, Any], live: bool) -> dict[str, Any] | None:
    """The split's baselines: stored, or computed in the background (at once after a comparison that
    just ran; on request for an older one, so opening the page starts no work)."""
    store, dataset_id, seed = ui.get_store(), int(result["dataset_id"]), int(result["seed"])
    split = baselines.load_split_baselines(store, dataset_id, seed)
    key = f"{BASE_JOB}.{dataset_id}.{seed}"
    if split is not None:
        return split
    if st.session_state.get(key) is None and (live or st.button(
            "Add the baselines (independent marginals, Gaussian copula)", key=f"{key}.go")):
        st.session_state[key] = jobs.submit(store, "honest_scores", {"dataset_id": dataset_id, "seed": seed},
                                            "Baselines for the comparison")
        st.rerun()
    done = ui.job_panel(key)
    return (done.result or None) if done is not None and done.status == "done" else None


def show_comparison(result: dict[str, Any], live: bool) -> None:
    try:
        of = ui.md(ui.get_store().get(int(result["dataset_id"])).label())
    except DatasetNotFoundError:
        of = f"dataset #{result.get('dataset_id')} (deleted since)"
    st.caption(f"Trained on {result['train_rows']:,} rows of {of}, privacy measured against "
               f"{result['holdout_rows']:,} holdout rows, seed {result['seed']}.")
    if result.get("note"):
        st.caption(ui.md(result["note"]))
    split = None if of.endswith("(deleted since)") else _baselines(result, live)
    rows = result["results"]
    ok = [r for r in rows if not r.get("error") and r.get("quality") is not None]
    if ok:
        _chart(ok, split)
    table = []
    for r in rows:
        level, words = baselines.verdict(r, split, r["generator"]) if not r.get("error") else ("failed", r["error"])
        table.append(honest.row(title(r["generator"]), r, **{
            "Fit s": r.get("fit_seconds"), "Sample s": r.get("sample_seconds"),
            "Violations before": r.get("violations_before"), "Verdict": level, "Why": words}))
    honest.table(table + honest.split_rows(split), key="mdg.generate.cmp.table")


def compare_section(info: DatasetInfo) -> None:
    store = ui.get_store()
    gens = [g for g in generators() if g["available"]]
    names = [g["name"] for g in gens]
    by_name = {g["name"]: g for g in gens}
    default = [n for n in names if by_name[n].get("recommended")]
    default += [n for n in (registry.BASELINE, "synthcity_marginal_distributions") if n in names]
    titles = {g["name"]: f"{g['title']} · {g['library']}" for g in gens}
    chosen = st.multiselect("Generators", names, default=default, format_func=titles.get,
                            key="mdg.generate.cmp.gens")
    c1, c2, c3 = st.columns(3)
    epochs = c1.number_input("Epochs for neural generators", min_value=1, max_value=10_000, value=50,
                             key="mdg.generate.cmp.epochs")
    seed = c2.number_input("Seed", min_value=0, value=0, step=1, key="mdg.generate.cmp.seed")
    rows = c3.number_input("Rows to sample (0 = as many as training)", min_value=0, value=0, step=100,
                           key="mdg.generate.cmp.rows")
    if chosen:
        ests = estimate.for_comparison(store, info.id, chosen, int(epochs), int(rows) or None)
        slowest = max(ests, key=lambda e: e.seconds)
        st.caption(f"Estimate: {estimate.duration(sum(e.seconds for e in ests))} in all, one after another "
                   f"(slowest: {slowest.title}, {estimate.duration(slowest.seconds)}), then scoring each.")
    if st.button("Compare", type="primary", icon=":material/compare_arrows:", key="mdg.generate.cmp.go",
                 disabled=not chosen or ui.active_job_id(CMP_JOB) is not None):
        st.session_state[CMP_JOB] = jobs.submit(
            store, "compare_generators",
            {"dataset_id": info.id, "generators": chosen, "params": estimate.epoch_params(chosen, int(epochs)),
             "seed": int(seed), "n_rows": int(rows) or None},
            f"Comparing {len(chosen)} generators")
        st.rerun()
    job = ui.job_panel(CMP_JOB, on_done=lambda j: show_comparison(j.result or {}, live=True),
                       recover_kinds=["compare_generators"])
    if job is None:
        previous = store.list_artifacts("comparison", dataset_id=info.id)
        if previous and previous[0].summary:
            st.markdown(f"**Last comparison** ({previous[0].created_at[:19]})")
            show_comparison(previous[0].summary, live=False)
