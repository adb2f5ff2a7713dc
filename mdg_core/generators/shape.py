"""Keep the real table's shape in synthetic output, whatever the generator returned.

Generators return floats where the real column held integers, categories the real data never had,
dates outside the real range, no missing values at all, or columns in another order. A
``ShapeProfile`` learned from the real table restores: column order, dtypes (nullable ones too),
integer-ness, rounding to the real number of decimals, value ranges, the real set of categories
and the real share of missing values per column (seeded, so output stays reproducible).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mdg_core.column_kinds import NUMBERS, ColumnKind, kind_of
from mdg_core.errors import InvalidParameterError
from mdg_core.progress import Progress, span

MAX_CATEGORIES = 10_000
RESERVOIR = 2_000
VALUE_SETS = (ColumnKind.CATEGORY, ColumnKind.TEXT, ColumnKind.DURATION, ColumnKind.BOOLEAN)  # kept to the real set
_OLD_KINDS = {"int": ColumnKind.INTEGER, "bool": ColumnKind.BOOLEAN}  # kinds in models kept before column_kinds


@dataclass
class ColumnShape:
    name: str
    dtype: str
    kind: ColumnKind  # mdg_core.column_kinds; never identifier (the shape sees values only)
    missing_share: float
    min: Any = None
    max: Any = None
    decimals: int | None = None
    date_only: bool = False
    categories: list[Any] | None = None  # the real set when small enough to enforce
    reservoir: list[Any] = field(default_factory=list)  # real values to draw fill-ins from
    tz: str | None = None

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Kept models pickled before the shared vocabulary said ``int``/``bool``: read them as kinds."""
        state["kind"] = _OLD_KINDS.get(state["kind"]) or ColumnKind(state["kind"])
        self.__dict__.update(state)


def _decimals(values: pd.Series) -> int:
    """How many decimals the real values use (0–6), from a sample."""
    sample = values.dropna().iloc[:5000].to_numpy(dtype=float)
    if sample.size == 0:
        return 6
    for d in range(0, 7):
        if np.allclose(sample, np.round(sample, d), rtol=0, atol=1e-9 * max(1.0, float(np.abs(sample).max()))):
            return d
    return 6


@dataclass
class ShapeProfile:
    """What synthetic output must look like to pass for the real table's sibling."""

    columns: list[ColumnShape]

    @classmethod
    def learn(cls, df: pd.DataFrame) -> ShapeProfile:
        rng = np.random.default_rng(0)
        shapes: list[ColumnShape] = []
        for name in df.columns:
            s = df[name]
            kind = kind_of(s)
            non_null = s.dropna()
            shape = ColumnShape(name=str(name), dtype=str(s.dtype), kind=kind,
                                missing_share=float(s.isna().mean()) if len(s) else 0.0)
            if len(non_null):
                take = rng.choice(len(non_null), size=min(RESERVOIR, len(non_null)), replace=False)
                shape.reservoir = non_null.iloc[np.sort(take)].tolist()
            if kind in NUMBERS and len(non_null):
                shape.min, shape.max = non_null.min().item(), non_null.max().item()
                if kind == ColumnKind.FLOAT:
                    shape.decimals = _decimals(non_null)
            elif kind == ColumnKind.DATETIME and len(non_null):
                shape.min, shape.max = non_null.min(), non_null.max()
                shape.tz = str(s.dt.tz) if s.dt.tz is not None else None
                shape.date_only = bool((non_null.dt.normalize() == non_null).all())
            if kind in VALUE_SETS:
                distinct = list(s.cat.categories) if isinstance(s.dtype, pd.CategoricalDtype) else pd.unique(non_null)
                if len(distinct) <= MAX_CATEGORIES:
                    shape.categories = list(distinct)
            shapes.append(shape)
        return cls(shapes)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def get(self, name: str) -> ColumnShape:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def coerce_value(self, name: str, value: Any) -> Any:
        """A condition value (maybe a CLI string) as the column's type, checked against real values."""
        col = self.get(name)
        try:
            if col.kind == ColumnKind.INTEGER:
                return int(float(value))
            if col.kind == ColumnKind.FLOAT:
                return float(value)
            if col.kind == ColumnKind.BOOLEAN:
                if isinstance(value, str):
                    return value.strip().lower() in ("true", "1", "yes", "y")
                return bool(value)
            if col.kind == ColumnKind.DATETIME:
                return pd.Timestamp(value)
        except (TypeError, ValueError) as exc:
            raise InvalidParameterError(f"Condition {name}={value!r} is not a valid {col.kind}.") from exc
        if col.categories is not None and value not in col.categories:
            matches = [c for c in col.categories if str(c) == str(value)]
            if matches:
                return matches[0]
            shown = ", ".join(map(str, col.categories[:10]))
            raise InvalidParameterError(
                f"Condition {name}={value!r}: the real data has no such value. Some real values: {shown}."
            )
        return value

    def restore(self, df: pd.DataFrame, seed: int, free: list[str] | tuple[str, ...] = ()) -> pd.DataFrame:
        """``df`` with the real columns in order, dtypes, ranges, categories and missing shares.

        ``free`` columns (fakes for PII, fresh keys) keep their new values: drawing real values
        into them would leak exactly what they replace.
        """
        rng = np.random.default_rng(int(seed) % (2**32))
        n = len(df)
        out: dict[str, pd.Series] = {}
        for col in self.columns:
            s = df[col.name].reset_index(drop=True) if col.name in df.columns else pd.Series([pd.NA] * n)
            if col.name in free:
                s = _missing(s, col, rng, draw_real=False)
                out[col.name] = _cast(s, col) if col.kind not in (ColumnKind.CATEGORY, ColumnKind.TEXT, ColumnKind.DURATION) \
                    else (
                    s.astype(object).where(s.notna(), None) if col.dtype != "string" else s.astype("string"))
                continue
            s = _values(s, col, rng)
            s = _missing(s, col, rng)
            out[col.name] = _cast(s, col)
        return pd.DataFrame(out, columns=self.names)


