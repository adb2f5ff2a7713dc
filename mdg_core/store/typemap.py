"""Lossless mapping between pandas columns and SQLite columns.

``to_sql``/``read_sql`` lose types (bool becomes int, nullable int becomes float, datetimes become
text, time zones vanish), so every stored column carries a manifest entry: its pandas dtype, a
logical type for display and any extra facts (time zone, categories, value encoding) needed to
rebuild it exactly. Written by hand because no library keeps pandas dtypes through SQLite.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from mdg_core.column_kinds import kind_of
from mdg_core.errors import UnsupportedTypeError
from mdg_core.jsonable import jsonable

MAX_STORAGE_NAME = 48


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a stored dataset: display name, safe storage name and how to rebuild it."""

    position: int
    name: str
    storage_name: str
    dtype: str
    logical_type: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def sql_type(self) -> str:
        return SQL_TYPES.get(self.extra.get("encoding", "")) or _sql_type_for(self.dtype)


SQL_TYPES = {"json": "TEXT", "date": "TEXT", "text": "TEXT", "category": "TEXT"}


def _sql_type_for(dtype: str) -> str:
    if dtype.startswith(("int", "Int", "uint", "UInt", "bool", "timedelta")) or dtype == "boolean":
        return "INTEGER"
    if dtype.startswith(("float", "Float")):
        return "REAL"
    return "TEXT"


