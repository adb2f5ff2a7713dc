"""The instant overview: per-column facts, dataset facts and warnings, computed in well under a second.

Everything is vectorised pandas/numpy on the whole table; charts are built from binned counts
(``np.histogram`` / top-k ``value_counts``), never from raw rows, so a chart costs the same for 1k or
1M rows. Datasets are immutable, so an overview is cached as an artifact keyed by dataset id.

Two numbers differ from ydata-profiling's on purpose, and both are kept so the page can say why:
duplicates count every row that repeats an earlier one (ydata-profiling counts the distinct rows
that occur more than once), and memory counts the text in text columns (ydata-profiling's default
counts 8 bytes per text cell, the pointer only).
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import asdict, dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mdg_core.column_kinds import ColumnKind, kind_of, names_a_year
from mdg_core.jsonable import jsonable
from mdg_core.pii import name_hint, person_name_share

if TYPE_CHECKING:
    from mdg_core.store import DatasetStore

OVERVIEW_ARTIFACT = "profile_overview"
OVERVIEW_VERSION = 4  # 4: kinds are mdg_core.column_kinds (integer/float/duration, not "numeric")
TOP_K = 10
HIST_BINS = 20
TEXT_SAMPLE = 2000
MISSING_LABEL = "(missing)"
EMPTY, NESTED = "empty", "nested"  # shown instead of a kind: no values; lists/dicts in cells

# Thresholds behind the warnings (shown with each warning, so the analyst sees the evidence).
HIGH_MISSING = 0.3
NEAR_UNIQUE = 0.95
ID_NAMED_SHARE = 0.8
ID_MIN_DISTINCT = 20
ID_DENSE_SHARE = 0.5  # whole numbers count as row numbers when their distinct values fill half their range
ID_NAME_RE = re.compile(r"(^|[_\s])(id|uuid|guid|key|code|number|no)$|^id[_\s]|Id$|^(row|index|idx|rownames)$",
                        re.IGNORECASE)
HEAVY_SKEW = 2.0
MIXED_MIN, MIXED_MAX = 0.05, 0.95
TEXT_AS_TYPE_MIN = 0.95

_NUMBER_RE = re.compile(r"^\s*[-+(]?\s*[$€£¥]?\s*[-+]?(\d{1,3}([,.\s']\d{3})+|\d+)([.,]\d+)?\s*%?\s*\)?\s*$")
_DATE_RE = re.compile(
    r"^\s*(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}|\d{1,2}\s+[A-Za-z]{3,9}\.?\s+\d{4}|"
    r"[A-Za-z]{3,9}\.?\s+\d{1,2},?\s+\d{4})([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*([AaPp][Mm])?(Z|[+-]\d{2}:?\d{2})?)?\s*$"
)
_VALUE_PII = {
    "EMAIL_ADDRESS": re.compile(r"^[\w.+-]+@[\w-]+(\.[\w-]+)+$"),
    "IP_ADDRESS": re.compile(r"^(\d{1,3}\.){3}\d{1,3}$"),
    "US_SSN": re.compile(r"^\d{3}-\d{2}-\d{4}$"),
    "CREDIT_CARD": re.compile(r"^(\d{4}[ -]?){3}\d{4}$"),
    "PHONE_NUMBER": re.compile(r"^\+?[\d\s().-]{7,}(x\d+)?$"),
}


@dataclass
class ColumnOverview:
    """What an analyst needs to know about one column at a glance."""

    name: str
    dtype: str
    kind: str  # a ColumnKind (mdg_core.column_kinds), or NESTED or EMPTY
    n_missing: int
    missing_share: float
    n_distinct: int
    distinct_share: float
    min: Any = None
    max: Any = None
    mean: float | None = None
    std: float | None = None
    skew: float | None = None
    top: list[tuple[str, int]] = field(default_factory=list)
    chart: dict[str, Any] = field(default_factory=dict)  # {"type": "hist"|"bar", "x": [...], "y": [...]}
    numeric_text_share: float | None = None
    date_text_share: float | None = None

    @property
    def numeric(self) -> bool:
        """Numbers and durations: the columns with a mean, a spread and a histogram."""
        return self.kind not in (EMPTY, NESTED) and ColumnKind(self.kind).numeric


@dataclass
class Warning:
    """One problem worth the analyst's attention, with the measured evidence."""

    column: str | None
    code: str  # constant | all_missing | near_unique | high_missing | skew | mixed_types | ...
    message: str


