"""Encode categories by cardinality: one-hot up to 20 levels, target-free frequency encoding above.

The target column is never encoded here: a model predicts its levels, it does not take them as inputs.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from mdg_core.column_kinds import WORDS
from mdg_core.features.base import Facts, Suggestion, SuggestionRule, q

ONE_HOT_MAX = 20
FREQ_MAX_SHARE = 0.5
FREQ_MAX_LEVELS = 5_000


def _categorical(facts: Facts) -> list[Any]:
    return [c for c in facts.overview.columns if c.kind in WORDS and c.name not in facts.pii_columns
            and (c.numeric_text_share or 0) < 0.95 and (c.date_text_share or 0) < 0.95 and c.n_distinct >= 2
            and not facts.keep_values(c.name)]


class OneHot(SuggestionRule):
    name = "one_hot"
    title = "One-hot encode a low-cardinality category"
    group = "model"
    explanation = ("Most models need numbers; one indicator column per level (0/1) encodes a category without "
                   "inventing an order. Levels not seen when the recipe was made get all zeros.")

    def detect(self, df: pd.DataFrame, facts: Facts) -> list[Suggestion]:
        return [self.suggestion([c.name], f"{c.n_distinct} levels (≤ {ONE_HOT_MAX})", self.fit(df, [c.name], {}))
                for c in _categorical(facts) if c.n_distinct <= ONE_HOT_MAX]

    def fit(self, df: pd.DataFrame, columns: list[str], params: dict[str, Any]) -> dict[str, Any]:
        levels = sorted({str(v) for v in df[columns[0]].dropna().unique()})
        return {"levels": levels}

    def code(self, columns: list[str], params: dict[str, Any]) -> str:
        c = columns[0]
        return (f"_s = df[{q(c)}].astype('object').where(df[{q(c)}].notna()).astype(str)\n"
                f"for _level in {q(params['levels'])}:\n"
                f"    df[{q(c)} + '=' + _level] = (_s == _level).astype('int8')\n"
                f"df = df.drop(columns=[{q(c)}])")


class FrequencyEncode(SuggestionRule):
    name = "frequency_encode"
    title = "Frequency-encode a category with many levels"
    group = "model"
    explanation = ("With many levels one-hot explodes the width; replacing each level by its share of rows is "
                   "compact and uses no target, so it cannot leak the label. Unseen levels become 0.")

    def detect(self, df: pd.DataFrame, facts: Facts) -> list[Suggestion]:
        out = []
        for c in _categorical(facts):
            if ONE_HOT_MAX < c.n_distinct <= FREQ_MAX_LEVELS and c.distinct_share <= FREQ_MAX_SHARE:
                out.append(self.suggestion([c.name], f"{c.n_distinct:,} levels (> {ONE_HOT_MAX})",
                                           self.fit(df, [c.name], {})))
        return out

    def fit(self, df: pd.DataFrame, columns: list[str], params: dict[str, Any]) -> dict[str, Any]:
        shares = df[columns[0]].astype("object").astype(str).where(df[columns[0]].notna()).value_counts(normalize=True)
        return {"shares": {str(k): round(float(v), 8) for k, v in shares.items()}}

    def code(self, columns: list[str], params: dict[str, Any]) -> str:
        c = columns[0]
        return (f"_shares = {q(params['shares'])}\n"
                f"df[{q(c)}] = df[{q(c)}].astype('object').where(df[{q(c)}].notna()).astype(str)"
                f".map(_shares).astype('float64').fillna(0.0)")
