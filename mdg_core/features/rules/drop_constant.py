"""Drop columns that carry no information: constant, or missing in every row."""

from __future__ import annotations

from typing import Any

import pandas as pd

from mdg_core.features.base import Facts, Suggestion, SuggestionRule, q
from mdg_core.profiling.overview import EMPTY


class DropConstant(SuggestionRule):
    name = "drop_constant"
    title = "Drop constant / empty column"
    explanation = "A column with a single value (or none) cannot explain anything and only adds noise and width."

    def detect(self, df: pd.DataFrame, facts: Facts) -> list[Suggestion]:
        out = []
        for c in facts.overview.columns:
            if c.kind == EMPTY:
                out.append(self.suggestion([c.name], f"missing in all {facts.overview.n_rows:,} rows", {}))
            elif c.n_distinct == 1 and c.n_missing == 0:
                value = c.top[0][0] if c.top else c.min
                out.append(self.suggestion([c.name], f"1 distinct value ({value}) in every row", {}))
        return out

    def code(self, columns: list[str], params: dict[str, Any]) -> str:
        return f"df = df.drop(columns={q(columns)})"
