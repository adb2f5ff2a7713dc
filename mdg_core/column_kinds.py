"""What a column holds, in one vocabulary every part of the workbench uses.

The store writes each column's kind into its type manifest (``ColumnSpec.logical_type``) when a
dataset is saved, using ``kind_of`` on the values; the dataset's generation metadata
(``generators.metadata``: primary key, id and PII columns) then marks the columns that identify
people or rows, which no generator models and no report compares (``column_kinds``). Code that
holds only a bare Series (a generator's output, a sample) asks ``kind_of`` too, so the profile,
the reports, shape restoring and the generators' encoders can never name one column differently.

Reports compare columns by ``Family``: numbers, dates and durations as numbers; booleans,
categories and text as categories; identifiers not at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from mdg_core.store.typemap import ColumnSpec

CATEGORY_SAMPLE = 5_000  # values looked at to tell categories from free text
CATEGORY_MAX_SHARE = 0.05  # text with at most max(20, 5 %) distinct values in the sample is a category
CATEGORY_MIN_LEVELS = 20
ID_MIN_VALUES = 50  # below this many values nothing is called identifier-like by its values
ID_UNIQUE_SHARE = 0.9  # text with this share of distinct values identifies rows


class Family(StrEnum):
    """How two datasets' columns are compared: as numbers, as categories, or not at all."""

    NUMERIC = "numeric"
    CATEGORICAL = "categorical"
    IDENTIFIER = "identifier"


class ColumnKind(StrEnum):
    """A column's kind: the store's manifest vocabulary, plus ``identifier`` from the metadata."""

    INTEGER = "integer"
    FLOAT = "float"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    DURATION = "duration"
    CATEGORY = "category"
    TEXT = "text"
    IDENTIFIER = "identifier"

    @property
    def numeric(self) -> bool:
        """Values with a mean and a spread (numbers and durations; dates are points in time)."""
        return self in (*NUMBERS, ColumnKind.DURATION)

    @property
    def family(self) -> Family:
        if self is ColumnKind.IDENTIFIER:
            return Family.IDENTIFIER
        if self.numeric or self is ColumnKind.DATETIME:
            return Family.NUMERIC
        return Family.CATEGORICAL


NUMBERS = (ColumnKind.INTEGER, ColumnKind.FLOAT)  # plain numbers: ranges, rounding, integer-ness
WORDS = (ColumnKind.CATEGORY, ColumnKind.TEXT)  # values as strings: levels, gaps, encodings


_YEAR_NAME = re.compile(r"(?:^|[^a-z])(?:year|yr)s?(?:$|[^a-z])", re.IGNORECASE)


def names_a_year(name: str) -> bool:
    """Whether a column's name says it holds calendar years: those print as ``2003``, never ``2,003``."""
    return bool(_YEAR_NAME.search(name))


def kind_of(series: pd.Series) -> ColumnKind:
    """The kind of a bare column, from its dtype and, for text, how many distinct values it has.

    This is the rule the store writes into the manifest; it never answers ``identifier``, which
    only the dataset's metadata (or ``identifier_like`` for reports) decides."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return ColumnKind.BOOLEAN
    if pd.api.types.is_integer_dtype(dtype):
        return ColumnKind.INTEGER
    if pd.api.types.is_float_dtype(dtype):
        return ColumnKind.FLOAT
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return ColumnKind.DATETIME
    if pd.api.types.is_timedelta64_dtype(dtype):
        return ColumnKind.DURATION
    if isinstance(dtype, pd.CategoricalDtype):
        return ColumnKind.CATEGORY
    sample = series.dropna().iloc[:CATEGORY_SAMPLE]
    if sample.empty:
        return ColumnKind.TEXT
    try:
        distinct = sample.nunique()
    except TypeError:  # lists or dicts in cells (JSON): free-form, never a category
        return ColumnKind.TEXT
    if distinct <= max(CATEGORY_MIN_LEVELS, int(CATEGORY_MAX_SHARE * len(sample))):
        return ColumnKind.CATEGORY
    return ColumnKind.TEXT


def identifier_like(series: pd.Series) -> bool:
    """Non-numeric values nearly all distinct (ids, names, emails): no distribution to compare."""
    if kind_of(series).family is Family.NUMERIC:
        return False
    non_null = series.dropna()
    return len(non_null) >= ID_MIN_VALUES and non_null.nunique() >= ID_UNIQUE_SHARE * len(non_null)


def family_of(series: pd.Series) -> Family:
    """How reports compare a bare column: by its kind, and identifier when its values say so."""
    kind = kind_of(series)
    if kind.family is Family.NUMERIC or kind is ColumnKind.BOOLEAN:
        return kind.family
    return Family.IDENTIFIER if identifier_like(series) else Family.CATEGORICAL


def metadata_identifiers(metadata: Mapping[str, Any] | None) -> set[str]:
    """The columns the dataset's generation metadata says identify rows or people: the primary
    key, ``id`` columns and PII (replaced by fakes, never modelled)."""
    if not metadata:
        return set()
    key = metadata.get("primary_key")
    return {str(name) for name, info in (metadata.get("columns") or {}).items()
            if name == key or info.get("sdtype") == "id" or info.get("pii")}


def column_kinds(columns: Iterable[ColumnSpec], metadata: Mapping[str, Any] | None = None) -> dict[str, ColumnKind]:
    """Each stored column's kind: the manifest's, ``identifier`` where the metadata says so."""
    ids = metadata_identifiers(metadata)
    return {c.name: ColumnKind.IDENTIFIER if c.name in ids else ColumnKind(c.logical_type) for c in columns}


def compared_family(sdtype: str | None, a: pd.Series, b: pd.Series) -> Family:
    """The family two datasets' column is compared in: the metadata's type (``id``, ``pii`` or an SDV
    sdtype) checked against both columns' values. Ids and PII are identifiers; a number the metadata
    calls a category is compared as categories; text the metadata calls a number (values that are
    not numbers) falls back to what the values say."""
    fa, fb = family_of(a), family_of(b)
    by_values = fa if fa == fb else Family.IDENTIFIER if Family.IDENTIFIER in (fa, fb) else Family.CATEGORICAL
    if sdtype in ("id", "pii"):
        return Family.IDENTIFIER
    if sdtype in ("numerical", "datetime"):
        return by_values
    if sdtype in ("categorical", "boolean"):
        return Family.IDENTIFIER if by_values is Family.IDENTIFIER else Family.CATEGORICAL
    return by_values
