"""Heavily skewed numbers: log1p when every value is ≥ 0, otherwise Yeo-Johnson (works with negatives)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from mdg_core.features.base import Facts, Suggestion, SuggestionRule, finite_numbers, fmt, q

SKEW_FROM = 2.0


def _skewed(facts: Facts) -> list[Any]:
    return [c for c in facts.overview.columns if c.numeric and c.skew is not None
            and abs(c.skew) >= SKEW_FROM and c.n_distinct > 10 and not c.dtype.startswith("timedelta")
            and not facts.keep_values(c.name)]


class LogTransform(SuggestionRule):
    name = "log_transform"
    title = "Log-transform a skewed column"
    explanation = "log(1 + x) pulls in a long right tail so that a few large values no longer dominate."

    def detect(self, df: pd.DataFrame, facts: Facts) -> list[Suggestion]:
        return [self.suggestion([c.name], f"skew {c.skew:.1f}, all values ≥ 0 (min {fmt(c.min)})", {})
                for c in _skewed(facts) if c.min is not None and c.min >= 0]

    def code(self, columns: list[str], params: dict[str, Any]) -> str:
        c = columns[0]
        return f"df[{q(c)}] = np.log1p(df[{q(c)}].astype('float64'))"


class YeoJohnson(SuggestionRule):
    name = "yeo_johnson"
    title = "Yeo-Johnson transform a skewed column"
    explanation = ("The Yeo-Johnson power transform (with its λ fitted by maximum likelihood) makes a skewed "
                   "column closer to normal and, unlike a log, accepts negative values.")

    def detect(self, df: pd.DataFrame, facts: Facts) -> list[Suggestion]:
        out = []
        for c in _skewed(facts):
            if c.min is not None and c.min < 0:
                params = self.fit(df, [c.name], {})
                out.append(self.suggestion([c.name], f"skew {c.skew:.1f} with negative values (min {fmt(c.min)}); "
                                           f"fitted λ = {params['lambda']:.3f}", params))
        return out

    def fit(self, df: pd.DataFrame, columns: list[str], params: dict[str, Any]) -> dict[str, Any]:
        from scipy import stats

        values = finite_numbers(df, columns[0])
        if len(values) > 20_000:
            values = np.random.default_rng(0).choice(values, 20_000, replace=False)
        return {"lambda": round(float(stats.yeojohnson_normmax(values)), 6)}

    def code(self, columns: list[str], params: dict[str, Any]) -> str:
        c = columns[0]
        lam = float(params["lambda"])
        pos = "np.log1p(_x)" if abs(lam) < 1e-9 else f"((_x + 1) ** {q(lam)} - 1) / {q(lam)}"
        neg = "-np.log1p(-_x)" if abs(lam - 2) < 1e-9 else f"-((1 - _x) ** {q(2 - lam)} - 1) / {q(2 - lam)}"
        return (f"_x = df[{q(c)}].astype('float64')\n"
                f"df[{q(c)}] = np.where(_x >= 0, {pos}, {neg})\n"
                f"df[{q(c)}] = df[{q(c)}].where(_x.notna())")
