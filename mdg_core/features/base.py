"""The shape every feature rule has: detect → explain → fit → code.

A rule is one small class in ``mdg_core/features/rules/``:

- ``detect(df, facts)`` measures the evidence and returns suggestions (columns, why, fitted params);
- ``fit(df, columns, params)`` re-fits the parameters on the table as it is when the step runs (after
  earlier steps), so chained steps stay correct; the fitted values go into the recipe;
- ``code(columns, params)`` renders the pandas code of the step. That code is what runs: ``features.steps``
  executes it (``run``), the page shows it and the exported script contains it, so they can never
  disagree. Evidence that counts what a step changes is measured by ``run`` too.

Parameters are JSON values only, rendered into the code with ``repr`` (so they are literals).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from mdg_core.pii import ColumnPii
from mdg_core.profiling.overview import DatasetOverview, readable


@dataclass(frozen=True)
class Facts:
    """What every rule may consult: the overview (per-column facts), the PII scan, identifier-like
    columns and the target column the analyst models (if any)."""

    overview: DatasetOverview
    pii: dict[str, ColumnPii] = field(default_factory=dict)
    pii_columns: frozenset[str] = frozenset()  # the scans that are strong enough to act on
    ids: frozenset[str] = frozenset()  # identifier-like columns: never imputed, scaled, binned or encoded
    target: str | None = None  # the label a model will predict: never encoded, transformed or filled

    def col(self, name: str) -> Any:
        return self.overview.column(name)

    def keep_values(self, name: str) -> bool:
        """True for columns whose values a modelling step must not change: identifiers and the target."""
        return name in self.ids or name == self.target


@dataclass
class Suggestion:
    """One proposed step: which columns, why (measured), what it does, and the code it runs."""

    id: str
    rule: str
    title: str
    group: str
    columns: list[str]
    evidence: str
    explanation: str
    params: dict[str, Any]
    code: str
    options: dict[str, list[Any]] = field(default_factory=dict)

    def step(self) -> dict[str, Any]:
        return {"id": self.id, "rule": self.rule, "columns": list(self.columns), "params": dict(self.params),
                "evidence": self.evidence}


# The groups the Features page shows suggestions in, in this order; every rule belongs to one.
GROUPS = {"fix": "Fix data problems", "privacy": "Protect personal data", "model": "Prepare for modelling"}


class SuggestionRule:
    """Base class of a rule; subclasses set the class attributes and the four methods."""

    name: ClassVar[str]
    title: ClassVar[str]
    group: ClassVar[str] = "fix"  # a key of GROUPS
    explanation: ClassVar[str] = ""
    options: ClassVar[dict[str, list[Any]]] = {}

    def detect(self, df: pd.DataFrame, facts: Facts) -> list[Suggestion]:
        raise NotImplementedError

    def fit(self, df: pd.DataFrame, columns: list[str], params: dict[str, Any]) -> dict[str, Any]:
        """Parameters re-fitted on ``df``; the default keeps them (for rules with nothing to fit)."""
        return dict(params)

    def code(self, columns: list[str], params: dict[str, Any]) -> str:
        raise NotImplementedError

    def run(self, df: pd.DataFrame, columns: list[str], params: dict[str, Any]) -> pd.DataFrame:
        """Execute this step's code on a copy of ``df``: the one place a step's transform happens."""
        ns: dict[str, Any] = {"pd": pd, "np": np, "hashlib": hashlib, "df": df.copy()}
        with np.errstate(all="ignore"):
            exec(compile(self.code(columns, params), f"<{self.name}>", "exec"), ns)  # noqa: S102 - our own templates
        out: pd.DataFrame = ns["df"]
        return out

    def changed_cells(self, df: pd.DataFrame, column: str, params: dict[str, Any]) -> int:
        """How many non-missing values of ``column`` the step's code changes (evidence measured by the transform)."""
        before = df[column]
        after = self.run(df[[column]], [column], params)[column]
        same = (before.astype("float64") == after.astype("float64")) if pd.api.types.is_numeric_dtype(before.dtype) \
            else before.astype("object").eq(after.astype("object"))
        return int((before.notna() & ~same.fillna(False)).sum())

    def suggestion(self, columns: list[str], evidence: str, params: dict[str, Any],
                   explanation: str | None = None) -> Suggestion:
        params = clean_params(params)
        return Suggestion(
            id=f"{self.name}:{','.join(columns)}", rule=self.name, title=self.title, group=self.group,
            columns=list(columns), evidence=evidence, explanation=explanation or self.explanation,
            params=params, code=self.code(columns, params), options=dict(self.options),
        )


def clean_params(value: Any) -> Any:
    """JSON-safe parameters: numpy scalars become Python numbers, NaN is refused early."""
    if isinstance(value, dict):
        return {str(k): clean_params(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_params(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("feature parameters must be finite numbers")
    return value


def finite_numbers(df: pd.DataFrame, column: str) -> np.ndarray:
    """A column's finite values as floats: what a fitted step's statistics are taken over."""
    values: np.ndarray = pd.to_numeric(df[column], errors="coerce").to_numpy(dtype="float64")
    finite: np.ndarray = values[np.isfinite(values)]
    return finite


def q(value: Any) -> str:
    """A Python literal for a JSON value (column names, fitted numbers, level lists)."""
    return repr(clean_params(value))


def fmt(x: float) -> str:
    """A number as an analyst reads it in evidence text (the profile's ``readable``: ``7,390``, never ``7.39e+03``)."""
    return readable(x, 3)