@dataclass
class DatasetOverview:
    n_rows: int
    n_cols: int
    n_duplicates: int  # rows that repeat an earlier row exactly (what dropping duplicates removes)
    memory_bytes: int  # in pandas, text included (sampled for large text columns)
    missing_cells_share: float
    columns: list[ColumnOverview]
    warnings: list[Warning]
    seconds: float = 0.0
    n_duplicate_groups: int = 0  # distinct rows that occur more than once (ydata-profiling's "duplicate rows")
    memory_shallow_bytes: int = 0  # pointers only for text columns (ydata-profiling's default "memory size")

    def to_json(self) -> str:
        return json.dumps(jsonable(asdict(self)))

    @classmethod
    def from_json(cls, text: str) -> DatasetOverview:
        raw = json.loads(text)
        cols = [ColumnOverview(**{**c, "top": [tuple(t) for t in c["top"]]}) for c in raw.pop("columns")]
        warns = [Warning(**w) for w in raw.pop("warnings")]
        return cls(columns=cols, warnings=warns, **raw)

    def column(self, name: str) -> ColumnOverview:
        return next(c for c in self.columns if c.name == name)

    def table(self) -> pd.DataFrame:
        """The per-column summary as a table for display."""
        rows = []
        for c in self.columns:
            if c.numeric or c.kind == ColumnKind.DATETIME:
                year = names_a_year(c.name)
                summary = f"{readable(c.min, year=year)} … {readable(c.max, year=year)}" + (
                    f" · mean {readable(c.mean)}" if c.mean is not None else "")
            else:
                summary = ", ".join(f"{v} ({n:,})" for v, n in c.top[:3])
            rows.append({
                "Column": c.name, "Type": c.kind, "dtype": c.dtype, "Missing %": round(100 * c.missing_share, 1),
                "Distinct": c.n_distinct, "Range / top values": summary,
                "Chart": c.chart.get("y", [])[:TOP_K] if c.chart.get("type") == "bar" else c.chart.get("y", []),
            })
        return pd.DataFrame(rows)


def readable(value: Any, digits: int = 4, year: bool = False) -> str:
    """A number as an analyst reads it: ``12,285``, ``1,484,705``, ``38.58``, ``0.0042``; never ``1.228e+04``.

    Whole numbers get thousands separators; others keep about ``digits`` significant digits without an
    exponent (only below 0.0001 does one appear). Dates and text are shown as they are (cut at 19).
    ``year`` prints whole numbers without separators (a column whose name says it holds years).
    """
    if value is None:
        return "–"
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value)) if year else f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        x = float(value)
        if not np.isfinite(x):
            return str(x)
        if x == int(x) and abs(x) < 1e15:
            return str(int(x)) if year else f"{int(x):,}"
        if abs(x) < 1e-4:
            return f"{x:.{digits - 1}g}"
        decimals = max(0, digits - 1 - int(np.floor(np.log10(abs(x)))))
        return f"{x:,.{decimals}f}".rstrip("0").rstrip(".") if decimals else f"{x:,.0f}"
    return str(value)[:19]


def bin_labels(edges: list[float], integer: bool) -> list[str]:
    """Labels of histogram bins that never overlap: ``17–20``, ``21–24`` for whole numbers (whose edges
    sit half-way between integers), ``1.5 to <2`` for other numbers (the last bin includes its top)."""
    labels = []
    last = len(edges) - 2
    for i, (lo, hi) in enumerate(pairwise(edges)):
        if integer:
            a, b = int(np.ceil(lo)), int(np.floor(hi))
            labels.append(readable(a) if a >= b else f"{readable(a)}–{readable(b)}")
        else:
            labels.append(f"{readable(lo)} to {'≤' if i == last else '<'}{readable(hi)}")
    return labels


