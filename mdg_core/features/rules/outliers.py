"""Cap outliers at fences (IQR or z-score), where extreme values exist; IsolationForest adds evidence."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from mdg_core.features.base import Facts, Rule, Suggestion, fmt, q
from mdg_core.profiling.outliers import iqr_fences, isolation_forest_count

EXTREME_K = 3.0
FAR_K = 6.0
MAX_SHARE = 0.05
Z_LIMIT = 3.0


class CapOutliers(Rule):
    name = "cap_outliers"
    title = "Cap outliers"
    explanation = ("Extreme values dominate means, variances and many models. Capping (winsorising) moves values "
                   "beyond the fences onto the fences and keeps every row. IQR fences are Q1 − 1.5·IQR and "
                   "Q3 + 1.5·IQR; z-score fences are mean ± 3·std.")
    options = {"method": ["iqr", "zscore"]}

    def detect(self, df: pd.DataFrame, facts: Facts) -> list[Suggestion]:
        out = []
        for c in facts.overview.columns:
            if c.kind != "numeric" or c.n_distinct <= 20 or c.dtype.startswith("timedelta"):
                continue
            values = pd.to_numeric(df[c.name], errors="coerce").to_numpy(dtype="float64")
            values = values[np.isfinite(values)]
            lo, hi = iqr_fences(values, EXTREME_K)
            n_extreme = int(((values < lo) | (values > hi)).sum())
            if n_extreme == 0 or n_extreme > MAX_SHARE * len(values):
                continue
            far_lo, far_hi = iqr_fences(values, FAR_K)  # a long tail is not an outlier; a value far out is
            if not ((values < far_lo) | (values > far_hi)).any():
                continue
            forest = isolation_forest_count(values)
            params = self.fit(df, [c.name], {"method": "iqr"})
            out.append(self.suggestion(
                [c.name], f"{n_extreme:,} values beyond 3×IQR (range {fmt(values.min())} … {fmt(values.max())}, "
                f"IQR fences {fmt(params['lower'])} … {fmt(params['upper'])}); IsolationForest flags {forest:,}",
                params))
        return out

    def fit(self, df: pd.DataFrame, columns: list[str], params: dict[str, Any]) -> dict[str, Any]:
        values = pd.to_numeric(df[columns[0]], errors="coerce").to_numpy(dtype="float64")
        values = values[np.isfinite(values)]
        method = params.get("method", "iqr")
        if method == "zscore":
            mean, std = float(values.mean()), float(values.std())
            lo, hi = mean - Z_LIMIT * std, mean + Z_LIMIT * std
        else:
            lo, hi = iqr_fences(values)
        return {"method": method, "lower": float(lo), "upper": float(hi)}

    def code(self, columns: list[str], params: dict[str, Any]) -> str:
        c = columns[0]
        return f"df[{q(c)}] = df[{q(c)}].astype('float64').clip(lower={q(params['lower'])}, upper={q(params['upper'])})"