def _values(s: pd.Series, col: ColumnShape, rng: np.random.Generator) -> pd.Series:
    """Types, ranges, rounding and the real category set (missing cells stay missing)."""
    if col.kind in NUMBERS:
        s = pd.to_numeric(s.astype(object).where(s.notna(), np.nan), errors="coerce").astype(float)
        if col.min is not None:
            s = s.clip(col.min, col.max)
        if col.kind == ColumnKind.INTEGER:
            s = s.round()
        elif col.decimals is not None:
            s = s.round(col.decimals)
        return s
    if col.kind == ColumnKind.DATETIME:
        s = pd.to_datetime(s, errors="coerce", utc=col.tz is not None)
        if col.tz is not None:
            s = s.dt.tz_convert(col.tz)
        if col.min is not None:
            s = s.clip(col.min, col.max)
        if col.date_only:
            s = s.dt.normalize()
        return s
    if col.kind == ColumnKind.BOOLEAN:
        mapped = s.map(lambda v: v if isinstance(v, (bool, np.bool_)) else
                       (str(v).strip().lower() in ("true", "1", "yes", "1.0")) if pd.notna(v) else np.nan)
        return mapped
    if col.categories is not None and col.categories:
        allowed = set(col.categories)
        bad = s.notna() & ~s.isin(allowed)
        if bad.any():
            # values the real data never had (or a model's decoding artefacts): draw real ones
            s = s.astype(object).copy()
            s[bad] = rng.choice(np.array(col.reservoir, dtype=object), size=int(bad.sum()))
    return s


def _missing(s: pd.Series, col: ColumnShape, rng: np.random.Generator, draw_real: bool = True) -> pd.Series:
    """Exactly the real share of missing cells (rounded), keeping the model's own where it can."""
    n = len(s)
    target = int(round(col.missing_share * n))
    isna = s.isna().to_numpy()
    have = int(isna.sum())
    if have == target:
        return s
    s = s.astype(object) if col.kind in VALUE_SETS else s.copy()
    if have > target:
        if not col.reservoir or not draw_real:
            return s
        fill_at = rng.choice(np.flatnonzero(isna), size=have - target, replace=False)
        draws = rng.choice(len(col.reservoir), size=len(fill_at))
        values = [col.reservoir[i] for i in draws]
        s.iloc[fill_at] = pd.Series(values, dtype=object if col.kind not in NUMBERS else float).to_numpy()
    else:
        blank_at = rng.choice(np.flatnonzero(~isna), size=target - have, replace=False)
        s.iloc[blank_at] = np.nan if col.kind in NUMBERS else (pd.NaT if col.kind == ColumnKind.DATETIME else None)
    return s


def _cast(s: pd.Series, col: ColumnShape) -> pd.Series:
    """The real dtype; integers stay integers (nullable when the real column had gaps)."""
    dtype = col.dtype
    if col.kind == ColumnKind.INTEGER:
        if s.isna().any():
            nullable = dtype if dtype[0] in "IU" else "Int64"
            return s.astype(nullable)
        return s.astype(dtype if dtype[0] not in "IU" else dtype)
    if col.kind == ColumnKind.FLOAT:
        return s.astype(dtype)
    if col.kind == ColumnKind.BOOLEAN:
        if s.isna().any() or dtype == "boolean":
            return s.astype("boolean")
        return s.astype(bool)
    if col.kind == ColumnKind.DATETIME:
        if col.tz is None:
            return pd.to_datetime(s, errors="coerce").astype("datetime64[ns]")
        return s
    if dtype == "category":
        return pd.Categorical(s.astype(object).where(s.notna(), None), categories=col.categories or None,
                              ordered=_ordered(dtype))
    if dtype == "string":
        return s.astype("string")
    return s.astype(object).where(s.notna(), None)


def _ordered(dtype: str) -> bool:
    return "ordered=True" in dtype