def text_shape(values: pd.Series) -> tuple[float, float]:
    """Shares of non-null text values that look like numbers and like dates (on a sample)."""
    if values.empty:
        return 0.0, 0.0
    sample = values.iloc[:TEXT_SAMPLE].astype(str)
    numeric = float(sample.str.match(_NUMBER_RE).mean())
    dates = float(sample.str.match(_DATE_RE).mean())
    return numeric, dates


def _numeric_column(col: ColumnOverview, values: pd.Series) -> None:
    arr = values.to_numpy(dtype="float64", na_value=np.nan) if not pd.api.types.is_timedelta64_dtype(values.dtype) \
        else values.dt.total_seconds().to_numpy(dtype="float64")
    arr = arr[np.isfinite(arr)]
    if arr.size == 0:
        return
    lo, hi = float(arr.min()), float(arr.max())
    col.min, col.max = lo, hi
    col.mean = float(arr.mean())
    col.std = float(arr.std(ddof=1)) if arr.size > 1 else 0.0
    if arr.size > 2 and col.std and col.std > 0:
        centered = arr - col.mean
        m2 = float(np.mean(centered**2))
        m3 = float(np.mean(centered**3))
        col.skew = m3 / m2**1.5 if m2 > 0 else 0.0
    else:
        col.skew = 0.0
    if col.n_distinct <= TOP_K and col.n_distinct > 0:
        counts = values.value_counts().sort_index()
        col.chart = {"type": "bar", "x": [readable(v) for v in counts.index], "y": counts.tolist()}
        return
    integer = bool(np.all(arr == np.round(arr)))
    if integer:  # edges half-way between integers: each bin holds whole values a…b, none is empty by rounding
        width = max(1, int(np.ceil((hi - lo + 1) / HIST_BINS)))
        n_bins = int(np.ceil((hi - lo + 1) / width))
        bins: Any = lo - 0.5 + width * np.arange(n_bins + 1, dtype="float64")
    else:
        bins = HIST_BINS
    counts, edges = np.histogram(arr, bins=bins)
    col.chart = {"type": "hist", "x": [float(e) for e in edges], "y": counts.tolist(), "integer": integer,
                 "labels": bin_labels([float(e) for e in edges], integer)}


def _datetime_column(col: ColumnOverview, values: pd.Series) -> None:
    if values.empty:
        return
    col.min, col.max = str(values.min()), str(values.max())
    ns = values.astype("int64").to_numpy() if values.dt.tz is None else values.dt.tz_convert(None).astype("int64").to_numpy()
    counts, edges = np.histogram(ns, bins=HIST_BINS)
    col.chart = {"type": "hist", "x": [str(pd.Timestamp(int(e)))[:10] for e in edges], "y": counts.tolist(),
                 "datetime": True}


def _categorical_column(col: ColumnOverview, values: pd.Series) -> None:
    counts = values.astype(str).value_counts() if isinstance(values.dtype, pd.CategoricalDtype) \
        else values.value_counts()
    top = counts.iloc[:TOP_K]
    col.top = [(str(k), int(v)) for k, v in top.items()]
    other = int(counts.iloc[TOP_K:].sum())
    x = [str(k)[:30] for k in top.index] + (["(other)"] if other else [])
    y = [int(v) for v in top.to_numpy()] + ([other] if other else [])
    if col.n_missing:  # gaps are their own labelled bar, never a category called "nan"
        x, y = [*x, MISSING_LABEL], [*y, col.n_missing]
    col.chart = {"type": "bar", "x": x, "y": y, "missing": bool(col.n_missing)}


def summarize_column(name: str, series: pd.Series) -> ColumnOverview:
    """Facts and a binned chart for one column."""
    n = len(series)
    values = series.dropna()
    n_missing = n - len(values)
    nested = False
    try:
        n_distinct = int(values.nunique())
    except TypeError:  # unhashable cells (lists, dicts stored as JSON): described by their text
        n_distinct = int(values.astype(str).nunique())
        nested = True
    kind = EMPTY if values.empty else (NESTED if nested else kind_of(series))
    col = ColumnOverview(
        name=str(name), dtype=str(series.dtype), kind=kind, n_missing=int(n_missing),
        missing_share=n_missing / n if n else 0.0, n_distinct=n_distinct,
        distinct_share=n_distinct / len(values) if len(values) else 0.0,
    )
    if col.numeric:
        _numeric_column(col, values)
    elif kind == ColumnKind.DATETIME:
        _datetime_column(col, values)
    elif kind == NESTED:
        _categorical_column(col, values.astype(str))
    elif kind in (ColumnKind.CATEGORY, ColumnKind.TEXT, ColumnKind.BOOLEAN):
        _categorical_column(col, values)
        if kind != ColumnKind.BOOLEAN and (series.dtype == object or isinstance(series.dtype, pd.StringDtype)):
            col.numeric_text_share, col.date_text_share = text_shape(values)
    return col


