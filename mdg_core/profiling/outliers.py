"""Outliers per numeric column, by three methods side by side, so the analyst sees how they agree.

- IQR: outside [Q1 − k·IQR, Q3 + k·IQR] (Tukey's fences, k = 1.5);
- z-score: |x − mean| / std above 3;
- IsolationForest: scikit-learn's tree-based detector fitted on the column (seeded, on a sample).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mdg_core.profiling.overview import column_kind

IQR_K = 1.5
Z_LIMIT = 3.0
FOREST_ROWS = 5_000
PLOT_POINTS = 3_000


@dataclass
class ColumnOutliers:
    column: str
    n: int
    iqr: int
    zscore: int
    isolation_forest: int | None
    lower_fence: float
    upper_fence: float


def iqr_fences(values: np.ndarray, k: float = IQR_K) -> tuple[float, float]:
    q1, q3 = np.nanpercentile(values, [25, 75])
    iqr = q3 - q1
    return float(q1 - k * iqr), float(q3 + k * iqr)


def isolation_forest_count(values: np.ndarray, seed: int = 0) -> int:
    """Cells the IsolationForest flags, scaled from a sample to the whole column."""
    from sklearn.ensemble import IsolationForest

    rng = np.random.default_rng(seed)
    sample = values if len(values) <= FOREST_ROWS else rng.choice(values, FOREST_ROWS, replace=False)
    forest = IsolationForest(n_estimators=100, contamination="auto", random_state=seed)
    flags = forest.fit(sample.reshape(-1, 1)).predict(sample.reshape(-1, 1)) == -1
    return int(round(flags.mean() * len(values)))


def numeric_columns(df: pd.DataFrame) -> list[str]:
    return [str(c) for c in df.columns if column_kind(df[c]) == "numeric" and df[c].nunique() > 2]


def column_outliers(df: pd.DataFrame, column: str, forest: bool = True, seed: int = 0) -> ColumnOutliers:
    values = df[column].to_numpy(dtype="float64", na_value=np.nan)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return ColumnOutliers(column, 0, 0, 0, 0 if forest else None, float("nan"), float("nan"))
    lo, hi = iqr_fences(values)
    std = values.std()
    z = np.abs(values - values.mean()) / std if std > 0 else np.zeros_like(values)
    return ColumnOutliers(
        column=column, n=int(values.size), iqr=int(((values < lo) | (values > hi)).sum()),
        zscore=int((z > Z_LIMIT).sum()),
        isolation_forest=isolation_forest_count(values, seed) if forest and values.size >= 10 else None,
        lower_fence=lo, upper_fence=hi,
    )


def outlier_table(df: pd.DataFrame, forest: bool = True, seed: int = 0) -> pd.DataFrame:
    """One row per numeric column: outlier counts by IQR, z-score and IsolationForest."""
    rows = []
    for c in numeric_columns(df):
        o = column_outliers(df, c, forest, seed)
        rows.append({"Column": c, "Values": o.n, "IQR (1.5×)": o.iqr, "z-score (>3)": o.zscore,
                     "IsolationForest": o.isolation_forest, "Lower fence": o.lower_fence,
                     "Upper fence": o.upper_fence})
    return pd.DataFrame(rows)


def box_figure(df: pd.DataFrame, column: str, seed: int = 0) -> object:
    """A box plot with the outlying points drawn (on a seeded sample of at most a few thousand)."""
    import plotly.graph_objects as go

    values = df[column].dropna()
    if len(values) > PLOT_POINTS:
        values = values.sample(PLOT_POINTS, random_state=seed)
    fig = go.Figure(go.Box(x=values.astype(float), name=column, boxpoints="outliers", marker_color="#4C78A8",
                           orientation="h"))
    fig.update_layout(height=200, margin=dict(l=10, r=10, t=30, b=10), title=dict(text=column, font_size=13),
                      showlegend=False)
    return fig
