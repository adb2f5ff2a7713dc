"""Flag identifier-like columns (almost every value unique) and take them out of modelling data.

``id_reason`` is the one test of "identifier-like" for every rule: the engine puts such columns in
``Facts.ids`` and no rule imputes, scales, bins, caps or encodes them (a filled-in ID would be a
duplicate ID; a scaled row number means nothing).
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from mdg_core.features.base import Facts, Rule, Suggestion, q

UNIQUE_SHARE = 0.95
NAMED_SHARE = 0.8
MIN_DISTINCT = 20
NAME_RE = re.compile(r"(^|[_\s])(id|uuid|guid|key|code|number|no)$|^id[_\s]|Id$|^(row|index|idx|rownames)$",
                     re.IGNORECASE)


def id_reason(c: Any) -> str | None:
    """Why a column (its overview facts) is identifier-like, or None: whole numbers or text, more than
    20 values, and ≥ 95 % of them distinct (≥ 80 % when the name says it is an identifier)."""
    if c.n_distinct <= MIN_DISTINCT:
        return None
    integer = c.kind == "numeric" and "int" in c.dtype.lower()
    texty = c.kind in ("text", "category") and (c.numeric_text_share or 0) < 0.95 and (c.date_text_share or 0) < 0.95
    named = bool(NAME_RE.search(c.name))
    share = c.distinct_share
    if not (integer or texty) or not (share >= UNIQUE_SHARE or (named and share >= NAMED_SHARE)):
        return None
    why = f"{share:.1%} of {c.n_distinct:,} non-missing values are unique"
    return why + "; the name says it is an identifier" if named else why


class FlagId(Rule):
    name = "flag_id"
    title = "ID-like column: drop from modelling data"
    explanation = ("Identifiers are unique per row: a model can memorise them and they do not generalise. "
                   "Drop them from the modelling table (the original dataset keeps them).")

    def detect(self, df: pd.DataFrame, facts: Facts) -> list[Suggestion]:
        return [self.suggestion([c.name], id_reason(c) or "", {}) for c in facts.overview.columns
                if c.name in facts.ids and c.name != facts.target]

    def code(self, columns: list[str], params: dict[str, Any]) -> str:
        return f"df = df.drop(columns={q(columns)})"
