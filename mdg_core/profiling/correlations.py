"""Associations between columns of any type, on one 0–1 (or −1–1) scale for one heatmap.

- numeric × numeric: Pearson or Spearman correlation;
- categorical × categorical: bias-corrected Cramér's V (Bergsma 2013);
- numeric × categorical: the correlation ratio η (how much of the numeric variance the groups explain).

Computed on a seeded row sample (exact enough for a heatmap, fast for any table size); categorical
columns with too many levels (IDs, free text) are left out because every measure is meaningless there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mdg_core.column_kinds import ColumnKind, kind_of

MAX_ROWS = 20_000
MAX_LEVELS = 50
METHODS = ("pearson", "spearman")


@dataclass
class Associations:
    """A square matrix of associations and, per pair type, the measure used."""

    matrix: pd.DataFrame
    measures: dict[str, str]
    skipped: list[str]
    n_rows_used: int


def _is_categorical(series: pd.Series) -> bool:
    kind = kind_of(series)
    if kind == ColumnKind.BOOLEAN or isinstance(series.dtype, pd.CategoricalDtype):
        return True
    if kind in (ColumnKind.CATEGORY, ColumnKind.TEXT):
        return bool(series.nunique(dropna=True) <= MAX_LEVELS)
    return False


def cramers_v(x: pd.Series, y: pd.Series) -> float:
    """Bias-corrected Cramér's V between two categorical series (pairs with a missing value dropped)."""
    mask = x.notna() & y.notna()
    table = pd.crosstab(x[mask], y[mask]).to_numpy(dtype=float)
    n = table.sum()
    if n == 0 or min(table.shape) < 2:
        return 0.0
    expected = table.sum(1, keepdims=True) @ table.sum(0, keepdims=True) / n
    chi2 = float(((table - expected) ** 2 / np.where(expected == 0, 1, expected)).sum())
    phi2 = chi2 / n
    r, k = table.shape
    phi2c = max(0.0, phi2 - (k - 1) * (r - 1) / max(1, n - 1))
    rc = r - (r - 1) ** 2 / max(1, n - 1)
    kc = k - (k - 1) ** 2 / max(1, n - 1)
    denom = min(kc - 1, rc - 1)
    return float(np.sqrt(phi2c / denom)) if denom > 0 else 0.0


def correlation_ratio(categories: pd.Series, values: pd.Series) -> float:
    """η: the square root of the share of the numeric variance explained by the categories."""
    mask = categories.notna() & values.notna()
    cats = categories[mask].astype(str)
    vals = values[mask].astype(float)
    if vals.empty:
        return 0.0
    total = float(((vals - vals.mean()) ** 2).sum())
    if total == 0:
        return 0.0
    grouped = vals.groupby(cats.to_numpy())
    between = float((grouped.count() * (grouped.mean() - vals.mean()) ** 2).sum())
    return float(np.sqrt(between / total))


def _as_float(s: pd.Series) -> pd.Series:
    """Numbers (durations as seconds, nullable ints with NaN) as plain floats."""
    if pd.api.types.is_timedelta64_dtype(s.dtype):
        return s.dt.total_seconds()
    return pd.to_numeric(s, errors="coerce").astype("float64")


def associations(df: pd.DataFrame, method: str = "pearson", max_rows: int = MAX_ROWS, seed: int = 0) -> Associations:
    """The association matrix of every usable column (numeric and low-cardinality categorical)."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}")
    sample = df.sample(max_rows, random_state=seed) if len(df) > max_rows else df
    numeric, categorical, skipped = [], [], []
    for name in sample.columns:
        s = sample[name]
        kind = kind_of(s)
        try:
            levels = s.nunique(dropna=True)
        except TypeError:  # lists or dicts in cells: no association is defined
            skipped.append(str(name))
            continue
        if s.notna().sum() < 3 or levels < 2:
            skipped.append(str(name))
        elif kind.numeric:
            numeric.append(name)
        elif _is_categorical(s):
            categorical.append(name)
        else:
            skipped.append(str(name))
    cols = numeric + categorical
    mat = pd.DataFrame(np.eye(len(cols)), index=[str(c) for c in cols], columns=[str(c) for c in cols])
    num = pd.DataFrame({c: _as_float(sample[c]) for c in numeric}, index=sample.index)
    if numeric:
        corr = num.corr(method=method)
        mat.loc[[str(c) for c in numeric], [str(c) for c in numeric]] = corr.to_numpy()
    for i, a in enumerate(categorical):
        for b in categorical[i + 1:]:
            v = cramers_v(sample[a], sample[b])
            mat.loc[str(a), str(b)] = mat.loc[str(b), str(a)] = v
        for n in numeric:
            v = correlation_ratio(sample[a], num[n])
            mat.loc[str(a), str(n)] = mat.loc[str(n), str(a)] = v
    measures = {"numeric × numeric": method.capitalize(), "categorical × categorical": "Cramér's V",
                "numeric × categorical": "correlation ratio η"}
    return Associations(mat.fillna(0.0), measures, skipped, len(sample))


def heatmap(assoc: Associations, height: int | None = None) -> object:
    """A plotly heatmap of the matrix (−1…1 scale, values printed when the matrix is small)."""
    import plotly.graph_objects as go

    m = assoc.matrix
    n = len(m)
    fig = go.Figure(go.Heatmap(
        z=m.to_numpy(), x=list(m.columns), y=list(m.index), zmin=-1, zmax=1, colorscale="RdBu",
        reversescale=True, text=np.round(m.to_numpy(), 2) if n <= 15 else None,
        texttemplate="%{text}" if n <= 15 else None, hovertemplate="%{y} × %{x}: %{z:.3f}<extra></extra>",
    ))
    size = height or max(320, min(900, 40 * n + 120))
    fig.update_layout(height=size, margin=dict(l=10, r=10, t=10, b=10), yaxis_autorange="reversed")
    return fig
