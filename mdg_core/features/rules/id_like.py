"""Flag identifier-like columns (almost every value unique) and take them out of modelling data.

``id_reason`` (in the profile's overview) is the one test of "identifier-like": ``features.steps`` puts such columns in
``Facts.ids`` and no rule imputes, scales, bins, caps or encodes them (a filled-in ID would be a
duplicate ID; a scaled row number means nothing).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from mdg_core.features.base import Facts, Suggestion, SuggestionRule, q
from mdg_core.profiling.overview import id_reason


class FlagId(SuggestionRule):
    name = "flag_id"
    title = "ID-like column: drop from modelling data"
    explanation = ("Identifiers are unique per row: a model can memorise them and they do not generalise. "
                   "Drop them from the modelling table (the original dataset keeps them).")

    def detect(self, df: pd.DataFrame, facts: Facts) -> list[Suggestion]:
        return [self.suggestion([c.name], id_reason(c) or "", {}) for c in facts.overview.columns
                if c.name in facts.ids and c.name != facts.target]

    def code(self, columns: list[str], params: dict[str, Any]) -> str:
        return f"df = df.drop(columns={q(columns)})"
