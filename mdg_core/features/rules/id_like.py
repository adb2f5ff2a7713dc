"""Flag identifier-like columns (almost every value unique) and take them out of modelling data."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from mdg_core.features.base import Facts, Rule, Suggestion, q

UNIQUE_SHARE = 0.95
NAME_RE = re.compile(r"(^|[_\s])(id|uuid|guid|key|code|number|no)$|^id[_\s]|Id$", re.IGNORECASE)


class FlagId(Rule):
    name = "flag_id"
    title = "ID-like column: drop from modelling data"
    explanation = ("Identifiers are unique per row: a model can memorise them and they do not generalise. "
                   "Drop them from the modelling table (the original dataset keeps them).")

    def detect(self, df: pd.DataFrame, facts: Facts) -> list[Suggestion]:
        out = []
        for c in facts.overview.columns:
            if c.name in facts.pii_columns or c.n_missing == c.n_distinct == 0:
                continue
            integer = c.kind == "numeric" and "int" in c.dtype.lower()
            texty = c.kind in ("text", "category") and (c.numeric_text_share or 0) < 0.95 \
                and (c.date_text_share or 0) < 0.95
            named = bool(NAME_RE.search(c.name))
            share = c.distinct_share
            if (integer or texty) and c.n_distinct > 20 and (share >= UNIQUE_SHARE or (named and share >= 0.8)):
                why = f"{share:.1%} of {c.n_distinct + 0:,} non-missing values are unique"
                if named:
                    why += "; the name says it is an identifier"
                out.append(self.suggestion([c.name], why, {}))
        return out

    def code(self, columns: list[str], params: dict[str, Any]) -> str:
        return f"df = df.drop(columns={q(columns)})"
