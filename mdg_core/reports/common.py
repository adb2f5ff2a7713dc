"""Shared building blocks of the reports: loading a pair of datasets, column kinds, sampling,
encodings, and the small data model (``Section``) every report section returns.

Every number a section shows is computed from the data here; nothing is estimated or derived
from other scores.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mdg_core.errors import ReportError
from mdg_core.reports.verdicts import LEVELS, raise_to, worst  # noqa: F401  (re-exported)
from mdg_core.store import DatasetStore

Progress = Callable[[float, str], None]
MIN_ROWS = 20
MAX_CATEGORIES = 30  # categories kept per column in encodings; the rest fold into "(other)"
ID_UNIQUE_SHARE = 0.9  # a text column with this share of distinct values identifies rows


def no_progress(_fraction: float, _message: str) -> None:
    """Progress sink for callers that do not report progress."""


@dataclass
class Section:
    """One part of a report: a verdict with the reasons (citing numbers), metrics, tables, charts."""

    key: str
    title: str
    verdict: str = "good"
    reasons: list[str] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    figures: list[dict[str, Any]] = field(default_factory=list)  # plotly figure JSON dicts
    notes: list[str] = field(default_factory=list)

    def flag(self, level: str, reason: str) -> None:
        """Add a reason and raise the verdict to ``level`` if that is worse."""
        self.reasons.append(reason)
        self.verdict = raise_to(self.verdict, level)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def figure_json(fig: Any) -> dict[str, Any]:
    """A plotly figure as a JSON-able dict (stored in the report, rendered later)."""
    import json

    return json.loads(fig.to_json())


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """A DataFrame as JSON-able records (NaN → None, numpy scalars → Python)."""
    out = df.astype(object).where(pd.notna(df), None)
    return [{str(k): _py(v) for k, v in row.items()} for row in out.to_dict(orient="records")]


def _py(value: Any) -> Any:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return None if np.isnan(value) else round(float(value), 6)
    if isinstance(value, float):
        return None if np.isnan(value) else round(value, 6)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, (pd.Timestamp, pd.Timedelta)):
        return str(value)
    return value


# --- column kinds --------------------------------------------------------------------------------
def column_kind(series: pd.Series) -> str:
    """``numeric`` (numbers, dates and durations as numbers), ``categorical`` or ``identifier``.

    Identifier-like text (nearly every value distinct: ids, names, emails) has no distribution to
    compare; sections say so instead of computing meaningless statistics on it.
    """
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "categorical"
    if (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_datetime64_any_dtype(dtype)
            or pd.api.types.is_timedelta64_dtype(dtype)):
        return "numeric"
    non_null = series.dropna()
    if len(non_null) >= 50 and non_null.nunique() >= ID_UNIQUE_SHARE * len(non_null):
        return "identifier"
    return "categorical"


def as_numeric(series: pd.Series) -> pd.Series:
    """Numbers as float; datetimes as seconds since the epoch; durations as seconds."""
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        values = series.astype("datetime64[ns]")
        out = values.astype("int64").astype(float) / 1e9
        return out.where(values.notna())
    if pd.api.types.is_timedelta64_dtype(series.dtype):
        return series.dt.total_seconds()
    if pd.api.types.is_bool_dtype(series.dtype):
        return series.astype(float)
    return pd.to_numeric(series, errors="coerce").astype(float)


def as_category(series: pd.Series) -> pd.Series:
    """Values as strings, missing as NaN (so category counts line up between datasets)."""
    return series.astype(object).where(series.notna()).map(lambda v: v if v is None else str(v))


@dataclass
class Pair:
    """Two datasets aligned on their common columns, with each column's kind."""

    a: pd.DataFrame
    b: pd.DataFrame
    kinds: dict[str, str]
    a_label: str
    b_label: str
    dropped: list[str]

    @property
    def columns(self) -> list[str]:
        return list(self.kinds)

    def of_kind(self, kind: str) -> list[str]:
        return [c for c, k in self.kinds.items() if k == kind]


