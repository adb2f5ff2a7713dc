"""Runs of the current dataset, and sampling again from a kept model (no refit)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from mdg_core import jobs, ui
from mdg_core.store import DatasetInfo
from pages.generate_parts import GEN_JOB, title


def runs_section(info: DatasetInfo) -> None:
    store = ui.get_store()
    runs = [r for r in store.list_runs(info.id) if r["dataset_id"] == info.id]
    if not runs:
        st.info("No generation runs for this dataset yet.", icon=":material/info:")
        return
    st.dataframe(pd.DataFrame([{
        "Run": r["id"], "Generator": title(r["generator"]), "Seed": r["seed"], "Rows": r["n_rows"],
        "Output": f"#{r['output_dataset_id']}", "Fit s": round(r["fit_seconds"] or 0, 2),
        "Sample s": round(r["sample_seconds"] or 0, 2), "Peak MB": round(r["peak_memory_mb"] or 0),
        "Violations before": sum(v["before"] for v in (r["violations"] or [])),
        "Model": f"#{r['model_artifact_id']}" if r["model_artifact_id"] else "—",
        "Params": ", ".join(f"{k}={v}" for k, v in (r["params"] or {}).items()), "Created": r["created_at"][:19],
    } for r in runs]), hide_index=True, width="stretch")
    models = store.list_artifacts("model", dataset_id=info.id)
    if not models:
        return
    st.markdown("**Sample again from a kept model** (no refit)")
    labels = {m.id: f"#{m.id} · {(m.params or {}).get('generator')} · seed {(m.params or {}).get('seed')} · "
                    f"{m.created_at[:19]}" for m in models}
    c1, c2, c3 = st.columns([3, 1, 1])
    model_id = c1.selectbox("Model", list(labels), format_func=labels.get, key="mdg.generate.model")
    rows = c2.number_input("Rows", min_value=1, value=1000, step=100, key="mdg.generate.model.rows")
    seed = c3.number_input("Seed", min_value=0, value=1, step=1, key="mdg.generate.model.seed")
    if st.button("Sample", icon=":material/replay:", key="mdg.generate.model.go",
                 disabled=ui.active_job_id(GEN_JOB) is not None):
        st.session_state[GEN_JOB] = jobs.submit(
            store, "sample_model", {"model_artifact_id": int(model_id), "n_rows": int(rows), "seed": int(seed)},
            f"Sampling {int(rows):,} rows from model #{model_id}")
        st.rerun()
