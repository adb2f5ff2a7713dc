"""Outliers per numeric column, by three methods side by side, each with the threshold that made it.

- IQR: outside Tukey's fences [Q1 − 1.5·IQR, Q3 + 1.5·IQR]. Where half the values or more are one
  value (Q1 = Q3, e.g. a zero-inflated amount), the fences collapse onto it and would call every
  other value an outlier, so the method is reported as not applicable instead of a count;
- z-score: more than 3 standard deviations from the mean;
- IsolationForest: scikit-learn's tree-based detector fitted on the column (seeded, on a sample), a
  value counted when its anomaly score (Liu et al.: 0.5 ordinary, 1 isolated at once) is at least
  ``FOREST_SCORE``. scikit-learn's ``contamination="auto"`` threshold of 0.5 flags a third of a
  plain age column, because in one dimension most values score a little above 0.5.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mdg_core.column_kinds import kind_of
from mdg_core.profiling.overview import readable

IQR_K = 1.5
Z_LIMIT = 3.0
FOREST_SCORE = 0.75
FOREST_ROWS = 5_000
PLOT_POINTS = 3_000
IQR_LABEL = f"IQR ({IQR_K:g}×)"
Z_LABEL = f"z-score (>{Z_LIMIT:g})"
FOREST_LABEL = f"IsolationForest (score ≥ {FOREST_SCORE:g})"
METHODS_NOTE = (
    f"{IQR_LABEL}: values outside Q1 − {IQR_K:g}·IQR … Q3 + {IQR_K:g}·IQR (Tukey's fences). "
    f"{Z_LABEL}: more than {Z_LIMIT:g} standard deviations from the mean. "
    f"{FOREST_LABEL}: anomaly score of at least {FOREST_SCORE:g} (0.5 = ordinary, 1 = isolated at once) "
    f"from 100 trees fitted on a seeded sample of up to {FOREST_ROWS:,} values."
)


@dataclass
class ColumnOutliers:
    column: str
    n: int
    iqr: int | None  # None where the IQR is 0 and the fences say nothing
    zscore: int
    isolation_forest: int | None
    lower_fence: float
    upper_fence: float
    minimum: float = float("nan")
    maximum: float = float("nan")

    @property
    def fences(self) -> str:
        """The IQR fences as an analyst reads them: a fence beyond every value is said to be so."""
        if self.iqr is None or not np.isfinite(self.lower_fence):
            return "–"
        low = f"below {readable(self.lower_fence)}" if self.lower_fence > self.minimum else "none below"
        high = f"above {readable(self.upper_fence)}" if self.upper_fence < self.maximum else "none above"
        return f"{low} · {high}"

    @property
    def note(self) -> str:
        if self.iqr is None and self.n:
            return (f"IQR is 0: at least half the values are {readable(self.lower_fence)}, so the fences would "
                    "flag every other value")
        return ""


def iqr_fences(values: np.ndarray, k: float = IQR_K) -> tuple[float, float]:
    q1, q3 = np.nanpercentile(values, [25, 75])
    iqr = q3 - q1
    return float(q1 - k * iqr), float(q3 + k * iqr)


def isolation_forest_count(values: np.ndarray, seed: int = 0, threshold: float = FOREST_SCORE) -> int:
    """Values whose IsolationForest anomaly score is at least ``threshold``.

    The forest is fitted on a seeded sample; every distinct value is then scored once (in one
    dimension the score depends on the value only), so the count is exact for the whole column.
    """
    from sklearn.ensemble import IsolationForest

    rng = np.random.default_rng(seed)
    sample = values if len(values) <= FOREST_ROWS else rng.choice(values, FOREST_ROWS, replace=False)
    forest = IsolationForest(n_estimators=100, random_state=seed).fit(sample.reshape(-1, 1))
    distinct, counts = np.unique(values, return_counts=True)
    scores = -forest.score_samples(distinct.reshape(-1, 1))
    return int(counts[scores >= threshold].sum())


def numeric_columns(df: pd.DataFrame) -> list[str]:
    return [str(c) for c in df.columns if kind_of(df[c]).numeric and df[c].nunique() > 2]


def column_outliers(df: pd.DataFrame, column: str, forest: bool = True, seed: int = 0) -> ColumnOutliers:
    series = df[column]
    if pd.api.types.is_timedelta64_dtype(series.dtype):
        series = series.dt.total_seconds()
    values = series.to_numpy(dtype="float64", na_value=np.nan)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return ColumnOutliers(column, 0, 0, 0, 0 if forest else None, float("nan"), float("nan"))
    lo, hi = iqr_fences(values)
    std = values.std()
    z = np.abs(values - values.mean()) / std if std > 0 else np.zeros_like(values)
    return ColumnOutliers(
        column=column, n=int(values.size),
        iqr=int(((values < lo) | (values > hi)).sum()) if hi > lo else None,
        zscore=int((z > Z_LIMIT).sum()),
        isolation_forest=isolation_forest_count(values, seed) if forest and values.size >= 10 else None,
        lower_fence=lo, upper_fence=hi, minimum=float(values.min()), maximum=float(values.max()),
    )


def outlier_table(df: pd.DataFrame, forest: bool = True, seed: int = 0) -> pd.DataFrame:
    """One row per numeric column: outlier counts by IQR, z-score and IsolationForest, thresholds in the headers."""
    rows = []
    for c in numeric_columns(df):
        o = column_outliers(df, c, forest, seed)
        rows.append({"Column": c, "Values": o.n, IQR_LABEL: o.iqr, Z_LABEL: o.zscore, FOREST_LABEL: o.isolation_forest,
                     "IQR fences": o.fences, "Note": o.note})
    table = pd.DataFrame(rows)
    if not table.empty:
        table[IQR_LABEL] = table[IQR_LABEL].astype("Int64")  # a collapsed IQR is "no count", not NaN
    return table


def box_figure(df: pd.DataFrame, column: str, seed: int = 0) -> object:
    """A box plot with the outlying points drawn (on a seeded sample of at most a few thousand)."""
    import plotly.graph_objects as go

    from mdg_core.profiling.overview import chart_layout

    values = df[column].dropna()
    if len(values) > PLOT_POINTS:
        values = values.sample(PLOT_POINTS, random_state=seed)
    fig = go.Figure(go.Box(x=values.astype(float), name=column, boxpoints="outliers", marker_color="#4C78A8",
                           orientation="h"))
    fig.update_layout(height=200, showlegend=False, **chart_layout(column))
    return fig
