"""Exports to CSV (safe to open in a spreadsheet) and Parquet."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from mdg_core.store.catalog import DatasetStore

_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: object) -> object:
    """Prefix a quote to text a spreadsheet would run as a formula (OWASP CSV injection advice).

    Numbers such as ``-12.5`` or ``+3`` are left alone; only text that starts with = + - @ (or a
    tab/carriage return) and is not a number gets the leading apostrophe.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.match(value):
        return "'" + value
    return value


def _safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Cells and column names alike: a header such as ``=HYPERLINK(...)`` is just as live as a cell."""
    out = df.copy()
    out.columns = [neutralise_formula(str(name)) for name in out.columns]
    for i in range(out.shape[1]):
        col = out.iloc[:, i]
        if col.dtype == object or isinstance(col.dtype, (pd.StringDtype, pd.CategoricalDtype)):
            out.isetitem(i, col.astype(object).map(neutralise_formula, na_action="ignore"))
    return out


def export_csv(store: DatasetStore, dataset_id: int, path: Path | str) -> Path:
    """Write the dataset as UTF-8 CSV, chunk by chunk, with formula injection neutralised."""
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        for i, chunk in enumerate(store.iter_chunks(dataset_id)):
            _safe_frame(chunk).to_csv(fh, index=False, header=(i == 0))
    tmp.replace(path)
    return path


def csv_bytes(store: DatasetStore, dataset_id: int) -> bytes:
    """The same CSV as ``export_csv``, in memory, for a download button."""
    parts = [
        _safe_frame(chunk).to_csv(index=False, header=(i == 0))
        for i, chunk in enumerate(store.iter_chunks(dataset_id))
    ]
    return "".join(parts).encode("utf-8")


def export_parquet(store: DatasetStore, dataset_id: int, path: Path | str) -> Path:
    """Write the dataset as Parquet, keeping pandas dtypes in the file's schema metadata."""
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    writer: pq.ParquetWriter | None = None
    try:
        for chunk in store.iter_chunks(dataset_id):
            table = pa.Table.from_pandas(chunk, preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(tmp, table.schema)
            writer.write_table(table.cast(writer.schema))
    finally:
        if writer is not None:
            writer.close()
    tmp.replace(path)
    return path


def parquet_bytes(store: DatasetStore, dataset_id: int) -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(pa.Table.from_pandas(store.load(dataset_id), preserve_index=False), sink)
    return sink.getvalue().to_pybytes()