# --- columns that are not modelled: primary keys and PII ----------------------------------------
FAKERS = {
    "email": "email", "phone_number": "phone_number", "name": "name", "first_name": "first_name",
    "last_name": "last_name", "address": "address", "street_address": "street_address",
    "postcode": "postcode", "ssn": "ssn", "credit_card_number": "credit_card_number",
    "iban": "iban", "ipv4_address": "ipv4", "ipv6_address": "ipv6", "company": "company",
    "license_plate": "license_plate", "url": "url", "user_name": "user_name",
}
_KEY_PATTERN = re.compile(r"^(\D*?)(\d+)$")


FAKE_POOL_MIN = 50_000  # up to this many rows, one Faker call per row (as unique as Faker makes them)
FAKE_MAX_REPEATS = 50  # above it, a pool of n/50 distinct fakes, each serving 50 rows (10M rows: 200k calls)
FAKE_BATCH = 5_000  # Faker calls between two progress reports (where a cancel is noticed)


def fake_values(kind: str, n: int, seed: int, progress: Progress | None = None,
                label: str = "") -> np.ndarray:
    """``n`` realistic fakes of a Faker kind (``FAKERS``), seeded.

    Faker makes one value per Python call (20-300 µs each): one call per row took over 25 minutes
    for a 10M-row column. So a pool of at most ``max(FAKE_POOL_MIN, n / FAKE_MAX_REPEATS)``
    distinct values comes from Faker in batches, with progress between them, and the rows take
    the pool in a seeded shuffle in which every value is used equally often."""
    from faker import Faker

    fake = Faker(["en_US"])
    fake.seed_instance(int(seed))
    method = getattr(fake, FAKERS.get(kind, kind), None)
    make: Callable[[], Any] = method if callable(method) else (lambda: fake.bothify("??-#####"))
    size = n if n <= FAKE_POOL_MIN else max(FAKE_POOL_MIN, -(-n // FAKE_MAX_REPEATS))
    pool = np.empty(size, dtype=object)
    for start in range(0, size, FAKE_BATCH):
        stop = min(size, start + FAKE_BATCH)
        pool[start:stop] = [make() for _ in range(stop - start)]
        if progress is not None:
            progress(stop / size, f"Fake values for {label or kind}: {stop:,} of {size:,}")
    if size == n:
        return pool
    rng = np.random.default_rng(int(seed) % (2**32))
    return pool[rng.permutation(np.resize(np.arange(size), n))]


def fill_replaced_columns(df: pd.DataFrame, metadata: Any, shape: ShapeProfile, n: int,
                          seed: int, progress: Progress | None = None) -> pd.DataFrame:
    """Fresh unique keys in the real key's style, and realistic fakes for PII columns.

    ``progress(fraction, message)`` is called between batches of fakes; it may raise (cancel)."""
    out = df.copy()
    key = metadata.primary_key
    if key:
        out[key] = _keys(shape.get(key), n)
    pii = {c: k for c, k in metadata.pii.items() if c != key}
    for i, (column, kind) in enumerate(pii.items()):
        part = span(progress, i / len(pii), (i + 1) / len(pii)) if progress is not None else None
        out[column] = fake_values(kind, n, int(seed) * 1009 + i, part, label=str(column))
    return out


def _keys(col: ColumnShape, n: int) -> list[Any]:
    """1..n in the real key's type and format (``C00001`` stays ``C`` + zero-padded digits)."""
    if col.kind in NUMBERS:
        return list(range(1, n + 1))
    sample = [str(v) for v in col.reservoir[:50]]
    matches = [_KEY_PATTERN.match(v) for v in sample]
    if sample and all(matches):
        prefix = matches[0].group(1)  # type: ignore[union-attr]
        width = max(len(m.group(2)) for m in matches)  # type: ignore[union-attr]
        width = max(width, len(str(n)))
        return [f"{prefix}{i:0{width}d}" for i in range(1, n + 1)]
    width = max(6, len(str(n)))
    return [f"ID{i:0{width}d}" for i in range(1, n + 1)]


def plain(df: pd.DataFrame) -> pd.DataFrame:
    """NumPy-backed dtypes the libraries understand (nullable ints → float, categories → object)."""
    out = {}
    for name in df.columns:
        s = df[name]
        dtype = s.dtype
        if isinstance(dtype, (pd.CategoricalDtype, pd.StringDtype)):
            s = s.astype(object).where(s.notna(), None)
        elif pd.api.types.is_extension_array_dtype(dtype) and pd.api.types.is_integer_dtype(dtype):
            s = s.astype("float64") if s.isna().any() else s.astype("int64")
        elif pd.api.types.is_extension_array_dtype(dtype) and pd.api.types.is_float_dtype(dtype):
            s = s.astype("float64")
        elif str(dtype) == "boolean":
            s = s.astype(object).where(s.notna(), None) if s.isna().any() else s.astype(bool)
        elif isinstance(dtype, pd.DatetimeTZDtype):
            s = s.dt.tz_convert("UTC").dt.tz_localize(None)
        out[name] = s
    return pd.DataFrame(out, index=df.index)
