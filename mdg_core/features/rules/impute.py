"""Impute missing values: median for numbers, mode for categories, a constant for mostly-empty text.

Each can add a ``<column>_missing`` indicator so a model still sees where values were missing
(suggested when at least 5 % are missing, where missingness itself is often informative).
Identifier-like columns and the target are never filled: a filled-in ID is a duplicate ID, and a
filled-in label is an invented answer.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from mdg_core.column_kinds import NUMBERS, WORDS, ColumnKind
from mdg_core.features.base import Facts, Suggestion, SuggestionRule, q
from mdg_core.profiling.overview import EMPTY

INDICATOR_FROM = 0.05
CONSTANT_FROM = 0.3
CONSTANT = "(missing)"


def _indicator(column: str, params: dict[str, Any]) -> list[str]:
    return [f"df[{q(column + '_missing')}] = df[{q(column)}].isna()"] if params.get("indicator") else []


class _Impute(SuggestionRule):
    options = {"indicator": [True, False]}

    def wanted(self, c: Any) -> bool:
        raise NotImplementedError

    def detect(self, df: pd.DataFrame, facts: Facts) -> list[Suggestion]:
        out = []
        for c in facts.overview.columns:
            if c.n_missing == 0 or c.kind == EMPTY or facts.keep_values(c.name) or not self.wanted(c):
                continue
            params = self.fit(df, [c.name], {"indicator": c.missing_share >= INDICATOR_FROM})
            out.append(self.suggestion([c.name], f"{c.n_missing:,} missing ({c.missing_share:.1%}); "
                                       f"fill value {params.get('value')!r}", params))
        return out

    def code(self, columns: list[str], params: dict[str, Any]) -> str:
        c = columns[0]
        return "\n".join(_indicator(c, params) + [f"df[{q(c)}] = df[{q(c)}].fillna({q(params['value'])})"])


class ImputeMedian(_Impute):
    name = "impute_median"
    title = "Impute missing numbers with the median"
    explanation = "The median is robust to outliers and skew, unlike the mean."

    def wanted(self, c: Any) -> bool:
        return c.kind in NUMBERS

    def fit(self, df: pd.DataFrame, columns: list[str], params: dict[str, Any]) -> dict[str, Any]:
        s = df[columns[0]]
        median = float(pd.to_numeric(s, errors="coerce").median())
        value: float | int = round(median) if pd.api.types.is_integer_dtype(s.dtype) else median
        return {**params, "value": value}


class ImputeMode(_Impute):
    name = "impute_mode"
    title = "Impute missing categories with the most frequent value"
    explanation = "For a category with a few gaps, the most frequent level is the least surprising fill."

    def wanted(self, c: Any) -> bool:
        if c.kind == ColumnKind.BOOLEAN:
            return True
        return c.kind in WORDS and c.missing_share < CONSTANT_FROM and (c.numeric_text_share or 0) < 0.95

    def fit(self, df: pd.DataFrame, columns: list[str], params: dict[str, Any]) -> dict[str, Any]:
        counts = df[columns[0]].value_counts()
        mode = counts.index[0] if len(counts) else ""
        if hasattr(mode, "item"):
            mode = mode.item()
        if not isinstance(mode, (str, int, float, bool)):
            mode = str(mode)
        return {**params, "value": mode}


class ImputeConstant(_Impute):
    name = "impute_constant"
    title = "Fill mostly-missing categories with an explicit '(missing)' level"
    explanation = ("When a large share is missing, inventing a common value would distort the column; an explicit "
                   "level keeps the information that the value was absent.")

    def wanted(self, c: Any) -> bool:
        return c.kind in WORDS and c.missing_share >= CONSTANT_FROM

    def fit(self, df: pd.DataFrame, columns: list[str], params: dict[str, Any]) -> dict[str, Any]:
        return {**params, "value": params.get("value", CONSTANT)}

    def code(self, columns: list[str], params: dict[str, Any]) -> str:
        c = columns[0]
        return "\n".join(_indicator(c, params) +
                         [f"df[{q(c)}] = df[{q(c)}].astype('object').fillna({q(params['value'])})"])
