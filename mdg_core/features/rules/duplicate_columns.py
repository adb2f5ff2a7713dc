"""Drop a column that duplicates another: the same information recoded one to one (education ↔ education-num).

Two columns duplicate each other when every value of one goes with exactly one value of the other and
back (missing counts as a value). Keeping both adds nothing for a model, and a generator that learns
them separately writes rows that contradict themselves ("12th" with education-num 9). Identifier-like
columns are left out: any two all-distinct columns pair up one to one without meaning the same thing.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from mdg_core.features.base import Facts, Suggestion, SuggestionRule, q
from mdg_core.profiling.overview import EMPTY, NESTED

MAX_LEVELS = 1_000
MAX_DISTINCT_SHARE = 0.5
MIN_ROWS = 20


def _codes(series: pd.Series) -> np.ndarray:
    """Integer codes of a column's values, missing values being one more code."""
    codes, uniques = pd.factorize(series.astype("object"), use_na_sentinel=True)
    return np.where(codes < 0, len(uniques), codes)


def one_to_one(a: pd.Series, b: pd.Series) -> bool:
    """True when the values of ``a`` and ``b`` pair up one to one over all rows."""
    ca, cb = _codes(a), _codes(b)
    na, nb = int(ca.max()) + 1, int(cb.max()) + 1
    return na == nb and len(np.unique(ca.astype("int64") * nb + cb)) == na


def _pairs_example(df: pd.DataFrame, keep: str, drop: str) -> str:
    top = df[[keep, drop]].dropna().value_counts().head(2)
    return ", ".join(f"{k} ↔ {d}" for (k, d) in top.index)


class DuplicateColumns(SuggestionRule):
    name = "duplicate_columns"
    title = "Drop a column that duplicates another"
    explanation = ("Each value of one column goes with exactly one value of the other, so they hold the same "
                   "information twice. Keeping one avoids double weight in models and contradictory rows in "
                   "synthetic data. Choose which one to drop; the other stays as it is.")

    def detect(self, df: pd.DataFrame, facts: Facts) -> list[Suggestion]:
        if len(df) < MIN_ROWS:
            return []
        candidates = [c for c in facts.overview.columns if c.kind not in (EMPTY, NESTED) and c.name not in facts.ids
                      and 2 <= c.n_distinct <= MAX_LEVELS and c.distinct_share <= MAX_DISTINCT_SHARE]
        by_levels: dict[int, list[Any]] = {}
        for c in candidates:
            by_levels.setdefault(c.n_distinct + (1 if c.n_missing else 0), []).append(c)
        dropped: set[str] = set()
        out = []
        for group in by_levels.values():
            for a, b in combinations(group, 2):
                if a.name in dropped or b.name in dropped or not one_to_one(df[a.name], df[b.name]):
                    continue
                keep, drop = (b, a) if a.name == facts.target else (a, b)
                dropped.add(drop.name)
                s = self.suggestion(
                    [keep.name, drop.name],
                    f"'{drop.name}' recodes '{keep.name}' one to one: each of the {keep.n_distinct:,} values has "
                    f"exactly one partner ({_pairs_example(df, keep.name, drop.name)}, …)", {"drop": drop.name})
                s.options = {"drop": [drop.name, keep.name]}
                out.append(s)
        return out

    def code(self, columns: list[str], params: dict[str, Any]) -> str:
        return f"df = df.drop(columns=[{q(params['drop'])}])"