def _warnings(df: pd.DataFrame, cols: list[ColumnOverview]) -> list[Warning]:
    out: list[Warning] = []
    for c in cols:
        if c.kind == EMPTY:
            out.append(Warning(c.name, "all_missing", f"'{c.name}' has no values at all."))
            continue
        hint = name_hint(c.name) if not (c.numeric or c.kind == ColumnKind.BOOLEAN) else None
        entity, share = _value_pii(df[c.name]) if c.kind in (ColumnKind.TEXT, ColumnKind.CATEGORY) and not hint \
            else (None, 0.0)
        if hint:
            out.append(Warning(c.name, "pii_name", f"'{c.name}' may hold personal data ({hint}, by its name)."))
        elif entity:
            out.append(Warning(c.name, "pii_values",
                               f"'{c.name}' may hold personal data ({entity} in {share:.0%} of sampled values)."))
        if c.n_distinct == 1:
            value = c.top[0][0] if c.top else readable(c.min)
            out.append(Warning(c.name, "constant", f"'{c.name}' is constant (always {value})."))
        if c.missing_share >= HIGH_MISSING:
            out.append(Warning(c.name, "high_missing", f"'{c.name}' is {c.missing_share:.0%} missing."))
        why_id = id_reason(c) if not (hint or entity) else None
        if why_id:
            out.append(Warning(c.name, "near_unique", f"'{c.name}' looks like an ID: {why_id}."))
        if c.numeric and c.skew is not None and abs(c.skew) >= HEAVY_SKEW and c.n_distinct > 10:
            out.append(Warning(c.name, "skew", f"'{c.name}' is heavily skewed (skew {c.skew:.1f})."))
        if c.numeric_text_share is not None:
            if c.numeric_text_share >= TEXT_AS_TYPE_MIN:
                out.append(Warning(c.name, "numbers_as_text",
                                   f"'{c.name}' holds numbers stored as text ({c.numeric_text_share:.0%} of values)."))
            elif c.date_text_share is not None and c.date_text_share >= TEXT_AS_TYPE_MIN:
                out.append(Warning(c.name, "dates_as_text",
                                   f"'{c.name}' holds dates stored as text ({c.date_text_share:.0%} of values)."))
            elif MIXED_MIN <= c.numeric_text_share <= MIXED_MAX:
                out.append(Warning(c.name, "mixed_types",
                                   f"'{c.name}' mixes numbers ({c.numeric_text_share:.0%}) and text."))
    return out


def id_reason(c: ColumnOverview) -> str | None:
    """Why a column is identifier-like, or None: the one test used by the profile and every feature rule.

    Text (not numbers or dates written as text) with more than 20 values, ≥ 95 % of them distinct (≥ 80 %
    when the name says it is an identifier); whole numbers likewise, but only when the name says so or the
    values fill most of their range (row numbers 1…n): an all-distinct measure such as a population is
    not an identifier.
    """
    if c.n_distinct <= ID_MIN_DISTINCT:
        return None
    named = bool(ID_NAME_RE.search(c.name))
    texty = c.kind in (ColumnKind.TEXT, ColumnKind.CATEGORY) and max(c.numeric_text_share or 0, c.date_text_share or 0) < TEXT_AS_TYPE_MIN
    integer = c.kind == ColumnKind.INTEGER
    if integer and not named:
        span = (c.max - c.min + 1) if c.min is not None and c.max is not None else float("inf")
        integer = c.n_distinct >= ID_DENSE_SHARE * span
    if not (texty or integer) or c.distinct_share < (ID_NAMED_SHARE if named else NEAR_UNIQUE):
        return None
    why = f"{c.distinct_share:.1%} of {c.n_distinct:,} non-missing values are unique"
    return why + "; the name says it is an identifier" if named else why


