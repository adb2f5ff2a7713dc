"""Shared building blocks of the reports: the data model of a report kind and its sections, loading
and aligning the datasets compared, column kinds, sampling and encodings.

Names: a report *kind* (quality, drift, privacy: what an analyst asks for, ``ReportKind``) is made of
*sections* (quality, utility, drift, distances, reid, pii: ``SectionSpec`` says how to compute one,
``Section`` is the computed result with its verdict). Every number a section shows is computed from
the data here; nothing is estimated or derived from other scores.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mdg_core.column_kinds import compared_family
from mdg_core.errors import ReportError
from mdg_core.jsonable import jsonable
from mdg_core.progress import Progress, no_progress  # noqa: F401  (re-exported to the sections)
from mdg_core.reports.verdicts import LEVELS, raise_to, worst  # noqa: F401  (re-exported)

MIN_ROWS = 20
MAX_CATEGORIES = 30  # categories kept per column in encodings; the rest fold into one "other" code


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


@dataclass(frozen=True)
class Headline:
    """A metric a section shows at the top of its part of the page (``metric`` may reach into a
    dict with dots: ``classifier.auc``)."""

    label: str
    metric: str
    percent: bool = True

    def value(self, metrics: dict[str, Any]) -> float | None:
        found: Any = metrics
        for part in self.metric.split("."):
            found = found.get(part) if isinstance(found, dict) else None
        return None if found is None else float(found)

    def text(self, value: float) -> str:
        return f"{value:.1%}" if self.percent else f"{value:.3f}"


@dataclass(frozen=True)
class ReportInputs:
    """What every section of a report computes from: A (the real reference) and B aligned on their
    common columns, the holdout (real rows the generator never saw) on the same columns, the target."""

    pair: Pair
    holdout: pd.DataFrame | None = None
    target: str | None = None
    # When B comes from a generation run here: its split's ceiling and baselines (reports.baselines.
    # split_baselines, stored once per split and seed and shared with the run summary and Compare).
    baselines: Callable[[Progress], dict[str, Any]] | None = None


@dataclass(frozen=True)
class SectionSpec:
    """How to compute one section of a report, and what the page and CLI show of it.

    ``compute(inputs, progress, seed) -> Section``; ``share`` is its part of the progress bar;
    ``needs_target`` sections run only when a target column is given; ``open_tables`` start
    expanded on the page; ``summary_tables`` go into the CLI's JSON summary; ``drop_risky`` offers
    "drop risky rows and re-run" under its ``riskiest_rows`` table.
    """

    key: str
    compute: Callable[[ReportInputs, Progress, int], Section]
    headlines: tuple[Headline, ...] = ()
    share: float = 1.0
    needs_target: bool = False
    open_tables: tuple[str, ...] = ()
    summary_tables: tuple[str, ...] = ()
    drop_risky: bool = False


@dataclass(frozen=True)
class ReportKind:
    """A report an analyst can ask for: what it is called and explains, what its two datasets are,
    which inputs it takes, and the sections that build it (in order).

    ``training_reference``: when B comes from a generation run, A is replaced by that run's training
    rows and the run's holdout is used, so the report judges the generator on what it saw.
    ``distinct``: A and B must be different datasets.
    """

    name: str
    title: str
    help: str
    labels: tuple[str, str]
    sections: tuple[SectionSpec, ...]
    uses_holdout: bool = False
    uses_target: bool = False
    training_reference: bool = False
    distinct: bool = False
    no_holdout_note: str = ""

    def section(self, key: str) -> SectionSpec | None:
        return next((s for s in self.sections if s.key == key), None)


def figure_json(fig: Any) -> dict[str, Any]:
    """A plotly figure as a JSON-able dict (stored in the report, rendered later)."""
    import json

    out: dict[str, Any] = json.loads(fig.to_json())
    return out


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """A DataFrame as JSON-able records (missing → None, numpy scalars → Python, 6 digits)."""
    return [jsonable(row, digits=6) for row in df.to_dict(orient="records")]


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
    return series.astype(object).where(series.notna()).map(str, na_action="ignore")


def column_sdtypes(stored: dict[str, Any] | None) -> dict[str, str]:
    """Each column's type from a dataset's generation metadata (``generators.metadata``, the one the
    generators fit with): ``id`` for the primary key and id columns, ``pii`` for columns replaced by
    fakes, else the modelled type (numerical, categorical, datetime, boolean)."""
    if not stored:
        return {}
    key = stored.get("primary_key")
    out: dict[str, str] = {}
    for name, info in (stored.get("columns") or {}).items():
        sdtype = str(info.get("sdtype", "categorical"))
        out[str(name)] = "id" if name == key or sdtype == "id" else "pii" if info.get("pii") else sdtype
    return out


@dataclass
class Pair:
    """Two datasets aligned on their common columns, with each column's kind (from the dataset's
    metadata when there is one, ``sdtypes``; else from the values) and its primary key."""

    a: pd.DataFrame
    b: pd.DataFrame
    kinds: dict[str, str]
    a_label: str
    b_label: str
    dropped: list[str]
    sdtypes: dict[str, str] = field(default_factory=dict)
    primary_key: str | None = None

    @property
    def columns(self) -> list[str]:
        return list(self.kinds)

    def of_kind(self, kind: str) -> list[str]:
        return [c for c, k in self.kinds.items() if k == kind]


def align(a: pd.DataFrame, b: pd.DataFrame, a_label: str = "A", b_label: str = "B",
          min_rows: int = MIN_ROWS, metadata: dict[str, Any] | None = None) -> Pair:
    """Keep the columns both datasets have (in A's order) and decide each column's kind: from the
    dataset's generation ``metadata`` when given (what the generators used: its key, PII and types),
    else from the values alone."""
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
    sdtypes = {c: t for c, t in column_sdtypes(metadata).items() if c in set(common)}
    kinds: dict[str, str] = {col: compared_family(sdtypes.get(col), a[col], b[col]) for col in common}
    key = (metadata or {}).get("primary_key")
    return Pair(a[common].reset_index(drop=True), b[common].reset_index(drop=True), kinds,
                a_label, b_label, sorted(set(dropped)), sdtypes, key if key in kinds else None)


def sample(df: pd.DataFrame, n: int, seed: int = 0) -> pd.DataFrame:
    """A seeded sample of at most ``n`` rows (the frame itself when it is small enough)."""
    if len(df) <= n:
        return df
    return df.sample(n=n, random_state=seed).reset_index(drop=True)


def feature_encoder(kinds: dict[str, str], max_categories: int = MAX_CATEGORIES) -> Any:
    """Numbers for models, as a scikit-learn ``ColumnTransformer``: numeric columns (dates and
    durations too) as floats with NaN kept, categorical ones as ordinal codes, identifiers left out.

    Fit it on the union of the datasets compared so codes mean the same in both. The
    ``max_categories`` most frequent categories keep a code, the rest share one (so a one-off value
    cannot identify a row); missing values, and categories the fit never saw, are NaN, which the
    gradient-boosting models send down their missing-value branch. Codes are for models told they
    are categories (``categorical_mask``), not quantities.
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, OrdinalEncoder

    numeric = [c for c, k in kinds.items() if k == "numeric"]
    categorical = [c for c, k in kinds.items() if k == "categorical"]
    codes = OrdinalEncoder(max_categories=max_categories + 1, handle_unknown="use_encoded_value",
                           unknown_value=np.nan, encoded_missing_value=np.nan)
    return ColumnTransformer(
        [("numeric", FunctionTransformer(_as_numbers, feature_names_out="one-to-one"), numeric),
         ("categorical", make_pipeline(FunctionTransformer(_as_labels, feature_names_out="one-to-one"), codes),
          categorical)],
        remainder="drop", verbose_feature_names_out=False)


def categorical_mask(encoder: Any) -> list[bool]:
    """Which output columns of a fitted ``feature_encoder`` are category codes."""
    mask = [False] * len(encoder.get_feature_names_out())
    part = encoder.output_indices_["categorical"]
    mask[part] = [True] * (part.stop - part.start)
    return mask


def _as_numbers(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({c: as_numeric(frame[c]) for c in frame.columns}, index=frame.index)


def _as_labels(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({c: as_category(frame[c]) for c in frame.columns}, index=frame.index)


def single_thread() -> Any:
    """Limit OpenMP to one thread around model fits: on a shared 2-core machine gradient boosting's
    spinning threads are ~10× slower than one thread (measured: 2.1 s vs 0.25 s on 600 rows)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="openmp")


def fmt_pct(x: float) -> str:
    return f"{x * 100:.1f} %"
