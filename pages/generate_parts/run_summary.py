"""A finished run: its figures, what the rules repaired, its rows, and its honest numbers (scored in the
background once, as the Quality and Privacy reports score it, then read from the store)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from mdg_core import jobs, ui
from mdg_core.errors import DatasetNotFoundError
from mdg_core.generators import estimate
from mdg_core.reports import baselines
from pages.generate_parts import honest

SCORE_JOB = "mdg.generate.score_job"


def _honest_numbers(synth_id: int) -> None:
    """The run's quality next to the holdout ceiling, DCR share, exact copies and both baselines."""
    store = ui.get_store()
    st.markdown("**How good is it, honestly?** Quality against the training rows, next to fresh real data "
                "and two simple baselines on the same split")
    scored = baselines.load_run_scores(store, synth_id)
    if scored is None:
        key = f"{SCORE_JOB}.{synth_id}"
        if st.session_state.get(key) is None:
            st.session_state[key] = jobs.submit(store, "honest_scores", {"synthetic_id": synth_id},
                                                f"Scoring #{synth_id} against the holdout and the baselines")
        info = ui.job_panel(key)
        if info is None or info.status != "done":
            return
        scored = info.result or {}
    honest.verdict(scored["verdict"], scored["verdict_text"])
    rows = [honest.row(f"This run: {scored['title']}", scored["own"], Verdict=scored["verdict"])]
    honest.table(rows + honest.split_rows(scored["split"]), key=f"mdg.generate.honest.{synth_id}")
    if scored["own"].get("copying_reason"):
        st.caption(ui.md(scored["own"]["copying_reason"]))


def show_run(job: jobs.JobInfo) -> None:
    result = job.result or {}
    if "output_dataset_id" not in result:
        return
    store = ui.get_store()
    try:
        synth = store.get(result["output_dataset_id"])
    except DatasetNotFoundError:
        st.info("The synthetic dataset of this run was deleted since.")
        return
    cols = st.columns(5)
    cols[0].metric("Rows", f"{result['rows']:,}")
    cols[1].metric("Fit", f"{result.get('fit_seconds', 0):.1f} s")
    est = result.get("estimated_fit_seconds")  # shown in the words the form used before the click
    cols[2].metric("Estimated fit", "—" if est is None else "< 5 s" if est < 5 else estimate.duration(est))
    cols[3].metric("Sample", f"{result['sample_seconds']:.1f} s")
    cols[4].metric("Peak memory", f"{result['peak_memory_mb']:,.0f} MB")
    if result["violations"]:
        repaired = sum(v["before"] for v in result["violations"])
        st.markdown(f"**The rules repaired {repaired:,} sampled rows** (rows that broke a rule were drawn again)")
        st.dataframe(pd.DataFrame([{"Rule": v["rule"], "Before enforcement": v["before"],
                                    "After enforcement": v["after"]} for v in result["violations"]]),
                     hide_index=True, width="stretch")
    if result.get("train_dataset_id"):  # a fresh fit (not a kept model's resample) has a split to score against
        _honest_numbers(synth.id)
    st.markdown(f"**{ui.md(synth.label())}**")
    st.dataframe(store.load(synth.id, limit=50), width="stretch", height=260)
    if st.button("Make it the current dataset", icon=":material/open_in_new:", key=f"mdg.generate.open.{synth.id}"):
        ui.set_current_dataset(synth.id)
        st.rerun()
