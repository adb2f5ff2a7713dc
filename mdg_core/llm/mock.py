"""Mock data from JSON examples with a local GGUF model: batched, grammar-constrained, cached.

How a request runs: the examples are cleaned and screened (``safety``), a schema is inferred from
all of them (``schema``), identifier fields are taken out of the model's hands (``ids``), and the
model writes batches of positional rows under a grammar for the ID-less schema (``grammar``). The
prompt is the same for every batch, so llama.cpp keeps it in its KV cache and only the new rows
cost time. Every row is decoded, range-fixed, validated, screened for injected instructions,
checked against the examples for copies (whole-record or near-identical, never single values) and
against earlier output for duplicates, then given fresh IDs. Progress and cancel go through a
``Progress`` (the share of records written; the counts are in the message); results are cached in
the store (artifact kind ``mock_cache``), and a larger request continues the cached run from its
next batch, so it generates only the remainder.

Reproducibility: batch ``b`` samples with a seed derived from (seed, b) from an identical model
state (the prompt is primed the same way every time), so the same request gives the same records.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mdg_core.config import Settings, load_settings
from mdg_core.errors import InvalidParameterError, MockGenerationError
from mdg_core.llm import grammar as gram, ids as idmod, safety
from mdg_core.llm.decode import GrammarDecoder
from mdg_core.llm.forced import forced_suffix
from mdg_core.llm.schema import infer_schema, validation_errors
from mdg_core.progress import Progress

if TYPE_CHECKING:
    import pandas as pd

    from mdg_core.jobs import JobContext
    from mdg_core.store import DatasetStore

WRITER_VERSION = "mock-engine-2"  # part of the cache key: change it when output changes
CACHE_KIND = "mock_cache"
DEFAULT_TEMPERATURE = 1.0
MAX_FEW_SHOT = 8
NEAR_COPY_SHARE = 0.8
TARGET_BATCH_TOKENS = 360
MAX_BATCH = 16
REFERENCE_NEAR_LIMIT = 2000


# --- helpers ---------------------------------------------------------------------------------------
def strip_paths(schema: dict[str, Any], paths: list[tuple[str, ...]]) -> dict[str, Any]:
    """The schema without the given (object-only) paths: what the model still has to write."""
    out = copy.deepcopy(schema)
    for path in paths:
        node = out
        for key in path[:-1]:
            node = node["properties"][key]
        node["properties"].pop(path[-1], None)
        node["required"] = [k for k in node.get("required", []) if k != path[-1]]
    return out


def drop_paths(record: dict[str, Any], paths: list[tuple[str, ...]]) -> dict[str, Any]:
    out = copy.deepcopy(record)
    for path in paths:
        node: Any = out
        for key in path[:-1]:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(path[-1], None)
    return out


def leaves(value: Any, prefix: str = "") -> dict[str, str]:
    """Every scalar (and empty container) of a record, by path, as canonical JSON."""
    if isinstance(value, dict) and value:
        out: dict[str, str] = {}
        for k, v in value.items():
            out.update(leaves(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    if isinstance(value, list) and value:
        out = {}
        for i, v in enumerate(value):
            out.update(leaves(v, f"{prefix}[{i}]"))
        return out
    return {prefix: json.dumps(value, sort_keys=True, ensure_ascii=False)}


def _norm_leaf(text: str) -> str:
    return text.strip().lower()


def similarity(a: dict[str, str], b: dict[str, str]) -> float:
    """Share of leaves two records have in common (same path, same value, case-insensitive)."""
    keys = set(a) | set(b)
    if not keys:
        return 1.0
    same = sum(1 for k in keys if k in a and k in b and _norm_leaf(a[k]) == _norm_leaf(b[k]))
    return same / len(keys)


def canonical(record: Any) -> str:
    return json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


# --- the record writer -----------------------------------------------------------------------------
@dataclass
class RunState:
    """Everything a run has produced so far; stored in the cache so a later run can continue it."""

    records: list[dict[str, Any]] = field(default_factory=list)
    batches_done: int = 0
    rows_seen: int = 0
    rows_valid: int = 0
    tokens: int = 0
    seconds: float = 0.0
    dropped: dict[str, int] = field(default_factory=lambda: {"copies": 0, "duplicates": 0, "invalid": 0, "unsafe": 0})

    def to_json(self) -> dict[str, Any]:
        return {"records": self.records, "batches_done": self.batches_done, "rows_seen": self.rows_seen,
                "rows_valid": self.rows_valid, "tokens": self.tokens, "seconds": self.seconds,
                "dropped": self.dropped}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunState:
        return cls(records=list(data["records"]), batches_done=int(data["batches_done"]),
                   rows_seen=int(data.get("rows_seen", 0)), rows_valid=int(data.get("rows_valid", 0)),
                   tokens=int(data.get("tokens", 0)), seconds=float(data.get("seconds", 0.0)),
                   dropped=dict(data["dropped"]))


class RecordWriter:
    """One generation set-up: schema, ID patterns, prompt and grammar for a model."""

    def __init__(self, schema: dict[str, Any], prompt_examples: list[dict[str, Any]],
                 reference: list[dict[str, Any]], id_patterns: list[idmod.IdPattern],
                 id_seen: dict[str, list[Any]], loaded: Any, description: str) -> None:
        self.schema = schema
        self.id_patterns = id_patterns
        self.id_paths = [p.path for p in id_patterns]
        self.id_seen = id_seen
        self.model_schema = strip_paths(schema, self.id_paths)
        if not self.model_schema.get("properties"):
            raise InvalidParameterError(
                "Every field of the examples is an identifier, so there is nothing for the model to write. "
                "Add at least one descriptive field."
            )
        self.loaded = loaded
        llm = loaded.llm
        ref = [drop_paths(r, self.id_paths) for r in reference]
        self.ref_exact = {canonical(r) for r in ref}
        self.ref_leaves = [leaves(r) for r in ref[:REFERENCE_NEAR_LIMIT]]
        rows = [gram.dumps_row(gram.encode(drop_paths(e, self.id_paths), self.model_schema)) for e in prompt_examples]
        self.prompt = (
            f"{description}\nEach line is one record: a JSON array of the fields "
            f"{gram.header(self.model_schema)}. Every record is new and different.\n" + "\n".join(rows) + "\n"
        )
        self.prompt_tokens: list[int] = llm.tokenize(self.prompt.encode("utf-8"), add_bos=True, special=False)
        per_row = max(len(llm.tokenize(r.encode("utf-8"), add_bos=False, special=False)) for r in rows) + 2
        room = loaded.n_ctx - len(self.prompt_tokens) - 16
        self.batch_size = max(1, min(MAX_BATCH, TARGET_BATCH_TOKENS // per_row, room // (2 * per_row)))
        if room < 2 * per_row:
            raise InvalidParameterError(
                f"The examples need {len(self.prompt_tokens):,} tokens of the model's {loaded.n_ctx:,}-token context, "
                "leaving no room to write records. Use fewer or shorter examples, or raise the context length in Settings."
            )
        self.max_tokens = min(room, self.batch_size * per_row * 3 + 16)
        self.grammar_text = gram.rows_grammar(self.model_schema, self.batch_size)
        try:
            self.decoder = GrammarDecoder(llm, self.grammar_text)
        except MockGenerationError:
            raise
        except (ValueError, RuntimeError) as exc:  # how llama.cpp reports a grammar it cannot build
            raise MockGenerationError(f"Could not build the output grammar for these examples: {exc}") from exc

    # --- one batch -------------------------------------------------------------------------------
    def _rows_done(self, text: str) -> bool:
        """True once the text holds ``batch_size`` complete rows (the grammar allows nothing more)."""
        if not text.endswith("]") or text.count("\n") != self.batch_size - 1:
            return False
        try:
            return isinstance(json.loads(text.rsplit("\n", 1)[-1]), list)
        except ValueError:
            return False

    def _sample(self, batch_seed: int, temperature: float,
                on_row: Callable[[int], None] | None = None) -> tuple[str, int]:
        """One batch of rows; ``on_row(rows_written)`` after each finished row (progress, cancel)."""
        written = [0]

        def _done(text: str) -> bool:
            rows = text.count("\n")
            if on_row is not None and rows != written[0]:
                written[0] = rows
                on_row(rows)
            return self._rows_done(text)

        def _forced(text: str) -> str:
            return forced_suffix(text, self.model_schema, self.batch_size - 1 - text.count("\n"))

        return self.decoder.sample(batch_seed, temperature, self.max_tokens, _done, forced=_forced)

    def _accept(self, row_text: str, state: RunState, ids: list[idmod.IdGenerator],
                seen: set[str], seen_leaves: list[dict[str, str]]) -> dict[str, Any] | None:
        state.rows_seen += 1
        try:
            row = json.loads(row_text)
        except ValueError:
            state.dropped["invalid"] += 1
            return None
        record = gram.fix_ranges(gram.decode(row, self.model_schema), self.model_schema)
        if not isinstance(record, dict) or validation_errors(record, self.model_schema, limit=1):
            state.dropped["invalid"] += 1
            return None
        state.rows_valid += 1
        if safety.record_injection(record) is not None:  # output screened like input, fields read together too
            state.dropped["unsafe"] += 1
            return None
        key = canonical(record)
        lv = leaves(record)
        if key in self.ref_exact or any(similarity(lv, r) >= NEAR_COPY_SHARE for r in self.ref_leaves):
            state.dropped["copies"] += 1
            return None
        if key in seen or any(similarity(lv, r) >= 1.0 for r in seen_leaves[-200:]):
            state.dropped["duplicates"] += 1
            return None
        seen.add(key)
        seen_leaves.append(lv)
        full = self._with_ids(record, ids)
        if validation_errors(full, self.schema, limit=1):
            state.dropped["invalid"] += 1
            return None
        return full

    def _with_ids(self, record: dict[str, Any], ids: list[idmod.IdGenerator]) -> dict[str, Any]:
        """Insert generated IDs, keeping the examples' key order."""
        values = {g.pattern.path: g.new() for g in ids}
        return _ordered(record, self.schema, values, ())

    # --- a run -----------------------------------------------------------------------------------
    def run(self, count: int, seed: int, temperature: float, state: RunState | None = None,
            progress: Progress | None = None, checkpoint: Callable[[RunState], None] | None = None) -> RunState:
        """Generate until ``state`` holds ``count`` records (continuing a cached state if given)."""
        state = state or RunState()
        if len(state.records) >= count:
            return state
        seen = {canonical(drop_paths(r, self.id_paths)) for r in state.records}
        seen_leaves = [leaves(drop_paths(r, self.id_paths)) for r in state.records]
        start_records = len(state.records)
        needed_batches = math.ceil((count - start_records) / self.batch_size)
        max_batches = state.batches_done + 3 * needed_batches + 4
        started = time.monotonic()
        with self.loaded.lock:
            self.decoder.prime(self.prompt_tokens)
            while len(state.records) < count:
                if state.batches_done >= max_batches:
                    raise MockGenerationError(_stall_message(state, count))
                batch_seed = int(hashlib.sha256(f"{seed}:{state.batches_done}".encode()).hexdigest()[:8], 16) & 0x7FFFFFFF
                t0 = time.monotonic()
                def _on_row(rows: int, batch: int = state.batches_done) -> None:
                    if progress is not None:
                        done = min(len(state.records), count)
                        progress(done / count, f"{done}/{count} records · batch {batch + 1}: "
                                               f"{rows}/{self.batch_size} rows written")

                text, n_tokens = self._sample(batch_seed, temperature, _on_row)
                ids = [idmod.IdGenerator(p, self.id_seen.get(p.name, []) + [idmod.get_path(r, p.path) for r in state.records],
                                         seed=batch_seed) for p in self.id_patterns]
                for line in text.split("\n"):
                    if line.strip():
                        accepted = self._accept(line, state, ids, seen, seen_leaves)
                        if accepted is not None:
                            state.records.append(accepted)
                state.batches_done += 1
                state.tokens += n_tokens
                state.seconds += time.monotonic() - t0
                if checkpoint is not None:
                    checkpoint(state)
                if progress is not None:
                    made = len(state.records) - start_records
                    rate = made / max(1e-6, time.monotonic() - started)
                    dropped = sum(state.dropped.values())
                    progress(min(len(state.records), count) / count,
                             f"{min(len(state.records), count)}/{count} records · {rate:.2f} records/s"
                             + (f" · {dropped} dropped" if dropped else ""))
        return state


