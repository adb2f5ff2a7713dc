"""Read a CSV into typed columns and store it: the ingest pipeline.

Pipeline: size and binary checks → encoding → dialect → header → streaming parse with
pyarrow (every column as text, with progress) → per-column type inference over all values →
conversion (with the analyst's overrides) → one-transaction write. Peak memory stays near the
file size because rows go to SQLite in chunks straight from Arrow, never as one big DataFrame.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from mdg_core.config import load_settings
from mdg_core.errors import (
    FileTooLargeError,
    HeaderOnlyError,
    IngestError,
    RaggedRowsError,
    TypeOverrideError,
)
from mdg_core.ingest import infer, sniff
from mdg_core.store import DatasetInfo, DatasetStore
from mdg_core.store.typemap import ColumnSpec, decode, encode_arrow, storage_name

Source = Path | str | bytes
Progress = Callable[[float, str], None]
BLOCK_SIZE = 8 * 1024 * 1024
SAMPLE_BYTES = 2 * 1024 * 1024
SAMPLE_MIN_ROWS = 1000
STORE_CHUNK_ROWS = 5_000
MAX_RAGGED_LISTED = 10


@dataclass
class Parsed:
    """A parsed file: typed Arrow columns plus everything inference found out."""

    columns: list[pa.Array]
    names: list[str]
    guesses: list[infer.ColumnGuess]
    dtypes: list[str]
    types: list[str]
    encoding: str
    dialect: sniff.Dialect
    source_name: str
    sha256: str
    size_bytes: int
    warnings: list[str] = field(default_factory=list)

    @property
    def n_rows(self) -> int:
        return len(self.columns[0]) if self.columns else 0

    def specs(self) -> list[ColumnSpec]:
        out = []
        for i, (name, arr, dtype, typ) in enumerate(zip(self.names, self.columns, self.dtypes, self.types)):
            extra: dict[str, Any] = {}
            if dtype == "category":
                cats = sorted(v for v in pa.compute.unique(arr).to_pylist() if v is not None)
                extra = {"encoding": "category", "categories": cats, "ordered": False}
            elif dtype == "object":
                extra = {"encoding": "text"}
            elif dtype.endswith("UTC]"):
                extra = {"tz": "UTC"}
            out.append(ColumnSpec(i, name, storage_name(i, name), dtype, typ, extra))
        return out

    def to_frame(self, limit: int | None = None) -> pd.DataFrame:
        """The parsed table as pandas, with exactly the dtypes the store gives back."""
        specs = self.specs()
        data = {}
        for spec, arr in zip(specs, self.columns):
            part = arr.slice(0, limit) if limit is not None else arr
            data[spec.position] = decode(encode_arrow(part, spec), spec)
        frame = pd.DataFrame(data)
        frame.columns = self.names
        return frame


@contextmanager
def _as_path(source: Source) -> Iterator[tuple[Path, str]]:
    """Uploaded bytes go to a temporary file so that every check can stream from disk."""
    if isinstance(source, bytes):
        fd, tmp = tempfile.mkstemp(suffix=".csv")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(source)
            yield Path(tmp), "upload.csv"
        finally:
            os.unlink(tmp)
    else:
        path = Path(source)
        if not path.is_file():
            raise IngestError(f"File not found: {path}")
        yield path, path.name


class _CountingReader(io.RawIOBase):
    """Counts bytes as pyarrow pulls them (from its I/O thread), so parsing reports real progress
    from the calling thread as batches arrive."""

    def __init__(self, fh: BinaryIO) -> None:
        self._fh = fh
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._fh.readinto(buffer)  # type: ignore[attr-defined]
        self.read_bytes += n or 0
        return n or 0


def _clean_names(raw: list[str]) -> tuple[list[str], list[str]]:
    names: list[str] = []
    warnings: list[str] = []
    seen: set[str] = set()
    for i, name in enumerate(raw):
        clean = name.strip()
        if not clean:
            clean = f"column_{i + 1}"
            warnings.append(f"Column {i + 1} has no name; called it '{clean}'.")
        base, k = clean, 2
        while clean in seen:
            clean = f"{base}_{k}"
            k += 1
        if clean != name.strip() and name.strip():
            warnings.append(f"Duplicate column name '{base}' renamed to '{clean}'.")
        seen.add(clean)
        names.append(clean)
    return names, warnings


def _header(sample: str, dialect: sniff.Dialect) -> list[str]:
    reader = csv.reader(io.StringIO(sample), delimiter=dialect.delimiter,
                        quotechar=dialect.quotechar or '"', escapechar=dialect.escapechar or None)
    for row in reader:
        if any(cell.strip() for cell in row):
            return row
    return []


class _TypedReadFailed(Exception):
    """A column typed from the sample held a value of another type further down the file."""


def _read_options(names: list[str], encoding: str) -> pacsv.ReadOptions:
    return pacsv.ReadOptions(
        column_names=names, skip_rows=1, block_size=BLOCK_SIZE,
        encoding="utf8" if encoding in ("utf-8", "utf-8-sig") else encoding,
    )


def _sample_types(path: Path, encoding: str, dialect: sniff.Dialect, names: list[str],
                  overrides: dict[str, str]) -> dict[str, pa.DataType]:
    """Arrow types for columns whose sample is plainly numeric or ISO dates.

    Arrow then parses those columns straight to numbers (in C, on all cores, at a fraction of the
    memory of text). If a later value does not fit, the whole file is re-read as text.
    """
    head = sniff.read_head(path, SAMPLE_BYTES)
    if len(head) == SAMPLE_BYTES:
        head = head[: head.rfind(b"\n") + 1]
    try:
        sample = pacsv.read_csv(
            io.BytesIO(head), read_options=_read_options(names, encoding),
            parse_options=pacsv.ParseOptions(delimiter=dialect.delimiter, quote_char=dialect.quotechar or False,
                                             escape_char=dialect.escapechar or False,
                                             invalid_row_handler=lambda row: "skip"),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                 null_values=infer.NA_TOKENS, strings_can_be_null=True),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return {}
    if sample.num_rows < SAMPLE_MIN_ROWS:
        return {}
    types: dict[str, pa.DataType] = {}
    for i, name in enumerate(names):
        if name in overrides:
            continue
        g = infer.guess(name, sample.column(i), dialect.delimiter)
        if g.thousands or g.decimal_comma or g.null_count == sample.num_rows:
            continue
        if g.type == "integer":
            types[name] = pa.int64()
        elif g.type == "float":
            types[name] = pa.float64()
        elif g.type == "datetime" and g.date_format in ("%Y-%m-%d", "ISO8601", "%Y-%m-%d %H:%M:%S") and (
            not infer.has_zone(pa.compute.drop_null(sample.column(i)))
        ):
            types[name] = pa.timestamp("ns")  # Arrow's ISO 8601 parser validates calendar dates
    return types


def _parse_text(path: Path, encoding: str, dialect: sniff.Dialect, names: list[str],
                newlines_in_values: bool, progress: Progress | None,
                types: dict[str, pa.DataType] | None = None) -> tuple[pa.Table, list[Any]]:
    ragged: list[Any] = []

    def on_invalid(row: Any) -> str:
        ragged.append(row)
        return "skip"

    read_opts = _read_options(names, encoding)
    parse_opts = pacsv.ParseOptions(
        delimiter=dialect.delimiter, quote_char=dialect.quotechar or False, double_quote=True,
        escape_char=dialect.escapechar or False, newlines_in_values=newlines_in_values,
        invalid_row_handler=on_invalid,
    )
    convert_opts = pacsv.ConvertOptions(
        column_types={n: (types or {}).get(n, pa.string()) for n in names}, null_values=infer.NA_TOKENS,
        strings_can_be_null=True, quoted_strings_can_be_null=False,
    )
    total = path.stat().st_size
    with open(path, "rb") as raw:
        counting = _CountingReader(raw)
        try:
            reader = pacsv.open_csv(counting, read_options=read_opts, parse_options=parse_opts,
                                    convert_options=convert_opts)
            batches = []
            for batch in reader:
                batches.append(batch)
                if progress:
                    done = min(counting.read_bytes, total)
                    progress(0.8 * done / max(1, total), f"Parsing… {done / 1e6:,.0f} of {total / 1e6:,.0f} MB")
            table = pa.Table.from_batches(batches, schema=reader.schema)
            del batches
        except pa.ArrowInvalid as exc:
            if types and "conversion error" in str(exc):
                raise _TypedReadFailed(str(exc)) from exc
            raise IngestError(f"The file could not be parsed as CSV: {str(exc).splitlines()[0]}") from exc
    if table.num_rows == 0:
        table = pa.table({n: pa.array([], pa.string()) for n in names})
    return table, ragged


def parse(source: Source, overrides: dict[str, str] | None = None,
          progress: Progress | None = None, max_mb: float | None = None) -> Parsed:
    """Read and type a CSV without storing it (what the preview shows and ``ingest`` stores)."""
    with _as_path(source) as (path, default_name):
        name = default_name if isinstance(source, bytes) else Path(source).name
        return _parse_path(path, name, overrides or {}, progress, max_mb)


def _parse_path(path: Path, source_name: str, overrides: dict[str, str], progress: Progress | None,
                max_mb: float | None) -> Parsed:
    size = path.stat().st_size
    limit_mb = max_mb if max_mb is not None else load_settings().max_upload_mb
    if size > limit_mb * 1024 * 1024:
        raise FileTooLargeError(
            f"The file is {size / 1024 / 1024:,.1f} MB; the limit is {limit_mb:,.0f} MB "
            "(set MDG_MAX_UPLOAD_MB or change it in Settings)."
        )
    sniff.reject_binary(sniff.read_head(path))
    if progress:
        progress(0.01, "Detecting encoding…")
    encoding, sha256 = sniff.detect_encoding_and_hash(path)
    sample = sniff.head_text(path, encoding)
    dialect = sniff.detect_dialect(sample)
    names, warnings = _clean_names(_header(sample, dialect))
    typed = _sample_types(path, encoding, dialect, names, overrides)
    try:
        table, ragged = _parse_text(path, encoding, dialect, names, False, progress, typed)
    except _TypedReadFailed:
        table, ragged = _parse_text(path, encoding, dialect, names, False, progress)
    if ragged:
        table, ragged_retry = _parse_text(path, encoding, dialect, names, True, progress)
        if ragged_retry:
            _raise_ragged(path, encoding, dialect, len(names))
    if table.num_rows == 0:
        raise HeaderOnlyError("The file has a header but no data rows.")
    unknown = set(overrides) - set(names)
    if unknown:
        raise TypeOverrideError(f"No column named {', '.join(sorted(unknown))} in this file.")
    raw_columns: list[pa.ChunkedArray | None] = list(table.columns)
    del table  # each text column is freed as soon as its typed version exists
    columns, guesses, dtypes, types = [], [], [], []
    for i, col_name in enumerate(names):
        if progress:
            progress(0.8 + 0.2 * i / len(names), f"Inferring types… {col_name}")
        raw = raw_columns[i].combine_chunks()  # type: ignore[union-attr]
        raw_columns[i] = None
        g = infer.describe_typed(col_name, raw) if not pa.types.is_string(raw.type) else (
            infer.guess(col_name, raw, dialect.delimiter)
        )
        target = overrides.get(col_name) or g.type
        arr, dtype = infer.convert(raw, g, target)
        del raw
        columns.append(arr)
        guesses.append(g)
        dtypes.append(dtype)
        types.append(target)
        if g.note.startswith("ambiguous") and col_name not in overrides:
            warnings.append(f"'{col_name}': {g.note}.")
    return Parsed(columns, names, guesses, dtypes, types, encoding, dialect, source_name,
                  sha256, size, warnings)


def _raise_ragged(path: Path, encoding: str, dialect: sniff.Dialect, expected: int) -> None:
    """Name the bad lines. Arrow cannot number rows once quoted newlines are allowed, so the
    csv module re-reads the file here (only on this error path)."""
    bad: list[tuple[int, int]] = []
    count = 0
    with open(path, encoding=encoding, newline="") as fh:
        reader = csv.reader(fh, delimiter=dialect.delimiter, quotechar=dialect.quotechar or '"',
                            escapechar=dialect.escapechar or None)
        next(reader, None)
        start_line = reader.line_num + 1
        for row in reader:
            if row and len(row) != expected:
                count += 1
                if len(bad) < MAX_RAGGED_LISTED:
                    bad.append((start_line, len(row)))
            start_line = reader.line_num + 1
    listed = ", ".join(f"line {line} ({fields} fields)" for line, fields in bad)
    more = f" and {count - len(bad):,} more" if count > len(bad) else ""
    raise RaggedRowsError(
        f"{count:,} row(s) do not have {expected} fields like the header: {listed}{more}. "
        "Fix those lines (often an unquoted delimiter inside a value) and upload again."
    )


def store_parsed(store: DatasetStore, parsed: Parsed, name: str | None = None,
                 progress: Progress | None = None) -> DatasetInfo:
    """Write a parsed file as a new ``uploaded`` dataset in one transaction."""
    specs = parsed.specs()
    total = parsed.n_rows

    def chunks() -> Iterator[list[list[Any]]]:
        for start in range(0, total, STORE_CHUNK_ROWS):
            yield [encode_arrow(col.slice(start, STORE_CHUNK_ROWS), spec) for col, spec in zip(parsed.columns, specs)]

    def on_rows(done: int, all_rows: int) -> None:
        if progress:
            progress(min(0.99, done / max(1, all_rows)), f"Saving… {done:,} of {all_rows:,} rows")

    meta = {
        "encoding": parsed.encoding, "delimiter": parsed.dialect.delimiter,
        "quotechar": parsed.dialect.quotechar, "size_bytes": parsed.size_bytes,
        "warnings": parsed.warnings,
        "inferred": {g.name: {"type": g.type, "note": g.note} for g in parsed.guesses},
    }
    stem = Path(parsed.source_name).stem
    return store.save_encoded(
        chunks(), specs, name or stem, "uploaded", total_rows=total, source_name=parsed.source_name,
        source_sha256=parsed.sha256, meta=meta, progress=on_rows,
    )


def ingest_file(store: DatasetStore, source: Source, name: str | None = None,
                overrides: dict[str, str] | None = None, progress: Progress | None = None,
                source_name: str | None = None, max_mb: float | None = None) -> DatasetInfo:
    """Parse, type and store a CSV. Nothing is saved if any step fails."""
    parse_progress = (lambda f, m: progress(0.5 * f, m)) if progress else None
    parsed = parse(source, overrides, parse_progress, max_mb)
    if source_name:
        parsed.source_name = source_name
    save_progress = (lambda f, m: progress(0.5 + 0.5 * f, m)) if progress else None
    info = store_parsed(store, parsed, name, save_progress)
    if progress:
        progress(1.0, f"Stored {info.n_rows:,} rows × {info.n_cols} columns")
    return info
