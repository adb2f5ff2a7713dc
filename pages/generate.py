"""Generate: confirm metadata and rules, fit a generator in the background, sample, compare generators."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.express as px
import streamlit as st

from mdg_core import jobs, ui
from mdg_core.errors import MdgError
from mdg_core.generators import registry
from mdg_core.jsonable import jsonable

GEN_JOB = "mdg.generate.job"
CMP_JOB = "mdg.generate.compare_job"
RECOVER = ["generate", "sample_model"]
store = ui.get_store()

st.title("Generate")
st.caption("Fit a synthetic-data generator on the current dataset, with the rules it must keep. "
           "Runs go on in the background: you can use other pages meanwhile.")
info = ui.require_dataset()
if info.kind in ("synthetic", "mock"):
    st.warning(f"#{info.id} is itself {info.kind} data; pick a real dataset in the sidebar to learn from real rows.",
               icon=":material/warning:")


@st.cache_data(show_spinner="Checking which generator libraries import…", ttl=3600)
def _generators() -> list[dict[str, Any]]:
    """What an analyst may choose: test doubles (``spec.test_only``) stay in the tests and the CLI."""
    return [g for g in registry.list_generators() if not g.get("test_only")]


# --- generate ---------------------------------------------------------------------------------------
def _param_inputs(spec: dict[str, Any], prefix: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    params = spec["params"]
    if not params:
        st.caption("This generator has no parameters.")
        return values
    cols = st.columns(min(3, len(params)))
    for i, p in enumerate(params):
        key = f"{prefix}.{spec['name']}.{p['name']}"
        label, tip = p["label"], f"{p['help']} CLI: `--param {p['name']}=…`"
        with cols[i % len(cols)]:
            if p["type"] == "bool":
                values[p["name"]] = st.checkbox(label, value=p["default"], help=tip, key=key)
            elif p["type"] == "choice":
                values[p["name"]] = st.selectbox(label, p["choices"], index=p["choices"].index(p["default"]),
                                                 help=tip, key=key)
            elif p["type"] == "int" and p["name"] == registry.spec(spec["name"]).epochs_param:
                ui.url_state(key, "epochs", int(p["default"]),  # no value=: the session (from the URL) holds it
                             valid=lambda v, p=p: (p["min"] is None or v >= p["min"]) and (p["max"] is None or v <= p["max"]))
                values[p["name"]] = st.number_input(
                    label, min_value=int(p["min"]) if p["min"] is not None else None,
                    max_value=int(p["max"]) if p["max"] is not None else None, step=1, help=tip, key=key)
            elif p["type"] == "int":
                values[p["name"]] = st.number_input(
                    label, value=int(p["default"]), min_value=int(p["min"]) if p["min"] is not None else None,
                    max_value=int(p["max"]) if p["max"] is not None else None, step=1, help=tip, key=key)
            elif p["type"] == "float":
                values[p["name"]] = st.number_input(
                    label, value=float(p["default"]), min_value=p["min"], max_value=p["max"],
                    help=tip, key=key, format="%.3f")
            else:
                values[p["name"]] = st.text_input(label, value=str(p["default"]), help=tip, key=key)
    return values


def _label(g: dict[str, Any]) -> str:
    flag = (" — recommended" if g.get("recommended") else "") + ("" if g["available"] else " — unavailable")
    return f"{g['title']} · {g['library']} ({g['name']}){flag}"


def _conditions() -> dict[str, Any]:
    stored = ui.generation_metadata(info)
    modelled = [c.name for c in info.columns
                if not stored["columns"].get(c.name, {}).get("pii") and c.name != stored.get("primary_key")]
    chosen = st.multiselect("Fix values for columns (conditional sampling)", modelled, key="mdg.generate.cond.cols",
                            help="Every sampled row gets these values, e.g. 500 rows with churn = yes.")
    values: dict[str, Any] = {}
    if chosen:
        sample = store.load(info.id, columns=chosen, limit=20_000)
        cols = st.columns(min(3, len(chosen)))
        for i, name in enumerate(chosen):
            spec = next(c for c in info.columns if c.name == name)
            with cols[i % len(cols)]:
                options = sample[name].dropna().unique().tolist()
                if spec.logical_type in ("category", "boolean", "text") and len(options) <= 200:
                    values[name] = st.selectbox(ui.md(name), sorted(options, key=str), key=f"mdg.generate.cond.{name}")
                else:
                    values[name] = st.text_input(ui.md(name), key=f"mdg.generate.cond.{name}")
    return jsonable({k: v for k, v in values.items() if v != ""})  # type: ignore[no-any-return]


def _show_run(job: jobs.JobInfo) -> None:
    result = job.result or {}
    if "output_dataset_id" not in result:
        return
    try:
        synth = store.get(result["output_dataset_id"])
    except Exception:
        st.info("The synthetic dataset of this run was deleted since.")
        return
    cols = st.columns(5)
    cols[0].metric("Rows", f"{result['rows']:,}")
    cols[1].metric("Fit", f"{result.get('fit_seconds', 0):.1f} s")
    est = result.get("estimated_fit_seconds")
    cols[2].metric("Estimated fit", f"{est:.1f} s" if est is not None else "—")
    cols[3].metric("Sample", f"{result['sample_seconds']:.1f} s")
    cols[4].metric("Peak memory", f"{result['peak_memory_mb']:,.0f} MB")
    if result["violations"]:
        repaired = sum(v["before"] for v in result["violations"])
        st.markdown(f"**The rules repaired {repaired:,} sampled rows** (rows that broke a rule were drawn again)")
        st.dataframe(pd.DataFrame([{"Rule": v["rule"], "Before enforcement": v["before"],
                                    "After enforcement": v["after"]} for v in result["violations"]]),
                     hide_index=True, width="stretch")
    st.markdown(f"**{ui.md(synth.label())}**")
    st.dataframe(store.load(synth.id, limit=50), width="stretch", height=260)
    if st.button("Make it the current dataset", icon=":material/open_in_new:", key=f"mdg.generate.open.{synth.id}"):
        ui.set_current_dataset(synth.id)
        st.rerun()


def generate_section() -> None:
    gens = _generators()
    by_name = {g["name"]: g for g in gens}
    ui.url_state("mdg.generate.generator", "generator", registry.recommended(), valid=by_name.__contains__)
    name = st.selectbox("Generator", list(by_name), format_func=lambda n: _label(by_name[n]),
                        key="mdg.generate.generator")
    spec = by_name[name]
    st.caption(spec["description"])
    if not spec["available"]:
        st.error(f"{name} cannot be used here: {spec['reason']}", icon=":material/block:")
    with st.container(border=True):
        params = _param_inputs(spec, "mdg.generate.param")
    c1, c2, c3 = st.columns(3)
    ui.url_state("mdg.generate.rows", "rows", max(1, info.n_rows), valid=lambda v: 1 <= v <= 10_000_000)
    ui.url_state("mdg.generate.seed", "seed", 0, valid=lambda v: 0 <= v < 2**31)
    n_rows = c1.number_input("Rows to generate", min_value=1, max_value=10_000_000, step=100, key="mdg.generate.rows")
    seed = c2.number_input("Seed", min_value=0, max_value=2**31 - 1, step=1, key="mdg.generate.seed",
                           help="Same data, generator, parameters and seed give identical rows.")
    keep = c3.checkbox("Keep the fitted model", value=True, key="mdg.generate.keep",
                       help="Sample again later without refitting.")
    conditions = _conditions()
    rules = ui.rule_state(info).active
    st.caption(f"Rules enforced ({len(rules)}, change them under *Metadata & rules*): "
               f"{ui.md(', '.join(ui.describe_rule(r) for r in rules))}" if rules else
               "No rules: add some under *Metadata & rules*.")
    running = ui.active_job_id(GEN_JOB, recover_kinds=RECOVER) is not None
    if st.button("Generate", type="primary", icon=":material/play_arrow:", disabled=running or not spec["available"],
                 key="mdg.generate.go"):
        with ui.user_errors("Starting the run"):
            registry.spec(name).validate(params)
            st.session_state[GEN_JOB] = jobs.submit(
                store, "generate",
                {"dataset_id": info.id, "generator": name, "params": params, "seed": int(seed),
                 "n_rows": int(n_rows), "conditions": conditions or None, "keep_model": keep},
                f"Generating {int(n_rows):,} rows with {spec['title']} ({spec['library']})",
            )
            st.rerun()
    ui.job_panel(GEN_JOB, on_done=_show_run, recover_kinds=RECOVER)


# --- runs and kept models --------------------------------------------------------------------------
def runs_section() -> None:
    runs = [r for r in store.list_runs(info.id) if r["dataset_id"] == info.id]
    if not runs:
        st.info("No generation runs for this dataset yet.", icon=":material/info:")
        return
    st.dataframe(pd.DataFrame([{
        "Run": r["id"], "Generator": r["generator"], "Seed": r["seed"], "Rows": r["n_rows"],
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


# --- compare -------------------------------------------------------------------------------------------
def _title(name: str) -> str:
    try:
        return registry.spec(name).title or name
    except MdgError:
        return name


def _show_comparison(result: dict[str, Any]) -> None:
    rows = pd.DataFrame(result["results"])
    ok = rows[rows.get("error").isna()] if "error" in rows else rows
    try:
        of = ui.md(store.get(int(result["dataset_id"])).label())
    except MdgError:
        of = f"dataset #{result.get('dataset_id')} (deleted since)"
    st.caption(f"Trained on {result['train_rows']:,} rows of {of}, privacy measured against "
               f"{result['holdout_rows']:,} holdout rows, seed {result['seed']}.")
    rows = rows.assign(generator=[_title(n) for n in rows["generator"]])
    ok = rows[rows.get("error").isna()] if "error" in rows else rows
    if not ok.empty:
        ok = ok.assign(quality=ok["quality"].round(3), fit_seconds=ok["fit_seconds"].round(2))
        fig = px.scatter(
            ok, x="privacy_excess" if "privacy_excess" in ok else "fit_seconds", y="quality", size="fit_seconds",
            color="generator", text="generator", size_max=40,
            labels={"privacy_excess": "Copying risk (0 = chance, 1 = copies training rows)",
                    "quality": "SDMetrics quality score", "fit_seconds": "Fit seconds", "generator": "Generator"},
            hover_data=["fit_seconds", "privacy_closer_to_train"] if "privacy_closer_to_train" in ok else None,
        )
        fig.update_traces(textposition="top center", cliponaxis=False)
        fig.update_layout(height=460, showlegend=False, margin=dict(t=50, l=70, r=140, b=60))
        fig.add_annotation(text=f"Bubble size: fit seconds ({ok['fit_seconds'].min():.2f}–"
                                f"{ok['fit_seconds'].max():.2f} s)", xref="paper", yref="paper", x=1, y=1.08,
                           showarrow=False, xanchor="right", font=dict(size=12, color="gray"))
        st.plotly_chart(fig, width="stretch", config={"displayModeBar": False})
    table = rows.rename(columns={
        "generator": "Generator", "family": "Family", "quality": "Quality", "fit_seconds": "Fit s",
        "sample_seconds": "Sample s", "privacy_closer_to_train": "Closer to training",
        "privacy_baseline": "Chance level", "privacy_excess": "Copying risk", "violations_before": "Violations before",
        "error": "Error"}).drop(columns=["params"], errors="ignore")
    st.dataframe(table, hide_index=True, width="stretch",
                 column_config={c: st.column_config.NumberColumn(format="%.3f") for c in
                                ("Quality", "Closer to training", "Chance level", "Copying risk", "Fit s", "Sample s")})


def compare_section() -> None:
    gens = [g for g in _generators() if g["available"]]
    names = [g["name"] for g in gens]
    by_name = {g["name"]: g for g in gens}
    baselines = (registry.BASELINE, "synthcity_marginal_distributions")
    default = [n for n in names if by_name[n].get("recommended")] + [n for n in baselines if n in names]
    titles = {g["name"]: f"{g['title']} · {g['library']}" for g in gens}
    chosen = st.multiselect("Generators", names, default=default, format_func=titles.get,
                            key="mdg.generate.cmp.gens")
    c1, c2, c3 = st.columns(3)
    epochs = c1.number_input("Epochs for neural generators", min_value=1, max_value=10_000, value=50,
                             key="mdg.generate.cmp.epochs")
    seed = c2.number_input("Seed", min_value=0, value=0, step=1, key="mdg.generate.cmp.seed")
    rows = c3.number_input("Rows to sample (0 = as many as training)", min_value=0, value=0, step=100,
                           key="mdg.generate.cmp.rows")
    if st.button("Compare", type="primary", icon=":material/compare_arrows:", key="mdg.generate.cmp.go",
                 disabled=not chosen or ui.active_job_id(CMP_JOB) is not None):
        params = {}
        for g in gens:
            if g["name"] in chosen and g["neural"]:
                epoch_param = registry.spec(g["name"]).epochs_param
                if epoch_param:
                    params[g["name"]] = {epoch_param: int(epochs)}
        st.session_state[CMP_JOB] = jobs.submit(
            store, "compare_generators",
            {"dataset_id": info.id, "generators": chosen, "params": params, "seed": int(seed),
             "n_rows": int(rows) or None},
            f"Comparing {len(chosen)} generators")
        st.rerun()
    job = ui.job_panel(CMP_JOB, on_done=lambda j: _show_comparison(j.result or {}),
                       recover_kinds=["compare_generators"])
    if job is None:
        previous = store.list_artifacts("comparison", dataset_id=info.id)
        if previous and previous[0].summary:
            st.markdown(f"**Last comparison** ({previous[0].created_at[:19]})")
            _show_comparison(previous[0].summary)


tab_gen, tab_meta, tab_runs, tab_cmp = st.tabs(["Generate", "Metadata & rules", "Runs & models", "Compare generators"])
with tab_gen, ui.user_errors("The Generate form"):
    generate_section()
with tab_meta, ui.user_errors("Metadata"):
    ui.metadata_editor(info)
    st.divider()
    ui.rules_editor(info)
with tab_runs, ui.user_errors("Runs"):
    runs_section()
with tab_cmp, ui.user_errors("Compare generators"):
    compare_section()
