"""Quantile bins for a skewed number: a robust ordinal feature next to the original column."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from mdg_core.features.base import Facts, Suggestion, SuggestionRule, finite_numbers, q
from mdg_core.features.rules.skew import _skewed

N_BINS = 5


class QuantileBins(SuggestionRule):
    name = "bin"
    title = "Bin a skewed column into quantiles"
    group = "model"
    explanation = ("Equal-frequency bins (quintiles) turn a long-tailed number into 5 ordered groups of similar "
                   "size, which is robust to extreme values. Adds <column>_bin (0…4) and keeps the original.")
    options = {"bins": [4, 5, 10]}

    def detect(self, df: pd.DataFrame, facts: Facts) -> list[Suggestion]:
        out = []
        for c in _skewed(facts):
            params = self.fit(df, [c.name], {"bins": N_BINS})
            if len(params["edges"]) >= 3:
                out.append(self.suggestion([c.name], f"skew {c.skew:.1f}; {len(params['edges']) - 1} quantile bins",
                                           params))
        return out

    def fit(self, df: pd.DataFrame, columns: list[str], params: dict[str, Any]) -> dict[str, Any]:
        n = int(params.get("bins", N_BINS))
        values = finite_numbers(df, columns[0])
        edges = sorted(set(float(e) for e in np.quantile(values, np.linspace(0, 1, n + 1)))) if len(values) else []
        if len(edges) >= 2:
            edges[0], edges[-1] = -np.inf, np.inf
        return {"bins": n, "edges": [e if np.isfinite(e) else None for e in edges]}

    def code(self, columns: list[str], params: dict[str, Any]) -> str:
        c = columns[0]
        inner = [e for e in params["edges"] if e is not None]
        return (f"_edges = [-np.inf] + {q(inner)} + [np.inf]\n"
                f"df[{q(c + '_bin')}] = pd.cut(df[{q(c)}].astype('float64'), bins=_edges, labels=False).astype('Int64')")
