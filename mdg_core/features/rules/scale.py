"""Standardise numbers whose scale dwarfs the others (z = (x − mean) / std)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from mdg_core.features.base import Facts, Suggestion, SuggestionRule, finite_numbers, fmt, q

LARGE_STD = 1_000.0
RATIO = 100.0


class Standardize(SuggestionRule):
    name = "scale"
    title = "Standardise a large-scale column"
    group = "model"
    explanation = ("Distance- and gradient-based models (k-NN, k-means, SVMs, neural nets, regularised "
                   "regressions) let a column with a huge scale drown the others; standardising gives it mean 0 "
                   "and standard deviation 1.")
    options = {"method": ["standard", "minmax"]}

    def detect(self, df: pd.DataFrame, facts: Facts) -> list[Suggestion]:
        numeric = [(c, float(c.std)) for c in facts.overview.columns if c.numeric and c.std
                   and c.n_distinct > 2 and not c.dtype.startswith("timedelta") and not facts.keep_values(c.name)]
        if len(numeric) < 2:
            return []
        smallest, small_std = min(numeric, key=lambda cs: cs[1])
        out = []
        for c, std in numeric:
            if std >= LARGE_STD and std >= RATIO * small_std:
                params = self.fit(df, [c.name], {"method": "standard"})
                out.append(self.suggestion([c.name], f"std {fmt(std)} is {std / small_std:,.0f}× that of "
                                           f"'{smallest.name}' (std {fmt(small_std)})", params))
        return out

    def fit(self, df: pd.DataFrame, columns: list[str], params: dict[str, Any]) -> dict[str, Any]:
        values = finite_numbers(df, columns[0])
        method = params.get("method", "standard")
        if method == "minmax":
            lo, hi = float(values.min()), float(values.max())
            return {"method": method, "center": lo, "scale": (hi - lo) or 1.0}
        std = float(values.std(ddof=0))
        return {"method": method, "center": float(values.mean()), "scale": std or 1.0}

    def code(self, columns: list[str], params: dict[str, Any]) -> str:
        c = columns[0]
        return f"df[{q(c)}] = (df[{q(c)}].astype('float64') - {q(params['center'])}) / {q(params['scale'])}"