def storage_name(position: int, name: str) -> str:
    """A short ASCII identifier that is unique by position and still hints at the display name."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^0-9a-zA-Z]+", "_", ascii_name).strip("_").lower()
    return f"c{position}_{slug}"[:MAX_STORAGE_NAME].rstrip("_") if slug else f"c{position}"


def spec_for(position: int, name: str, series: pd.Series) -> ColumnSpec:
    """Decide how a column is stored. Raises UnsupportedTypeError for values we cannot keep."""
    dtype = series.dtype
    extra: dict[str, Any] = {}
    logical = str(kind_of(series))  # the one column-kind rule (mdg_core.column_kinds)
    if isinstance(dtype, pd.CategoricalDtype):
        cats = list(dtype.categories)
        _require_json_scalars(name, cats)
        extra = {"encoding": "category", "categories": jsonable(cats), "ordered": bool(dtype.ordered)}
        dtype_str = "category"
    elif isinstance(dtype, pd.DatetimeTZDtype):
        dtype_str = f"datetime64[ns, {dtype.tz}]"
        extra = {"tz": str(dtype.tz)}
    elif pd.api.types.is_datetime64_dtype(dtype):
        dtype_str = "datetime64[ns]"
    elif pd.api.types.is_timedelta64_dtype(dtype):
        dtype_str = "timedelta64[ns]"
    elif isinstance(dtype, pd.StringDtype):
        dtype_str = "string"
        extra = {"encoding": "text"}
    elif dtype == object:
        dtype_str = "object"
        extra = {"encoding": _object_encoding(name, series)}
    elif pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
        dtype_str = str(dtype)
        if dtype_str == "uint64" and len(series) and int(series.max()) > np.iinfo(np.int64).max:
            raise UnsupportedTypeError(f"Column '{name}' holds integers too large for SQLite (> 2^63).")
        if dtype_str in ("float16", "complex64", "complex128"):
            raise UnsupportedTypeError(f"Column '{name}' has dtype {dtype_str}, which is not supported.")
    else:
        raise UnsupportedTypeError(f"Column '{name}' has dtype {dtype}, which the store cannot keep.")
    return ColumnSpec(position, str(name), storage_name(position, str(name)), dtype_str, logical, extra)


def _object_encoding(name: str, series: pd.Series) -> str:
    non_null = series[series.notna()]
    if non_null.empty:
        return "text"
    kinds = {type(v) for v in non_null.iloc[:100_000]}
    if kinds <= {str}:
        return "text" if _all_str(non_null) else "json"
    if kinds <= {dt.date}:
        return "date"
    if kinds <= {str, int, float, bool, np.int64, np.float64, np.bool_}:
        return "json"
    names = ", ".join(sorted(k.__name__ for k in kinds))
    raise UnsupportedTypeError(
        f"Column '{name}' holds Python objects of type {names}; convert it to text or numbers first."
    )


def _all_str(values: pd.Series) -> bool:
    return bool(values.map(type).eq(str).all()) if len(values) > 100_000 else True


def _require_json_scalars(name: str, values: list[Any]) -> None:
    for v in values:
        if not isinstance(v, (str, int, float, bool, np.integer, np.floating, np.bool_)):
            raise UnsupportedTypeError(f"Column '{name}' has categories of type {type(v).__name__}.")


# --- encoding: pandas -> python values for sqlite3.executemany ------------------------------------
def encode(series: pd.Series, spec: ColumnSpec) -> list[Any]:
    """Turn a column into a list of SQLite-ready Python values (None for missing)."""
    enc = spec.extra.get("encoding")
    dtype = spec.dtype
    if enc == "category":
        values = series.astype(object)
        return [None if _isna(v) else _cat_key(v) for v in values]
    if enc == "json":
        return [None if _isna(v) else json.dumps(jsonable(v)) for v in series]
    if enc == "date":
        return [None if _isna(v) else v.isoformat() for v in series]
    if enc == "text":
        return _nullable_list(series.astype(object))
    if dtype.startswith("datetime64"):
        utc = series.dt.tz_convert("UTC").dt.tz_localize(None) if spec.extra.get("tz") else series
        arr = pa.array(utc.to_numpy(dtype="datetime64[ns]"), type=pa.timestamp("ns"))
        if _whole_seconds(arr):
            return pc.strftime(arr, format="%Y-%m-%d %H:%M:%S").to_pylist()
        return pc.cast(arr, pa.string()).to_pylist()
    if dtype.startswith("timedelta64"):
        ints = series.to_numpy(dtype="timedelta64[ns]").astype("int64")
        mask = series.isna().to_numpy()
        return [None if m else int(v) for v, m in zip(ints, mask, strict=True)]
    if dtype.startswith(("float", "Float")):
        return pa.array(series.to_numpy(dtype="float64", na_value=np.nan), from_pandas=True).to_pylist()
    if dtype in ("bool",):
        return series.astype("int64").tolist()
    if dtype == "boolean" or dtype.startswith(("Int", "UInt")):
        return pa.array(series.astype("Int64"), type=pa.int64()).to_pylist()
    if dtype.startswith(("int", "uint")):
        return series.astype("int64").tolist()
    raise UnsupportedTypeError(f"Column '{spec.name}' has dtype {dtype}, which the store cannot keep.")


def _whole_seconds(arr: pa.Array) -> bool:
    """Whole-second timestamps are written without a fraction, which reads better in SQL tools."""
    ints = pc.cast(pc.fill_null(arr, 0), pa.int64()).to_numpy(zero_copy_only=False)
    return bool(np.all(ints % 1_000_000_000 == 0))


def _cat_key(v: Any) -> str:
    return v if isinstance(v, str) else json.dumps(jsonable(v))


def _isna(v: Any) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and np.isnan(v))


def _nullable_list(values: pd.Series) -> list[Any]:
    mask = values.isna().to_numpy()
    out = values.tolist()
    if mask.any():
        for i in np.flatnonzero(mask):
            out[i] = None
    return out


# --- decoding: SQLite values -> pandas column ------------------------------------------------------
def decode(values: list[Any] | np.ndarray, spec: ColumnSpec) -> pd.Series:
    """Rebuild the original pandas column from the values read back from SQLite."""
    enc = spec.extra.get("encoding")
    dtype = spec.dtype
    # arrays from rows_to_columns are fresh and ours to modify in place
    obj = values if isinstance(values, np.ndarray) else _object_array(values)
    if enc == "category":
        cats = spec.extra.get("categories", [])
        lookup = {_cat_key(c): c for c in cats}
        mapped = [None if v is None else lookup.get(v, v) for v in obj]
        cat_type = pd.CategoricalDtype(categories=cats, ordered=spec.extra.get("ordered", False))
        return pd.Series(pd.Categorical(mapped, dtype=cat_type))
    if enc == "json":
        return pd.Series([np.nan if v is None else json.loads(v) for v in obj], dtype=object)
    if enc == "date":
        return pd.Series([np.nan if v is None else dt.date.fromisoformat(v) for v in obj], dtype=object)
    if enc == "text":
        missing = _nulls(obj)
        out = obj
        if missing.any():
            out[missing] = np.nan
        return pd.Series(out, dtype=object).astype("string") if dtype == "string" else pd.Series(out, dtype=object)
    if dtype.startswith("datetime64"):
        ts = pc.cast(pa.array(obj, type=pa.string(), from_pandas=True), pa.timestamp("ns"))
        s = pd.Series(ts.to_numpy(zero_copy_only=False), dtype="datetime64[ns]")
        tz = spec.extra.get("tz")
        return s.dt.tz_localize("UTC").dt.tz_convert(tz) if tz else s
    if dtype.startswith("timedelta64"):
        missing = _nulls(obj)
        ints = np.where(missing, 0, obj).astype("int64")
        out_td = pd.Series(ints.astype("timedelta64[ns]"))
        out_td[missing] = pd.NaT
        return out_td
    if dtype == "bool":
        return pd.Series(obj.astype("int64").astype(bool))
    if dtype == "boolean" or dtype.startswith(("Int", "UInt")):
        missing = _nulls(obj)
        filled = np.where(missing, 0, obj).astype("int64")
        if dtype == "boolean":
            return pd.Series(pd.arrays.BooleanArray(filled.astype(bool), missing))
        return pd.Series(pd.arrays.IntegerArray(filled, missing)).astype(dtype)
    if dtype.startswith(("int", "uint")):
        return pd.Series(obj.astype("int64")).astype(dtype)
    if dtype.startswith(("float", "Float")):
        return pd.Series(obj.astype("float64")).astype(dtype)
    raise UnsupportedTypeError(f"Stored column '{spec.name}' has unknown dtype {dtype}.")


def _nulls(obj: np.ndarray) -> np.ndarray:
    """Where SQLite gave NULL (None in the object array); only the paths that fill gaps need it."""
    return np.equal(obj, cast(Any, None))  # numpy's stubs reject None, the ufunc compares with it


def _object_array(values: list[Any] | tuple[Any, ...]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def rows_to_columns(rows: list[tuple[Any, ...]], n_cols: int) -> list[np.ndarray]:
    """Transpose fetched rows into one object array per column, in C (as ``read_sql`` does)."""
    if not rows:
        return [np.empty(0, dtype=object) for _ in range(n_cols)]
    from pandas._libs import lib  # pandas' own C transposition; pinned pandas version

    matrix = np.ascontiguousarray(lib.to_object_array_tuples(rows).T)
    return list(matrix)


def encode_arrow(arr: pa.Array, spec: ColumnSpec) -> list[Any]:
    """The same SQLite values as ``encode``, straight from a typed Arrow array (fast ingest path).

    ``to_numpy().tolist()`` is several times faster than ``to_pylist()``; NaN floats need no
    care because SQLite stores a NaN bound as a double as NULL.
    """
    if pa.types.is_timestamp(arr.type):
        arr = (pc.strftime(arr, format="%Y-%m-%d %H:%M:%S") if _whole_seconds(arr)
               else pc.cast(arr, pa.string()))
    if pa.types.is_boolean(arr.type):
        arr = pc.cast(arr, pa.int8())
    if pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type) or pa.types.is_floating(arr.type):
        return arr.to_numpy(zero_copy_only=False).tolist()
    if arr.null_count == 0:
        return arr.to_numpy(zero_copy_only=False).tolist()
    values = pc.fill_null(arr, 0).to_numpy(zero_copy_only=False).tolist()
    for i in np.flatnonzero(arr.is_null().to_numpy(zero_copy_only=False)):
        values[i] = None
    return values