def _value_pii(series: pd.Series, sample: int = 200) -> tuple[str | None, float]:
    """A cheap screen for well-formed identifiers and person names; presidio's deeper scan is in mdg_core.pii.

    Dates written as text are personal data only by a column name such as ``date_of_birth``: their
    digits and dashes would otherwise pass for phone numbers.
    """
    values = series.dropna()
    if values.empty:
        return None, 0.0
    text = values.iloc[:sample].astype(str).str.strip()
    if float(text.str.match(_DATE_RE).mean()) >= 0.5:
        return None, 0.0
    for entity, pattern in _VALUE_PII.items():
        share = float(text.str.match(pattern).mean())
        if entity == "PHONE_NUMBER" and float(text.str.count(r"\d").mean()) < 7:
            continue
        if share >= 0.5:
            return entity, share
    names = person_name_share(text.tolist())
    return ("PERSON", names) if names >= 0.5 else (None, 0.0)


def compute_overview(df: pd.DataFrame) -> DatasetOverview:
    """Per-column facts, dataset facts and warnings for a DataFrame."""
    start = time.perf_counter()
    cols = [summarize_column(str(name), df[name]) for name in df.columns]
    n_rows = len(df)
    if n_rows and len(df.columns):
        try:
            hashes = pd.util.hash_pandas_object(df, index=False)
        except TypeError:
            hashes = pd.util.hash_pandas_object(df.astype(str), index=False)
        n_dup = int(hashes.duplicated().sum())
        n_groups = int(hashes[hashes.duplicated(keep=False)].nunique())
    else:
        n_dup = n_groups = 0
    shallow = int(df.memory_usage(deep=False).sum())  # ydata-profiling's default measure (index included)
    memory = int(df.memory_usage(index=False, deep=False).sum())
    obj_cols = [c for c in df.columns if df[c].dtype == object]
    if obj_cols:  # deep size of text columns estimated from a sample: exact deep=True is slow
        sample = df[obj_cols].iloc[: min(n_rows, 5000)]
        per_row = sample.memory_usage(index=False, deep=True).sum() / max(1, len(sample))
        memory += int(per_row * n_rows) - int(df[obj_cols].memory_usage(index=False).sum())
    cells = max(1, n_rows * len(df.columns))
    warnings = _warnings(df, cols)
    if n_dup:
        share = n_dup / max(1, n_rows)
        warnings.insert(0, Warning(None, "duplicates", f"{n_dup:,} rows ({share:.1%}) repeat an earlier row exactly "
                                                       f"({duplicates_note(n_dup, n_groups)})."))
    return DatasetOverview(
        n_rows=n_rows, n_cols=len(df.columns), n_duplicates=n_dup, memory_bytes=memory,
        missing_cells_share=sum(c.n_missing for c in cols) / cells, columns=cols, warnings=warnings,
        seconds=time.perf_counter() - start, n_duplicate_groups=n_groups, memory_shallow_bytes=shallow,
    )


def duplicates_note(n_duplicates: int, n_groups: int) -> str:
    """Why our duplicate count and ydata-profiling's differ, in one clause."""
    if n_duplicates == n_groups:
        return f"each of {n_groups:,} rows occurs twice"
    return (f"{n_groups:,} distinct rows occur more than once, the figure ydata-profiling shows; "
            f"dropping duplicates removes {n_duplicates:,}")


def memory_note(ov: DatasetOverview) -> str:
    """What the memory figure counts, and ydata-profiling's smaller figure for the same table."""
    return (f"Memory of the table in pandas, text included: {mib(ov.memory_bytes)}. ydata-profiling shows "
            f"{mib(ov.memory_shallow_bytes)}: by default it counts 8 bytes per text value (the pointer), "
            "not the text itself.")


def mib(n_bytes: int) -> str:
    """Bytes in MiB (the unit ydata-profiling uses), readable."""
    return f"{readable(n_bytes / 2**20, 3)} MiB"