def align(a: pd.DataFrame, b: pd.DataFrame, a_label: str = "A", b_label: str = "B",
          min_rows: int = MIN_ROWS) -> Pair:
    """Keep the columns both datasets have (in A's order) and decide each column's kind."""
    common = [c for c in a.columns if c in set(b.columns)]
    if not common:
        raise ReportError(
            f"{a_label} and {b_label} have no column in common, so there is nothing to compare. "
            f"{a_label} has: {', '.join(map(str, a.columns[:10]))}; {b_label} has: "
            f"{', '.join(map(str, b.columns[:10]))}."
        )
    for label, frame in ((a_label, a), (b_label, b)):
        if len(frame) < min_rows:
            raise ReportError(f"{label} has {len(frame)} rows; a report needs at least {min_rows}.")
    dropped = [c for c in list(a.columns) + list(b.columns) if c not in common]
    kinds: dict[str, str] = {}
    for col in common:
        ka, kb = column_kind(a[col]), column_kind(b[col])
        if ka == kb:
            kinds[col] = ka
        elif "identifier" in (ka, kb):
            kinds[col] = "identifier"
        else:  # e.g. numbers in one, text in the other: compare as categories
            kinds[col] = "categorical"
    return Pair(a[common].reset_index(drop=True), b[common].reset_index(drop=True), kinds,
                a_label, b_label, sorted(set(dropped)))


def load_pair(store: DatasetStore, a_id: int, b_id: int, min_rows: int = MIN_ROWS) -> Pair:
    """Load two stored datasets and align them."""
    a_info, b_info = store.get(a_id), store.get(b_id)
    return align(store.load(a_id), store.load(b_id), f"#{a_info.id} {a_info.name}",
                 f"#{b_info.id} {b_info.name}", min_rows=min_rows)


def sample(df: pd.DataFrame, n: int, seed: int = 0) -> pd.DataFrame:
    """A seeded sample of at most ``n`` rows (the frame itself when it is small enough)."""
    if len(df) <= n:
        return df
    return df.sample(n=n, random_state=seed).reset_index(drop=True)


class FeatureEncoder:
    """Numbers for models: numerics as floats (NaN kept), categories as ordinal codes.

    Fitted on the union of the datasets being compared so codes mean the same thing in both;
    rare categories fold into one code so one-off values cannot identify rows.
    """

    def __init__(self, kinds: dict[str, str], max_categories: int = MAX_CATEGORIES) -> None:
        self.kinds = {c: k for c, k in kinds.items() if k != "identifier"}
        self.max_categories = max_categories
        self.categories: dict[str, list[str]] = {}

    def fit(self, *frames: pd.DataFrame) -> FeatureEncoder:
        for col, kind in self.kinds.items():
            if kind == "categorical":
                counts = pd.concat([as_category(f[col]) for f in frames]).value_counts()
                self.categories[col] = [str(v) for v in counts.index[: self.max_categories]]
        return self

    def transform(self, df: pd.DataFrame) -> np.ndarray:
        cols = []
        for col, kind in self.kinds.items():
            if kind == "numeric":
                cols.append(as_numeric(df[col]).to_numpy(dtype=float))
            else:
                cats = self.categories[col]
                codes = pd.Categorical(as_category(df[col]), categories=cats).codes.astype(float)
                values = as_category(df[col])
                codes[(codes < 0) & values.notna().to_numpy()] = len(cats)  # "(other)"
                codes[values.isna().to_numpy()] = np.nan
                cols.append(codes)
        return np.column_stack(cols) if cols else np.zeros((len(df), 0))

    @property
    def categorical_mask(self) -> list[bool]:
        return [k == "categorical" for k in self.kinds.values()]

    @property
    def feature_names(self) -> list[str]:
        return list(self.kinds)


def single_thread() -> Any:
    """Limit OpenMP to one thread around model fits: on a shared 2-core machine gradient boosting's
    spinning threads are ~10× slower than one thread (measured: 2.1 s vs 0.25 s on 600 rows)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="openmp")


def fmt_pct(x: float) -> str:
    return f"{x * 100:.1f} %"
