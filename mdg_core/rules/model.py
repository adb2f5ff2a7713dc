"""Rules the synthetic rows must obey: a column inequality, a fixed combination, a value range.

Each rule checks a DataFrame and returns the rows that break it; rules travel as small dicts
(stored with the dataset, passed to jobs, shown in the UI).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from mdg_core.errors import InvalidParameterError
from mdg_core.jsonable import jsonable


@dataclass(frozen=True)
class Rule:
    kind: ClassVar[str] = ""

    def columns(self) -> list[str]:
        raise NotImplementedError

    def violations(self, df: pd.DataFrame) -> pd.Series:
        """True for each row that breaks the rule (missing values never break it)."""
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        raise NotImplementedError

    def check_columns(self, available: list[str]) -> None:
        missing = [c for c in self.columns() if c not in available]
        if missing:
            raise InvalidParameterError(f"Rule '{self.describe()}' uses unknown column(s): {', '.join(missing)}.")


@dataclass(frozen=True)
class Inequality(Rule):
    """``low`` ≤ ``high`` (or < when strict), e.g. start date ≤ end date."""

    low: str
    high: str
    strict: bool = False
    kind: ClassVar[str] = "inequality"

    def columns(self) -> list[str]:
        return [self.low, self.high]

    def violations(self, df: pd.DataFrame) -> pd.Series:
        low, high = df[self.low], df[self.high]
        both = low.notna() & high.notna()
        ok = (low < high) if self.strict else (low <= high)
        return (both & ~ok.fillna(True).astype(bool)).astype(bool)

    def describe(self) -> str:
        return f"{self.low} {'<' if self.strict else '≤'} {self.high}"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "low": self.low, "high": self.high, "strict": self.strict}


@dataclass(frozen=True)
class FixedCombination(Rule):
    """Only the combinations of these columns that occur in the real data (city ↔ country)."""

    column_names: tuple[str, ...]
    allowed: frozenset[tuple[Any, ...]] = frozenset()
    kind: ClassVar[str] = "fixed_combination"

    def columns(self) -> list[str]:
        return list(self.column_names)

    def learn(self, real: pd.DataFrame) -> FixedCombination:
        """The same rule with the real combinations recorded."""
        combos = real[list(self.column_names)].dropna().drop_duplicates()
        return FixedCombination(tuple(self.column_names), frozenset(_tuples(combos)))

    def violations(self, df: pd.DataFrame) -> pd.Series:
        sub = df[list(self.column_names)]
        complete = sub.notna().all(axis=1)
        if not self.allowed:
            return pd.Series(False, index=df.index)
        inside = pd.Series([t in self.allowed for t in _tuples(sub)], index=df.index)
        return (complete & ~inside).astype(bool)

    def describe(self) -> str:
        return " ↔ ".join(self.column_names) + " (combinations from the real data)"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "columns": list(self.column_names)}


@dataclass(frozen=True)
class ValueRange(Rule):
    """``min`` ≤ column ≤ ``max`` (either bound may be open)."""

    column: str
    min: Any = None
    max: Any = None
    kind: ClassVar[str] = "range"

    def columns(self) -> list[str]:
        return [self.column]

    def violations(self, df: pd.DataFrame) -> pd.Series:
        s = df[self.column]
        bad = pd.Series(False, index=df.index)
        lo, hi = _bound(self.min, s), _bound(self.max, s)
        if lo is not None:
            bad |= (s < lo).fillna(False).astype(bool)
        if hi is not None:
            bad |= (s > hi).fillna(False).astype(bool)
        return bad

    def describe(self) -> str:
        lo = "−∞" if self.min is None else _bound_text(self.min, self.column)
        hi = "∞" if self.max is None else _bound_text(self.max, self.column)
        return f"{lo} ≤ {self.column} ≤ {hi}"

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "column": self.column, "min": jsonable(self.min), "max": jsonable(self.max)}


def _bound_text(value: Any, column: str) -> str:
    """A bound as a reader writes it: ``5.76313``, not ``5.76312762749814``; ``2003`` in a year column."""
    from mdg_core.column_kinds import names_a_year
    from mdg_core.profiling.overview import readable

    if isinstance(value, float | np.floating) and np.isfinite(value):
        return readable(float(value), 6, year=names_a_year(column))
    return str(value)


def _bound(value: Any, s: pd.Series) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return pd.Timestamp(value)
    if isinstance(value, str) and pd.api.types.is_numeric_dtype(s.dtype):
        try:
            return float(value)
        except ValueError as exc:
            raise InvalidParameterError(f"Range bound '{value}' is not a number.") from exc
    return value


def _tuples(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    return [tuple(jsonable(v) for v in row) for row in frame.itertuples(index=False, name=None)]


def from_dict(data: dict[str, Any]) -> Rule:
    """A rule from its dict form (as stored or sent to a job)."""
    kind = data.get("kind")
    try:
        if kind == Inequality.kind:
            return Inequality(str(data["low"]), str(data["high"]), bool(data.get("strict", False)))
        if kind == FixedCombination.kind:
            cols = tuple(str(c) for c in data["columns"])
            if len(cols) < 2:
                raise InvalidParameterError("A fixed combination needs at least two columns.")
            return FixedCombination(cols)
        if kind == ValueRange.kind:
            if data.get("min") is None and data.get("max") is None:
                raise InvalidParameterError(f"The range rule on '{data['column']}' needs a min or a max.")
            return ValueRange(str(data["column"]), data.get("min"), data.get("max"))
    except KeyError as exc:
        raise InvalidParameterError(f"Rule {data} is missing the field {exc}.") from exc
    raise InvalidParameterError(
        f"Unknown rule kind '{kind}'. Use one of: inequality, fixed_combination, range."
    )


def prepare(rules: list[dict[str, Any]] | list[Rule], real: pd.DataFrame) -> list[Rule]:
    """Rules ready to check: columns validated, fixed combinations learned from the real rows."""
    out: list[Rule] = []
    for item in rules:
        rule = item if isinstance(item, Rule) else from_dict(item)
        rule.check_columns(list(real.columns))
        if isinstance(rule, FixedCombination):
            rule = rule.learn(real)
        out.append(rule)
    return out
