"""The generator form: generator, parameters, rows, seed, conditions, the estimate before the run, Generate."""

from __future__ import annotations

from typing import Any

import streamlit as st

from mdg_core import jobs, ui
from mdg_core.errors import MdgError
from mdg_core.generators import estimate, registry
from mdg_core.jsonable import jsonable
from mdg_core.store import DatasetInfo
from pages.generate_parts import GEN_JOB, RECOVER, generators
from pages.generate_parts.run_summary import show_run


def _number(p: dict[str, Any], label: str, tip: str, key: str, with_default: bool) -> Any:
    bounds = {"min_value": p["min"], "max_value": p["max"]}
    if p["type"] == "int":
        bounds = {k: int(v) if v is not None else None for k, v in bounds.items()}
        default = {"value": int(p["default"])} if with_default else {}
        return st.number_input(label, step=1, help=tip, key=key, **default, **bounds)
    return st.number_input(label, value=float(p["default"]), help=tip, key=key, format="%.3f", **bounds)


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
                values[p["name"]] = _number(p, label, tip, key, with_default=False)
            elif p["type"] in ("int", "float"):
                values[p["name"]] = _number(p, label, tip, key, with_default=True)
            else:
                values[p["name"]] = st.text_input(label, value=str(p["default"]), help=tip, key=key)
    return values


def _label(g: dict[str, Any]) -> str:
    flag = (" — recommended" if g.get("recommended") else "") + ("" if g["available"] else " — unavailable")
    return f"{g['title']} · {g['library']} ({g['name']}){flag}"


def _conditions(info: DatasetInfo) -> dict[str, Any]:
    stored = ui.generation_metadata(info)
    modelled = [c.name for c in info.columns
                if not stored["columns"].get(c.name, {}).get("pii") and c.name != stored.get("primary_key")]
    chosen = st.multiselect("Fix values for columns (conditional sampling)", modelled, key="mdg.generate.cond.cols",
                            help="Every sampled row gets these values, e.g. 500 rows with churn = yes.")
    values: dict[str, Any] = {}
    if chosen:
        sample = ui.get_store().load(info.id, columns=chosen, limit=20_000)
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


def _estimate(info: DatasetInfo, name: str, n_rows: int, params: dict[str, Any]) -> None:
    """Time and memory before the click, from the data's shape; a slow choice gets a shorter one."""
    try:
        est = estimate.for_dataset(ui.get_store(), info.id, name, n_rows, params)
    except MdgError as exc:  # a parameter out of range: the run would refuse it with this message
        st.caption(f"No estimate: {ui.md(exc)}")
        return
    st.caption(est.text(), help="A model of this generator's measured costs on this machine class "
                                "(bench/results), not a calibration run: expect up to 2× either way.")
    if est.warning:
        st.warning(est.warning, icon=":material/schedule:")
        if est.suggested_epochs:  # set in a callback: before the epochs input is drawn again
            st.button(f"Use {est.suggested_epochs:,} {est.epochs_label}", key="mdg.generate.use_suggestion",
                      icon=":material/speed:", on_click=st.session_state.__setitem__,
                      args=(f"mdg.generate.param.{name}.{registry.spec(name).epochs_param}", est.suggested_epochs))


def generate_section(info: DatasetInfo) -> None:
    """The form and the run it starts (or the last one, after a refresh)."""
    gens = generators()
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
    conditions = _conditions(info)
    rules = ui.rule_state(info).active
    st.caption(f"Rules enforced ({len(rules)}, change them under *Metadata & rules*): "
               f"{ui.md(', '.join(ui.describe_rule(r) for r in rules))}" if rules else
               "No rules: add some under *Metadata & rules*.")
    _estimate(info, name, int(n_rows), params)
    running = ui.active_job_id(GEN_JOB, recover_kinds=RECOVER) is not None
    if st.button("Generate", type="primary", icon=":material/play_arrow:", disabled=running or not spec["available"],
                 key="mdg.generate.go"):
        with ui.user_errors("Starting the run"):
            registry.spec(name).validate(params)
            st.session_state[GEN_JOB] = jobs.submit(
                ui.get_store(), "generate",
                {"dataset_id": info.id, "generator": name, "params": params, "seed": int(seed),
                 "n_rows": int(n_rows), "conditions": conditions or None, "keep_model": keep},
                f"Generating {int(n_rows):,} rows with {spec['title']} ({spec['library']})",
            )
            st.rerun()
    ui.job_panel(GEN_JOB, on_done=show_run, recover_kinds=RECOVER)
