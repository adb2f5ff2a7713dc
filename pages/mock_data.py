"""Mock data: N new records like a handful of JSON examples, from the local GGUF model."""

from __future__ import annotations

import json
from typing import Any

import streamlit as st

from mdg_core import jobs, ui
from mdg_core.errors import MdgError
from mdg_core.llm import mock, safety
from mdg_core.llm.examples import load_example_records
from mdg_core.llm.model import model_info
from mdg_core.llm.schema import describe

JOB_KEY = "mdg.mock.job"
INSTANT_KEY = "mdg.mock.instant"
DEFAULT_EXAMPLES = json.dumps(load_example_records(), indent=1, ensure_ascii=False)
store = ui.get_store()
settings = ui.settings()

st.title("Mock data")
st.caption("Paste a few example records (or pick rows of a dataset); a local language model writes new ones "
           "that follow the same schema. Examples are treated as data, never as instructions.")

try:
    info = model_info(settings.resolved_model_path)
    st.caption(f":material/smart_toy: {ui.md(info.name)} · {info.size_label} · context {info.context_length or '?'} tokens · "
               f"{settings.threads} thread(s)")
except MdgError as exc:
    st.error(f"No usable model: {ui.md(exc)}", icon=":material/error:")
    st.page_link("pages/settings.py", label="Choose a model in Settings", icon=":material/settings:")
    st.stop()


def _examples_from_dataset() -> list[dict[str, Any]] | None:
    picked = ui.dataset_picker("Dataset", key="mdg.mock.dataset", default=ui.current_dataset_id())
    if picked is None:
        return None
    n = st.slider("Rows to use as examples", min_value=2, max_value=max(2, min(50, picked.n_rows)),
                  value=min(10, max(2, picked.n_rows)), key="mdg.mock.rows")
    frame = store.load(picked.id, limit=n)
    return json.loads(frame.to_json(orient="records", date_format="iso"))


source = st.segmented_control("Examples from", ["Pasted JSON", "Rows of a dataset"], default="Pasted JSON",
                              key="mdg.mock.source")
examples: list[dict[str, Any]] | None = None
with ui.user_errors("Reading the examples"):
    if source == "Rows of a dataset":
        raw = _examples_from_dataset()
        examples = safety.clean_examples(raw) if raw is not None else None
    else:
        text = st.text_area("Examples (a JSON array of objects)", value=DEFAULT_EXAMPLES, height=280,
                            key="mdg.mock.text")
        examples = safety.parse_examples_text(text)

if examples is None:
    st.stop()

cleaned, schema, patterns = mock.prepare(examples)
with st.expander(f"Schema learned from {len(cleaned)} example(s)", icon=":material/schema:"):
    id_rules = {p.name: f"ID by code: {p.describe()}" for p in patterns}
    rows = [dict(r, rule=id_rules.get(r["field"], r["rule"])) for r in describe(schema)]
    st.dataframe(rows, hide_index=True, width="stretch")
    if patterns:
        st.caption("Identifiers written by code (unique, pattern kept): " +
                   ", ".join(f"`{p.name}` → `{p.describe()}`" for p in patterns))

cols = st.columns([1, 1, 1, 2])
count = int(cols[0].number_input("Records", min_value=1, max_value=safety.MAX_COUNT, value=20, key="mdg.mock.count"))
seed = int(cols[1].number_input("Seed", min_value=0, max_value=2**31 - 1, value=0, key="mdg.mock.seed"))
temperature = float(cols[2].slider("Temperature", 0.0, 2.0, mock.DEFAULT_TEMPERATURE, 0.05, key="mdg.mock.temp",
                                   help="Higher gives more varied values; lower sticks closer to the examples."))
running = ui.active_job_id(JOB_KEY) is not None
if cols[3].button("Generate", type="primary", icon=":material/play_arrow:", disabled=running,
                  key="mdg.mock.go"):
    with ui.user_errors("Mock data"):
        params = {"examples": cleaned, "count": count, "seed": seed, "temperature": temperature}
        key, hit = mock.lookup_cache(store, cleaned, count, seed, temperature, settings=settings)
        if hit is not None:
            st.session_state[INSTANT_KEY] = {"cache_key": key, "count": count, "from_cache": count, "generated": 0}
            st.session_state[JOB_KEY] = None
        else:
            st.session_state[INSTANT_KEY] = None
            st.session_state[JOB_KEY] = jobs.submit(store, "mock", params, title=f"Mock data: {count} records")
        st.rerun()


def _show(summary: dict[str, Any]) -> None:
    records = mock.cached_records(store, summary["cache_key"], summary["count"])
    dropped = summary.get("dropped") or {}
    cols = st.columns(5)
    cols[0].metric("Records", f"{len(records):,}")
    cols[1].metric("From cache", f"{summary.get('from_cache', 0):,}")
    cols[2].metric("Generated", f"{summary.get('generated', 0):,}")
    cols[3].metric("Records / s", f"{summary.get('records_per_second', 0):.2f}" if summary.get("generated") else "—")
    cols[4].metric("Copies dropped", f"{dropped.get('copies', 0):,}",
                   help=f"Repeats of earlier output: {dropped.get('duplicates', 0)}, unsafe: {dropped.get('unsafe', 0)}, "
                        f"invalid: {dropped.get('invalid', 0)}. Dropped records were regenerated.")
    frame = mock.to_frame(records)
    table, as_json = st.tabs(["Table", "JSON"])
    table.dataframe(frame, hide_index=True, width="stretch", height=min(320, 38 + 35 * len(frame)))
    as_json.code(json.dumps(records[:200], indent=2, ensure_ascii=False), language="json", height=320)
    if len(records) > 200:
        as_json.caption(f"First 200 of {len(records):,} records; download for all.")
    cols = st.columns([1, 1, 2, 1])
    cols[0].download_button("Download JSON", json.dumps(records, indent=2, ensure_ascii=False).encode("utf-8"),
                            "mock.json", "application/json", icon=":material/download:", key="mdg.mock.dl_json")
    cols[1].download_button("Download CSV", frame.to_csv(index=False).encode("utf-8"), "mock.csv", "text/csv", icon=":material/download:",
                            key="mdg.mock.dl_csv")
    name = cols[2].text_input("Dataset name", value="mock records", key="mdg.mock.name", label_visibility="collapsed")
    if cols[3].button("Save as dataset", icon=":material/save:", key="mdg.mock.save"):
        with ui.user_errors("Saving the mock records"):
            saved = store.save(frame, name, kind="mock",
                               recipe={"generator": "mock", "count": len(records), "seed": seed,
                                       "temperature": temperature, "model": info.name},
                               meta={"schema": schema, "id_fields": {p.name: p.describe() for p in patterns}})
            ui.set_current_dataset(saved.id)
            st.success(f"Saved as dataset #{saved.id} ({saved.n_rows:,} rows).", icon=":material/check_circle:")


instant = st.session_state.get(INSTANT_KEY)
if instant:
    st.success(f"{instant['count']} records returned from the cache instantly.", icon=":material/bolt:")
    with ui.user_errors("Showing the records"):
        _show(instant)
else:
    ui.job_panel(JOB_KEY, on_done=lambda job: _show(job.result or {}), recover_kinds=["mock"])