def overview_for(store: DatasetStore, dataset_id: int, refresh: bool = False) -> DatasetOverview:
    """The overview of a stored dataset, from its cached artifact when there is one."""
    key = f"{dataset_id}:v{OVERVIEW_VERSION}"
    if not refresh:
        art = store.get_artifact(OVERVIEW_ARTIFACT, key)
        if art is not None and art.payload:
            return DatasetOverview.from_json(art.payload.decode("utf-8"))
    ov = compute_overview(store.load(dataset_id))
    store.put_artifact(OVERVIEW_ARTIFACT, key, ov.to_json().encode("utf-8"), dataset_id=dataset_id,
                       summary={"rows": ov.n_rows, "warnings": len(ov.warnings), "seconds": round(ov.seconds, 3)})
    return ov


def column_figure(col: ColumnOverview, height: int = 220) -> Any:
    """A small plotly chart of a column from its binned counts."""
    import plotly.graph_objects as go

    chart = col.chart or {}
    fig = go.Figure()
    if chart.get("type") == "hist":
        edges = chart["x"]
        if chart.get("datetime"):
            fig.add_bar(x=edges[:-1], y=chart["y"], marker_color="#4C78A8")
        else:
            centers = [(a + b) / 2 for a, b in pairwise(edges)]
            widths = [b - a for a, b in pairwise(edges)]
            labels = chart.get("labels") or bin_labels(edges, bool(chart.get("integer")))
            fig.add_bar(x=centers, y=chart["y"], width=widths, marker_color="#4C78A8", customdata=labels,
                        hovertemplate="%{customdata}: %{y:,}<extra></extra>")
    elif chart.get("type") == "bar":
        colors = ["#BBBBBB" if x == MISSING_LABEL and chart.get("missing") else "#F58518" for x in chart["x"]]
        fig.add_bar(x=chart["x"], y=chart["y"], marker_color=colors, hovertemplate="%{x}: %{y:,}<extra></extra>")
    fig.update_layout(height=height, showlegend=False, bargap=0.05, **chart_layout(col.name))
    return fig


def chart_layout(title: str) -> dict[str, Any]:
    """Title on the left with room above the plot, so nothing (Streamlit's hover toolbar on the right) covers it."""
    return {"title": {"text": title, "font_size": 13, "x": 0, "xanchor": "left", "y": 0.98, "yanchor": "top"},
            "margin": {"l": 10, "r": 10, "t": 40, "b": 10}}


def compare_table(left: DatasetOverview, right: DatasetOverview) -> pd.DataFrame:
    """The overview columns of two datasets side by side, one row per column name."""
    names = list(dict.fromkeys([c.name for c in left.columns] + [c.name for c in right.columns]))
    lmap = {c.name: c for c in left.columns}
    rmap = {c.name: c for c in right.columns}
    rows = []
    for n in names:
        a, b = lmap.get(n), rmap.get(n)
        row: dict[str, Any] = {"Column": n}
        for tag, c in (("A", a), ("B", b)):
            row[f"{tag} type"] = c.kind if c else "—"
            row[f"{tag} missing %"] = round(100 * c.missing_share, 1) if c else None
            row[f"{tag} distinct"] = c.n_distinct if c else None
            typical = (readable(c.mean) if c.mean is not None else (c.top[0][0] if c.top else "–")) if c else "—"
            row[f"{tag} mean / top"] = typical
        rows.append(row)
    return pd.DataFrame(rows)


def compare_figure(a: ColumnOverview, b: ColumnOverview, labels: tuple[str, str] = ("A", "B")) -> Any:
    """Both columns' distributions in one chart, as shares so different sizes compare."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for col, label, color in ((a, labels[0], "#4C78A8"), (b, labels[1], "#F58518")):
        chart = col.chart or {}
        total = max(1, sum(chart.get("y", [])))
        ys = [v / total for v in chart.get("y", [])]
        if chart.get("type") == "hist" and not chart.get("datetime"):
            edges = chart["x"]
            xs = [(p + q) / 2 for p, q in pairwise(edges)]
        else:
            xs = chart.get("x", [])[: len(ys)]
        fig.add_bar(x=xs, y=ys, name=label, marker_color=color, opacity=0.7)
    fig.update_layout(barmode="overlay", height=260, yaxis_tickformat=".0%", **chart_layout(a.name))
    return fig
