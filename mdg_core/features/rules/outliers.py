"""Cap outliers at fences (IQR or z-score), where values lie far out; IsolationForest adds evidence.

The fences the text names are the fences the code uses (Q1 − 3·IQR … Q3 + 3·IQR, Tukey's "far out"
values), and the evidence counts the values that the step's own code changes (``SuggestionRule.changed_cells``).
A column whose quartiles coincide (Q1 = Q3: at least half its values are one value, such as a
zero-inflated amount) is never capped: its fences would collapse onto that value and wipe out the
column.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from mdg_core.column_kinds import NUMBERS
from mdg_core.features.base import Facts, Suggestion, SuggestionRule, finite_numbers, fmt, q
from mdg_core.profiling.outliers import FOREST_LABEL, iqr_fences, isolation_forest_count

EXTREME_K = 3.0
FAR_K = 6.0
MAX_SHARE = 0.05
Z_LIMIT = 3.0


class CapOutliers(SuggestionRule):
    name = "cap_outliers"
    title = "Cap outliers"
    explanation = ("Extreme values dominate means, variances and many models. Capping (winsorising) moves values "
                   f"beyond the fences onto the fences and keeps every row. IQR fences are Q1 − {EXTREME_K:g}·IQR and "
                   f"Q3 + {EXTREME_K:g}·IQR (Tukey's 'far out' values); z-score fences are mean ± {Z_LIMIT:g}·std. "
                   "Columns where half the values or more are one value are never capped.")
    options = {"method": ["iqr", "zscore"]}

    def detect(self, df: pd.DataFrame, facts: Facts) -> list[Suggestion]:
        out = []
        for c in facts.overview.columns:
            if c.kind not in NUMBERS or c.n_distinct <= 20 \
                    or facts.keep_values(c.name):
                continue
            values = finite_numbers(df, c.name)
            params = self.fit(df, [c.name], {"method": "iqr"})
            if params["collapsed"]:
                continue
            far_lo, far_hi = iqr_fences(values, FAR_K)  # a long tail is not an outlier; a value far out is
            if not ((values < far_lo) | (values > far_hi)).any():
                continue
            changed = self.changed_cells(df, c.name, params)
            if changed == 0 or changed > MAX_SHARE * len(values):
                continue
            forest = isolation_forest_count(values)
            lo, hi = params["lower"], params["upper"]
            sides = " and ".join(([f"below {fmt(lo)}"] if lo > values.min() else []) +
                                 ([f"above {fmt(hi)}"] if hi < values.max() else []))
            out.append(self.suggestion(
                [c.name], f"{changed:,} values beyond {EXTREME_K:g}×IQR ({sides}) are moved onto "
                f"{'the fences' if ' and ' in sides else 'the fence'} (range {fmt(values.min())} … {fmt(values.max())}); {FOREST_LABEL} flags {forest:,}", params))
        return out

    def fit(self, df: pd.DataFrame, columns: list[str], params: dict[str, Any]) -> dict[str, Any]:
        values = finite_numbers(df, columns[0])
        method = params.get("method", "iqr")
        if not len(values):
            return {"method": method, "lower": 0.0, "upper": 0.0, "collapsed": True}
        q1, q3 = np.percentile(values, [25, 75])
        if method == "zscore":
            mean, std = float(values.mean()), float(values.std())
            lo, hi = mean - Z_LIMIT * std, mean + Z_LIMIT * std
        else:
            lo, hi = iqr_fences(values, EXTREME_K)
        collapsed = bool(q3 <= q1) and method == "iqr"
        if collapsed:  # fences on one value would overwrite every other value: cap nothing
            lo, hi = float(values.min()), float(values.max())
        return {"method": method, "lower": float(lo), "upper": float(hi), "collapsed": collapsed}

    def code(self, columns: list[str], params: dict[str, Any]) -> str:
        c = columns[0]
        return f"df[{q(c)}] = df[{q(c)}].astype('float64').clip(lower={q(params['lower'])}, upper={q(params['upper'])})"
