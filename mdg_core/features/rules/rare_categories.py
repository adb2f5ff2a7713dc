"""Group rare categories (each under 1 % of rows) into one 'Other' level.

Only where the frequent levels carry the column: when rare levels hold most rows (142 countries at
0.7 % each), grouping them would turn nearly every value into 'Other', so nothing is suggested.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from mdg_core.column_kinds import WORDS
from mdg_core.features.base import Facts, Suggestion, SuggestionRule, q

RARE_SHARE = 0.01
MIN_RARE = 2
MAX_LEVELS = 1000
MAX_GROUPED_ROWS = 0.2  # at most this share of rows may become 'Other'
MIN_KEPT_LEVELS = 2
OTHER = "Other"


class RareCategories(SuggestionRule):
    name = "rare_categories"
    title = "Group rare categories into 'Other'"
    explanation = ("Levels seen a handful of times cannot be learned from and blow up one-hot encodings; grouping "
                   "them keeps the frequent levels as they are.")

    def detect(self, df: pd.DataFrame, facts: Facts) -> list[Suggestion]:
        out = []
        for c in facts.overview.columns:
            if c.kind not in WORDS or c.name in facts.pii_columns or c.distinct_share > 0.5 \
                    or facts.keep_values(c.name):
                continue
            if c.n_distinct < 3 or c.n_distinct > MAX_LEVELS:
                continue
            shares = df[c.name].value_counts(normalize=True)
            rare = shares[shares < RARE_SHARE]
            if len(rare) >= MIN_RARE and rare.sum() <= MAX_GROUPED_ROWS and len(shares) - len(rare) >= MIN_KEPT_LEVELS:
                params = self.fit(df, [c.name], {})
                out.append(self.suggestion(
                    [c.name], f"{len(rare)} of {len(shares)} levels each cover under {RARE_SHARE:.0%} of rows "
                    f"({rare.sum():.1%} of rows together)", params))
        return out

    def fit(self, df: pd.DataFrame, columns: list[str], params: dict[str, Any]) -> dict[str, Any]:
        shares = df[columns[0]].value_counts(normalize=True)
        keep = sorted(str(v) for v in shares[shares >= RARE_SHARE].index)
        return {"keep": keep, "other": OTHER}

    def code(self, columns: list[str], params: dict[str, Any]) -> str:
        c = columns[0]
        return (f"_s = df[{q(c)}].astype('object')\n"
                f"df[{q(c)}] = _s.where(_s.isna() | _s.astype(str).isin({q(params['keep'])}), {q(params['other'])})")
