"""The LLM table generator: a local GGUF model writes rows under a schema learned from the real table.

Fit learns each modelled column's type and value set (categories as enums, numeric and date
ranges, decimals, text character sets and lengths, missing values as nulls) and keeps the real rows.
Sampling shows the model a seeded handful of real rows (few-shot), constrains its output with a
grammar for that schema (``mdg_core.llm``), and drops rows that copy a real row or nearly do
(whole-record similarity, never single values). Keys and PII are replaced by the base class, and
the run pipeline applies the dataset's rules as for every generator. Slow compared with the
statistical models (about a row per second or two on a laptop CPU with the default model); meant
for small tables and for text-rich columns a bigger GGUF can write well.
"""

from __future__ import annotations

import json
import random
from typing import Any

import pandas as pd

from mdg_core.column_kinds import NUMBERS, ColumnKind, kind_of
from mdg_core.errors import GeneratorError
from mdg_core.generators.base import Generator, GeneratorSpec, ParamSpec, Reporter
from mdg_core.llm.schema import char_classes

MAX_REFERENCE_ROWS = 20_000


def _column_schema(s: pd.Series, max_categories: int) -> dict[str, Any]:
    """JSON-schema of one column, from all its values."""
    present = s.dropna()
    node: dict[str, Any]
    if present.empty:
        return {"type": "null"}
    kind = kind_of(present)
    if kind == ColumnKind.BOOLEAN:
        node = {"type": "boolean"}
    elif kind == ColumnKind.INTEGER:
        node = {"type": "integer", "minimum": int(present.min()), "maximum": int(present.max())}
        if present.nunique() <= min(max_categories, 12) and present.nunique() < len(present):
            node = {"type": "integer", "enum": sorted(int(v) for v in present.unique())}
    elif kind == ColumnKind.FLOAT:
        decimals = 0
        for v in present.head(500):
            text = f"{float(v):.6f}".rstrip("0")
            decimals = max(decimals, len(text.split(".")[1]) if "." in text else 0)
        node = {"type": "number", "minimum": float(present.min()), "maximum": float(present.max()),
                "x-decimals": max(1, min(4, decimals))}
    elif kind == ColumnKind.DATETIME:
        has_time = bool((present.dt.normalize() != present).any())
        lo, hi = present.min(), present.max()
        if has_time:
            node = {"type": "string", "format": "date-time", "formatMinimum": lo.strftime("%Y-%m-%dT%H:%M:%S"),
                    "formatMaximum": hi.strftime("%Y-%m-%dT%H:%M:%S"),
                    "x-style": {"sep": "T", "seconds": True, "tz": ""}}
        else:
            node = {"type": "string", "format": "date", "formatMinimum": lo.strftime("%Y-%m-%d"),
                    "formatMaximum": hi.strftime("%Y-%m-%d")}
    else:
        values = present.astype(str)
        distinct = values.unique().tolist()
        if len(distinct) <= max_categories:
            node = {"type": "string", "enum": sorted(distinct)}
        else:
            lengths = values.str.len()
            node = {"type": "string", "minLength": int(max(1, lengths.min() // 2)),
                    "maxLength": int(min(60, max(lengths.max() + 4, 3))),
                    "x-chars": char_classes(values.head(2000).tolist())}
    if len(present) < len(s):
        node["type"] = [node["type"], "null"]
    return node


def _jsonable(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON values in the schema's terms (dates as ISO text, missing as null)."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        kind = kind_of(s)
        if kind == ColumnKind.DATETIME:
            has_time = bool((s.dropna().dt.normalize() != s.dropna()).any())
            out[col] = s.dt.strftime("%Y-%m-%dT%H:%M:%S" if has_time else "%Y-%m-%d")
        elif kind not in (*NUMBERS, ColumnKind.BOOLEAN):
            out[col] = s.map(lambda v: None if pd.isna(v) else str(v))
    return json.loads(out.to_json(orient="records", date_format="iso"))


class LLMTable(Generator):
    spec = GeneratorSpec(
        name="llm_table", title="Local language model (GGUF)", family="neural", library="llama-cpp-python",
        description="A local GGUF language model writes rows under a grammar for the learned schema, "
                    "with few-shot real rows; copies of real rows are dropped. Slow (≈1–2 rows/s with "
                    "the default model); best for small, text-rich tables.",
        params=(
            ParamSpec("temperature", "float", 1.0, 0.0, 2.0, help="Higher gives more varied rows."),
            ParamSpec("few_shot", "int", 8, 2, 20, help="Real rows shown to the model per prompt."),
            ParamSpec("max_categories", "int", 30, 2, 200,
                      help="Text columns with at most this many values are treated as categories."),
            ParamSpec("model_path", "str", "", help="GGUF file; empty = the configured model."),
        ),
        requires=("llama_cpp",),
    )

    def _fit(self, df: pd.DataFrame, reporter: Reporter) -> None:
        from mdg_core.llm.model import resolve_path

        resolve_path(self.params["model_path"] or None)  # a bad model path fails at fit, clearly
        limit = int(self.params["max_categories"])
        props = {str(c): _column_schema(df[c], limit) for c in df.columns}
        self.schema_ = {"type": "object", "properties": props, "required": list(props), "additionalProperties": False}
        rows = df if len(df) <= MAX_REFERENCE_ROWS else df.sample(MAX_REFERENCE_ROWS, random_state=self.random_state)
        self.rows_ = _jsonable(rows.reset_index(drop=True))
        self.fit_columns_ = [str(c) for c in df.columns]
        self.dtypes_ = {str(c): str(df[c].dtype) for c in df.columns}

    def _sample(self, n: int, seed: int) -> pd.DataFrame:
        from mdg_core.llm.mock import RecordWriter
        from mdg_core.llm.model import load_model

        loaded = load_model(self.params["model_path"] or None)
        rng = random.Random(int(seed))
        k = min(int(self.params["few_shot"]), len(self.rows_))
        shots = [self.rows_[i] for i in rng.sample(range(len(self.rows_)), k)]  # shuffled: no order to copy
        writer = RecordWriter(self.schema_, shots, self.rows_, [], {}, loaded,
                              f"Rows of a table with {len(self.fit_columns_)} columns.")
        state = writer.run(int(n), int(seed), float(self.params["temperature"]), progress=self.sample_progress)
        if not state.records:
            raise GeneratorError("The language model produced no usable rows for this table.")
        self.last_dropped_ = dict(state.dropped)
        frame = pd.DataFrame(state.records[:n], columns=self.fit_columns_)
        for col, dtype in self.dtypes_.items():
            if dtype.startswith("datetime64"):
                frame[col] = pd.to_datetime(frame[col], errors="coerce")
            elif dtype in ("bool", "boolean"):
                frame[col] = frame[col].astype("boolean")
        return frame