def _ordered(record: dict[str, Any], node: dict[str, Any], id_values: dict[tuple[str, ...], Any],
             prefix: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, sub in (node.get("properties") or {}).items():
        path = prefix + (key,)
        if path in id_values:
            out[key] = id_values[path]
        elif key in record:
            value = record[key]
            if isinstance(value, dict) and "properties" in sub and any(p[: len(path)] == path for p in id_values):
                value = _ordered(value, sub, id_values, path)
            out[key] = value
    return out


def _stall_message(state: RunState, count: int) -> str:
    d = state.dropped
    return (
        f"Only {len(state.records)} of {count} records could be made after {state.batches_done} batches: "
        f"{d['copies']} repeated an example, {d['duplicates']} repeated an earlier record, "
        f"{d['invalid']} were invalid, {d['unsafe']} were unsafe. The examples leave too little room for new "
        "records: add more varied examples or fields, or raise the temperature. What was made is cached."
    )


# --- the public API --------------------------------------------------------------------------------
@dataclass
class MockResult:
    records: list[dict[str, Any]]
    cache_key: str
    from_cache: int
    generated: int
    produced: int
    dropped: dict[str, int]
    seconds: float
    tokens: int
    rows_seen: int
    rows_valid: int
    batch_size: int
    schema: dict[str, Any]
    id_fields: dict[str, str]
    model: str

    @property
    def records_per_second(self) -> float:
        return self.produced / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> dict[str, Any]:
        """JSON-able figures (the job result, the CLI output)."""
        return {
            "count": len(self.records), "cache_key": self.cache_key, "from_cache": self.from_cache,
            "generated": self.generated, "produced": self.produced, "dropped": self.dropped, "seconds": round(self.seconds, 2),
            "records_per_second": round(self.records_per_second, 2),
            "tokens_per_second": round(self.tokens / self.seconds, 1) if self.seconds else 0.0,
            "valid_share": round(self.rows_valid / self.rows_seen, 4) if self.rows_seen else 1.0,
            "batch_size": self.batch_size, "id_fields": self.id_fields, "model": self.model,
        }


def cache_key(examples: list[dict[str, Any]], seed: int, temperature: float, model_identity: str, n_ctx: int) -> str:
    material = json.dumps({"v": WRITER_VERSION, "examples": examples, "seed": int(seed),
                           "temperature": round(float(temperature), 3), "model": model_identity, "ctx": n_ctx},
                          sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def few_shot(examples: list[dict[str, Any]], seed: int, k: int = MAX_FEW_SHOT) -> list[dict[str, Any]]:
    """Up to ``k`` examples for the prompt, a seeded sample when there are more."""
    if len(examples) <= k:
        return list(examples)
    picked = sorted(random.Random(seed).sample(range(len(examples)), k))
    return [examples[i] for i in picked]


def check_temperature(temperature: float) -> float:
    if not 0.0 <= float(temperature) <= 2.0:
        raise InvalidParameterError(f"Temperature must be between 0 and 2; got {temperature}.")
    return float(temperature)


def prepare(examples: Any) -> tuple[list[dict[str, Any]], dict[str, Any], list[idmod.IdPattern]]:
    """Clean examples, infer the schema and ID patterns (cheap: no model). Raises on unsafe input."""
    cleaned = safety.clean_examples(examples)
    return cleaned, infer_schema(cleaned), idmod.detect_id_fields(cleaned)


def lookup_cache(store: DatasetStore, examples: Any, count: int, seed: int = 0, temperature: float = DEFAULT_TEMPERATURE,
                 model_path: str | None = None, settings: Settings | None = None) -> tuple[str, list[dict[str, Any]] | None]:
    """The cache key of this request, and its records if the cache already holds ``count`` of them."""
    from mdg_core.llm.model import model_identity

    settings = settings or load_settings()
    cleaned = safety.clean_examples(examples)
    from mdg_core.llm.model import load_model

    n_ctx = load_model(model_path, settings).n_ctx
    key = cache_key(cleaned, seed, temperature, model_identity(model_path), n_ctx)
    art = store.get_artifact(CACHE_KIND, key)
    if art is None or art.payload is None:
        return key, None
    records = json.loads(art.payload)["records"]
    return key, (records[:count] if len(records) >= count else None)


def generate_mock(examples: Any, count: int, *, seed: int = 0, temperature: float = DEFAULT_TEMPERATURE,
                  model_path: str | None = None, store: DatasetStore | None = None, progress: Progress | None = None,
                  settings: Settings | None = None) -> MockResult:
    """``count`` new records like ``examples`` (see the module docstring for the steps)."""
    from mdg_core.llm.model import load_model, model_identity

    settings = settings or load_settings()
    safety.check_count(count)
    temperature = check_temperature(temperature)
    seed = int(seed)
    cleaned, schema, patterns = prepare(examples)
    loaded = load_model(model_path, settings)
    key = cache_key(cleaned, seed, temperature, model_identity(loaded.info.path), loaded.n_ctx)
    state: RunState | None = None
    if store is not None:
        art = store.get_artifact(CACHE_KIND, key)
        if art is not None and art.payload is not None:
            state = RunState.from_json(json.loads(art.payload))
    from_cache = min(count, len(state.records)) if state else 0
    cached_total = len(state.records) if state else 0
    before_seconds, before_tokens = (state.seconds, state.tokens) if state else (0.0, 0)
    before_seen, before_valid = (state.rows_seen, state.rows_valid) if state else (0, 0)
    writer = None
    if from_cache < count:
        writer = RecordWriter(schema, few_shot(cleaned, seed), cleaned, patterns,
                              {p.name: [idmod.get_path(e, p.path) for e in cleaned] for p in patterns}, loaded,
                              "Example records of a dataset.")

        def _checkpoint(s: RunState) -> None:
            if store is not None:
                store.put_artifact(CACHE_KIND, key, json.dumps(s.to_json(), ensure_ascii=False).encode("utf-8"),
                                   params={"count": len(s.records), "seed": seed, "temperature": temperature,
                                           "model": loaded.info.name},
                                   summary={"records": len(s.records), "batches": s.batches_done})

        state = writer.run(count, seed, temperature, state, progress, _checkpoint)
    elif progress is not None:
        progress(1.0, f"{count}/{count} records · from cache")
    assert state is not None
    return MockResult(
        records=state.records[:count], cache_key=key, from_cache=from_cache,
        generated=count - from_cache, produced=len(state.records) - cached_total, dropped=state.dropped, seconds=state.seconds - before_seconds,
        tokens=state.tokens - before_tokens, rows_seen=state.rows_seen - before_seen,
        rows_valid=state.rows_valid - before_valid,
        batch_size=writer.batch_size if writer else 0, schema=schema,
        id_fields={p.name: p.describe() for p in patterns}, model=loaded.info.name,
    )


def cached_records(store: DatasetStore, key: str, count: int) -> list[dict[str, Any]]:
    """Records of a finished run, read back from the cache by its key (the page uses this)."""
    art = store.get_artifact(CACHE_KIND, key)
    if art is None or art.payload is None:
        raise MockGenerationError("The generated records are no longer in the cache; generate them again.")
    return json.loads(art.payload)["records"][:count]


def to_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """A flat table of records: nested objects become dotted columns, lists stay JSON text."""
    import pandas as pd

    frame = pd.json_normalize(records, sep=".")
    for col in frame.columns:
        if frame[col].map(lambda v: isinstance(v, (list, dict))).any():
            frame[col] = frame[col].map(lambda v: json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v)
    return frame


def run_job(ctx: JobContext, examples: Any, count: int, seed: int = 0, temperature: float = DEFAULT_TEMPERATURE,
            model_path: str | None = None, save_name: str | None = None) -> dict[str, Any]:
    """Job ``mock``: generate, optionally save as a dataset (kind ``mock``, with the job's result in
    the same transaction); records stay in the cache."""
    result = generate_mock(examples, count, seed=seed, temperature=temperature, model_path=model_path,
                           store=ctx.store, progress=ctx.progress)
    summary = result.summary()
    if not save_name:
        return summary
    frame = to_frame(result.records)
    with ctx.store.transaction():
        info = ctx.store.save(frame, save_name, kind="mock",
                              recipe={"generator": "mock", "count": count, "seed": seed,
                                      "temperature": temperature, "model": result.model},
                              meta={"schema": result.schema, "id_fields": result.id_fields})
        return ctx.saved({**summary, "dataset_id": info.id}, f"mock dataset #{info.id} '{info.name}'")


