"""Read a CSV into typed columns and store it: the ingest pipeline.

Pipeline: size and binary checks → encoding (a legacy encoding is first copied to a temporary
UTF-8 file, so that Arrow reads a native file and its threads never call back into Python) →
layout (Excel's ``sep=`` line, title lines above the header, dialect, header) → column-count and
quote checks → pass 1: Arrow streams the file as text and each batch is folded into per-column
facts (``infer.ColumnStats``) → types decided and the analyst's overrides checked → pass 2, when
storing: the file is streamed again and each batch is converted and written to SQLite in one
transaction. No whole column is ever held, so memory stays at a few blocks of the file whatever
its size; every Arrow reader is closed on every path, so no background read outlives a call.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import dataclasses
import errno
import io
import itertools
import os
import re
import sqlite3
import tempfile
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import sqlalchemy.exc

from mdg_core.config import load_settings
from mdg_core.errors import (
    FileTooLargeError,
    HeaderOnlyError,
    IngestError,
    RaggedRowsError,
    StoreError,
    TypeOverrideError,
)
from mdg_core.ingest import infer, long_values, sniff
from mdg_core.progress import Progress, span
from mdg_core.store import DatasetInfo, DatasetStore
from mdg_core.store.typemap import ColumnSpec, decode, encode_arrow, storage_name

Source = Path | str | bytes
MIN_BLOCK = 1024 * 1024
MAX_START_BLOCK = 8 * 1024 * 1024
READAHEAD_BLOCKS = 32  # Arrow reads this many blocks ahead of the consumer (kDefaultBackgroundMaxQ)
MAX_BLOCK_SIZE = 2**31 - 1  # Arrow's block size is a 32-bit integer
COPY_CHUNK = 16 * 1024 * 1024
PREVIEW_ROWS = 1000
PREVIEW_BYTES = 8 * 1024 * 1024
STORE_CHUNK_ROWS = 5_000
MAX_RAGGED_LISTED = 10
MAX_COLUMNS = 2000  # SQLite's SQLITE_MAX_COLUMN: a table cannot have more
_LINE_BREAK = re.compile(rb"\r\n|\r|\n")
# what the reader reads and parses lives in the C library's heap, which gives large blocks back to
# the system when they are freed; Arrow's default pool (mimalloc) keeps them for the thread that
# freed them, and storing reads in another thread than parsing, so their peaks added up
_POOL = pa.system_memory_pool()


@dataclass(frozen=True)
class _Plan:
    """Where the rows start and how Arrow must cut them: what storing needs to read the file again."""

    source: Path | bytes
    stamp: tuple[int, int] | None  # size and mtime of a file on disk, to notice a change
    encoding: str
    dialect: sniff.Dialect
    names: tuple[str, ...]
    data_offset: int
    first_line: int
    newlines_in_values: bool
    block_size: int
    arrow_types: dict[str, pa.DataType] = field(default_factory=dict)  # parsed by Arrow itself
    long_values: long_values.LongValues | None = None  # read around Arrow (see long_values)


@dataclass
class Parsed:
    """A parsed file: the types inference decided, a typed preview, and how to read it all again.

    Only the first rows are held (at most ``PREVIEW_ROWS``, and ``PREVIEW_BYTES`` of text);
    ``batches()`` streams every row, typed, from the source.
    """

    names: list[str]
    guesses: list[infer.ColumnGuess]
    dtypes: list[str]
    types: list[str]
    encoding: str
    dialect: sniff.Dialect
    source_name: str
    sha256: str
    size_bytes: int
    n_rows: int
    preview: list[pa.Array] = field(repr=False)
    plan: _Plan = field(repr=False)
    warnings: list[str] = field(default_factory=list)

    def specs(self) -> list[ColumnSpec]:
        out = []
        for i, (name, dtype, typ) in enumerate(zip(self.names, self.dtypes, self.types, strict=True)):
            extra: dict[str, Any] = {}
            if dtype == "object":
                extra = {"encoding": "text"}
            elif dtype.endswith("UTC]"):
                extra = {"tz": "UTC"}
            out.append(ColumnSpec(i, name, storage_name(i, name), dtype, typ, extra))
        return out

    def batches(self) -> Generator[list[pa.Array], None, None]:
        """Every row again, batch by batch, as typed Arrow columns (what ``store_parsed`` writes).

        Plain numbers and ISO dates are parsed by Arrow's reader itself (pass 1 checked that it
        can); should it still refuse a value, ``_TypedReadFailed`` asks the caller to start over
        with ``as_text()``. A long value (``plan.long_values``) comes as its stand-in:
        ``store_parsed`` writes the value itself after the rows, ``to_frame`` puts it in.
        """
        plan = self.plan
        ragged = _InvalidRows()
        last: list[pa.Array] = []
        rows = 0
        with _plain_text(plan) as data, _short_copy(data, plan) as short, _open_reader(
            short, plan.data_offset, list(plan.names), plan.dialect, plan.block_size,
            plan.newlines_in_values, on_invalid=ragged, types=plan.arrow_types,
        ) as (reader, _):
            for batch in reader:
                if ragged.count:
                    break
                typed = [infer.convert(batch.column(i), g, t)
                         for i, (g, t) in enumerate(zip(self.guesses, self.types, strict=True))]
                rows += batch.num_rows
                del batch
                if rows >= self.n_rows:  # the last rows: handed over once the reader's buffers are freed
                    last = typed
                    break
                # the caller holds the only reference: a written batch is freed at once
                yield _handed_over(typed)
            del reader  # a closed reader still holds its last block until it is freed
        if ragged.count:
            raise IngestError("The file changed while it was being read. Upload it again.")
        if last:
            yield _handed_over(last)

    def as_text(self) -> Parsed:
        """The same parse, read back with every column as text (the slower, always-safe way)."""
        return dataclasses.replace(self, plan=dataclasses.replace(self.plan, arrow_types={}))

    def to_frame(self, limit: int | None = None) -> pd.DataFrame:
        """The parsed table (or its first ``limit`` rows) as pandas, with the store's exact dtypes."""
        held = len(self.preview[0]) if self.preview else 0
        if held == self.n_rows or (limit is not None and limit <= held):
            columns = list(self.preview)
        else:
            try:
                columns = self._read(limit)
            except _TypedReadFailed:
                columns = self.as_text()._read(limit)
        if self.plan.long_values:
            columns = self._with_long_values(columns, limit)
        specs = self.specs()
        data = {}
        for spec, arr in zip(specs, columns, strict=True):
            part = arr.slice(0, limit) if limit is not None else arr
            data[spec.position] = decode(encode_arrow(part, spec), spec)
        frame = pd.DataFrame(data)
        frame.columns = self.names
        return frame

    def _with_long_values(self, columns: list[pa.Array], limit: int | None) -> list[pa.Array]:
        """The columns with each long value's stand-in replaced by the value, read from the file."""
        assert self.plan.long_values is not None
        out = list(columns)
        with _plain_text(self.plan) as data:
            for value in self.plan.long_values.values:
                arr = out[value.column]
                if value.row < min(len(arr), self.n_rows if limit is None else limit):
                    text = pa.array([long_values.read(data, value, self.dialect.quotechar)], arr.type)
                    out[value.column] = pa.concat_arrays([arr.slice(0, value.row), text, arr.slice(value.row + 1)])
        return out

    def _read(self, limit: int | None) -> list[pa.Array]:
        parts, rows = [], 0
        batches = self.batches()
        for part in batches:
            parts.append(part)
            rows += len(part[0])
            if limit is not None and rows >= limit:
                batches.close()
                break
        return [pa.concat_arrays([part[i] for part in parts]) for i in range(len(self.names))]


def _handed_over(items: list[Any]) -> list[Any]:
    """A new list with ``items``' contents; ``items`` is emptied, so the generator that yields
    it keeps no reference to what it handed over while it is suspended."""
    out = items[:]
    items.clear()
    return out


class _InvalidRows:
    """Arrow's handler for rows of the wrong width: counts and skips them (named later, if any)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, _row: Any) -> str:
        self.count += 1
        return "skip"


class _BlockTooSmall(Exception):
    """One row is larger than Arrow's block: read again with bigger blocks."""


class _LineBreaksInValues(IngestError):
    """Arrow cut a block inside a quoted value: read again allowing line breaks inside quotes."""


class _TypedReadFailed(IngestError):
    """Arrow refused a value in a column it was asked to parse as a number or date itself."""


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


def _stamp(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_size, stat.st_mtime_ns


@contextmanager
def _source_file(plan: _Plan) -> Iterator[Path]:
    """The parsed source on disk again; a file that changed since it was read is refused."""
    if isinstance(plan.source, bytes):
        with _as_path(plan.source) as (path, _):
            yield path
        return
    if not plan.source.is_file() or _stamp(plan.source) != plan.stamp:
        raise IngestError(f"{plan.source.name} changed after it was read. Read it again before saving.")
    yield plan.source


@contextmanager
def _plain_text(plan: _Plan) -> Iterator[Path]:
    """The parsed source again, as UTF-8 (the file the plan's offsets count in)."""
    with _source_file(plan) as path, _utf8(path, plan.encoding) as data:
        yield data


@contextmanager
def _short_copy(data: Path, plan: _Plan) -> Iterator[Path]:
    """What Arrow reads: the file itself, or a copy without its long values."""
    if plan.long_values is None:
        yield data
        return
    with _without_long_values(data, plan.long_values, plan.dialect) as short:
        yield short


def _without_long_values(data: Path, found: long_values.LongValues, dialect: sniff.Dialect,
                         ) -> contextlib.AbstractContextManager[Path]:
    return _temp_copy("mdg-short-", lambda dst: long_values.write_copy(data, found, dialect, dst),
                      "a temporary copy of the file without its long values")


def _disk_space_error(what: str) -> IngestError:
    return IngestError(f"Not enough disk space for {what}. Free some space and try again; nothing was saved.")


@contextmanager
def _utf8(path: Path, encoding: str) -> Iterator[Path]:
    """The file itself when it is UTF-8, else a temporary UTF-8 copy (decoded block by block)."""
    if encoding in ("utf-8", "utf-8-sig"):
        yield path
        return

    def decode(dst: BinaryIO) -> None:
        decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        with open(path, "rb") as src:
            while block := src.read(COPY_CHUNK):
                dst.write(decoder.decode(block).encode("utf-8"))
            dst.write(decoder.decode(b"", final=True).encode("utf-8"))

    with _temp_copy("mdg-utf8-", decode, "a temporary UTF-8 copy of the file") as copy:
        yield copy


@contextmanager
def _temp_copy(prefix: str, write: Callable[[BinaryIO], None], what: str) -> Iterator[Path]:
    """A temporary file that ``write`` fills, removed afterwards; a full disk is named."""
    fd, tmp = tempfile.mkstemp(suffix=".csv", prefix=prefix)
    try:
        try:
            with os.fdopen(fd, "wb") as dst:
                write(dst)
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                raise _disk_space_error(f"{what} in {tempfile.gettempdir()}") from None
            raise
        yield Path(tmp)
    finally:
        os.unlink(tmp)


@contextmanager
def _open_reader(data: Path, offset: int, names: list[str], dialect: sniff.Dialect, block_size: int,
                 newlines_in_values: bool, include: list[str] | None = None,
                 on_invalid: Callable[[Any], str] | None = None, types: dict[str, pa.DataType] | None = None,
                 ) -> Iterator[tuple[Iterator[pa.RecordBatch], pa.NativeFile]]:
    """Arrow's streaming reader over a native file from ``offset``: every column as text, or as
    ``types`` says.

    The reader is closed on every path: an abandoned reader kept reading in Arrow's threads and
    once made the process hang, or abort (``terminate called``), at exit.
    """
    source = pa.OSFile(str(data), memory_pool=_POOL)
    reader = None
    try:
        if offset >= source.size():
            yield iter(()), source  # a header and nothing else (Arrow calls that an error)
            return
        source.seek(offset)
        reader = _arrow_call(lambda: pacsv.open_csv(
            source,
            read_options=pacsv.ReadOptions(column_names=names, block_size=block_size, use_threads=False),
            parse_options=pacsv.ParseOptions(
                delimiter=dialect.delimiter, quote_char=dialect.quotechar or False, double_quote=True,
                escape_char=dialect.escapechar or False, newlines_in_values=newlines_in_values,
                invalid_row_handler=on_invalid,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={n: (types or {}).get(n, pa.string()) for n in names}, null_values=infer.NA_TOKENS,
                strings_can_be_null=True, quoted_strings_can_be_null=False, include_columns=include,
            ),
            memory_pool=_POOL,
        ))
        yield _batches(reader), source
    finally:
        if reader is not None:
            reader.close()
        source.close()


def _batches(reader: pacsv.CSVStreamingReader) -> Iterator[pa.RecordBatch]:
    while True:
        try:
            batch = _arrow_call(reader.read_next_batch)
        except StopIteration:
            return
        yield batch


def _arrow_call(fn: Callable[[], Any]) -> Any:
    """Arrow's reading errors as analyst messages (only the reader's: errors of the caller's own
    work on a batch pass through unchanged)."""
    try:
        return fn()
    except pa.ArrowInvalid as exc:
        text = str(exc)
        if "straddl" in text or "block size" in text:
            raise _BlockTooSmall(text) from None
        if "out of sync with chunker" in text:
            raise _LineBreaksInValues(f"The file could not be parsed as CSV: {text.splitlines()[0][:300]}") from None
        if "conversion error" in text:
            raise _TypedReadFailed(f"The file could not be read: {text.splitlines()[0][:300]}") from None
        raise IngestError(f"The file could not be parsed as CSV: {text.splitlines()[0][:300]}") from None
    except pa.ArrowException as exc:
        raise IngestError(f"The file could not be read: {str(exc).splitlines()[0][:300]}") from None


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


@dataclass(frozen=True)
class _Layout:
    dialect: sniff.Dialect
    header: list[str]
    data_offset: int  # byte offset of the first data row in the UTF-8 file
    first_line: int  # its line number
    warnings: list[str]


def _layout(data: Path) -> _Layout:
    """Dialect, header and where the rows start, from the first lines of the file."""
    sample = sniff.head_text(data)
    dialect = sniff.detect_dialect(sample)
    skipped: list[list[str]] = []
    header: list[str] | None = None
    header_end = 0
    for i, (end_line, row) in enumerate(sniff.records(sample, dialect)):
        if i < dialect.skip_records:
            skipped.append(row)
            continue
        header, header_end = row, end_line
        break
    if header is None:
        raise HeaderOnlyError("The file has no header and no data rows.")
    warnings = []
    titles = skipped[1:] if dialect.excel_sep else skipped
    if titles:
        first = " ".join(cell.strip() for cell in titles[0] if cell.strip())[:60]
        warnings.append(
            f"Skipped {len(titles)} line(s) above the header (first: '{first}'): they are not part of the "
            f"table of {len(header)} columns."
        )
    return _Layout(dialect, header, _offset_after_lines(data, header_end), header_end + 1, warnings)


def _offset_after_lines(path: Path, lines: int) -> int:
    """Byte offset just past the first ``lines`` line breaks (LF, CRLF or CR)."""
    if lines == 0:
        return 0
    with open(path, "rb") as fh:
        raw = fh.read(sniff.SNIFF_BYTES)
        while True:
            breaks = list(itertools.islice(_LINE_BREAK.finditer(raw), lines))
            # a CR at the very end of what was read may be the first half of a CRLF
            if len(breaks) == lines and (breaks[-1].end() < len(raw) or raw.endswith(b"\n")):
                return breaks[-1].end()
            more = fh.read(max(len(raw), 1))
            if not more:
                return breaks[-1].end() if len(breaks) == lines else len(raw)
            raw += more


def _check_width(names: list[str]) -> None:
    if len(names) > MAX_COLUMNS:
        raise IngestError(
            f"The file has {len(names):,} columns; SQLite stores at most {MAX_COLUMNS:,} columns in a table. "
            "Keep the columns you need (or split the file into several) and upload again."
        )


def _check_quotes(data: Path, layout: _Layout) -> None:
    """Refuse a quoted value that never closes: Arrow would read the rest of the file as that one
    value and silently turn many rows into one. Quotes are counted first (cheap); only an odd
    count, or an escape character, pays for the exact scan."""
    dialect = layout.dialect
    if not dialect.quotechar:
        return
    quote = dialect.quotechar.encode("utf-8")
    count = 0
    with open(data, "rb") as fh:
        fh.seek(layout.data_offset)
        while block := fh.read(COPY_CHUNK):
            count += block.count(quote)
    if count % 2 == 0 and not dialect.escapechar:
        return
    line = _unclosed_quote_line(data, layout.data_offset, layout.first_line, dialect)
    if line is not None:
        raise IngestError(
            f"Line {line:,} opens a quoted value ({dialect.quotechar}) that is never closed, so every line after "
            "it would be read as part of that one value. Add the missing quote (or remove the stray one) and "
            "upload again."
        )


def _unclosed_quote_line(path: Path, offset: int, first_line: int, dialect: sniff.Dialect,
                         block: int = COPY_CHUNK) -> int | None:
    """The line on which a quoted value opens and is still open at the end of the file, if any.

    Follows Arrow's rules: a quote opens a value only at the start of a field; inside, a doubled
    quote (or the escape character) keeps it open. Reads block by block: constant memory, one
    regular-expression step per quoted value.
    """
    q = re.escape(dialect.quotechar.encode("utf-8"))
    d = re.escape(dialect.delimiter.encode("utf-8"))
    esc = re.escape(dialect.escapechar.encode("utf-8")) if dialect.escapechar else b""
    opener = re.compile(rb"(?<=[" + d + rb"\r\n])" + q)
    inner = re.compile(rb"(?:[^" + q + esc + rb"]|" + q + q + (rb"|" + esc + rb"[\s\S]" if esc else b"") + rb")*+")
    quote = dialect.quotechar.encode("utf-8")
    line, open_line, inside = first_line, 0, False
    buf, pos, counted, prev_cr = b"\n", 1, 1, False  # a virtual line break: the data starts a field
    with open(path, "rb") as fh:
        fh.seek(offset)
        while True:
            chunk = fh.read(block)
            final = not chunk
            buf += chunk
            while True:
                if not inside:
                    m = opener.search(buf, pos)
                    if m is None:
                        pos = len(buf)
                        break
                    line += _breaks(buf, counted, m.start(), prev_cr)
                    counted, prev_cr = m.start(), False
                    open_line, inside, pos = line, True, m.end()
                else:
                    end = inner.match(buf, pos).end()  # type: ignore[union-attr]
                    pos = end
                    if end < len(buf) and buf[end:end + 1] == quote and (end + 1 < len(buf) or final):
                        inside, pos = False, end + 1  # a lone quote: the value closes
                        continue
                    break  # closes in a later block, or a doubled quote or escape straddles the cut
            if final:
                return open_line if inside else None
            keep = min(pos, len(buf) - 1)  # one byte of context for the field-start look-behind
            line += _breaks(buf, counted, keep, prev_cr)
            prev_cr = buf[keep - 1:keep] == b"\r"
            buf, pos, counted = buf[keep:], pos - keep, 0


def _breaks(buf: bytes, start: int, end: int, prev_cr: bool) -> int:
    """Line breaks in ``buf[start:end]``, not counting an LF that completes a CR before ``start``."""
    if end <= start:
        return 0
    n = sniff.count_line_breaks(buf, start, end)
    before_is_cr = buf[start - 1:start] == b"\r" if start > 0 else prev_cr
    return n - 1 if before_is_cr and buf[start:start + 1] == b"\n" else n


def parse(source: Source, overrides: dict[str, str] | None = None,
          progress: Progress | None = None, max_mb: float | None = None) -> Parsed:
    """Read and type a CSV without storing it (what the preview shows and ``ingest`` stores)."""
    with _as_path(source) as (path, default_name):
        name = default_name if isinstance(source, bytes) else Path(source).name
        stored: Path | bytes = source if isinstance(source, bytes) else path
        return _parse_path(path, stored, name, overrides or {}, progress, max_mb)


def _parse_path(path: Path, source: Path | bytes, source_name: str, overrides: dict[str, str],
                progress: Progress | None, max_mb: float | None) -> Parsed:
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
    stamp = None if isinstance(source, bytes) else _stamp(path)
    with _utf8(path, encoding) as data, contextlib.ExitStack() as copies:
        layout = _layout(data)
        names, warnings = _clean_names(layout.header)
        _check_width(names)
        unknown = set(overrides) - set(names)
        if unknown:
            raise TypeOverrideError(f"No column named {', '.join(sorted(unknown))} in this file.")
        _check_quotes(data, layout)
        scan = _scan(data, layout, names, progress, copies)
        guesses = [stats.guess() for stats in scan.stats]
        types = [overrides.get(n) or g.type for n, g in zip(names, guesses, strict=True)]
        arrow_types = {name: typ for name, stats, g, t in zip(names, scan.stats, guesses, types, strict=True)
                       if (typ := stats.arrow_type(g, t)) is not None}
        plan = _Plan(source, stamp, encoding, layout.dialect, tuple(names), layout.data_offset,
                     layout.first_line, scan.newlines_in_values, scan.block_size, arrow_types, scan.long_values)
        if overrides:
            _check_overrides(scan.source, plan, guesses, overrides)
    if progress:
        progress(0.95, "Typing the preview…")
    preview = [infer.convert(col, g, t) for col, g, t in zip(scan.head, guesses, types, strict=True)]
    for g in guesses:
        if g.note.startswith("ambiguous") and g.name not in overrides:
            warnings.append(f"'{g.name}': {g.note}.")
    pa.default_memory_pool().release_unused()  # hand the freed batches back to the system
    return Parsed(names, guesses, [infer.dtype_of(g, t) for g, t in zip(guesses, types, strict=True)], types,
                  encoding, layout.dialect, source_name, sha256, size, scan.n_rows, preview, plan,
                  layout.warnings + warnings)


@dataclass
class _Scan:
    stats: list[infer.ColumnStats]
    head: list[pa.Array]
    n_rows: int
    newlines_in_values: bool
    block_size: int
    source: Path  # what Arrow read: the file, or a copy without its long values
    long_values: long_values.LongValues | None


def _scan(data: Path, layout: _Layout, names: list[str], progress: Progress | None,
          copies: contextlib.ExitStack) -> _Scan:
    """Pass 1: stream the rows as text and gather each column's facts.

    Quoted line breaks are allowed only when rows come out ragged without them (Arrow then cuts
    blocks more slowly). A row larger than a block is first searched for long values: when it
    has some, Arrow reads a copy of the file without them (open until ``copies`` closes);
    otherwise the file is read again with bigger blocks.
    """
    source, looked = data, False
    found: long_values.LongValues | None = None
    block, newlines = _start_block(max(1, data.stat().st_size - layout.data_offset)), False
    while True:
        total = max(1, source.stat().st_size - layout.data_offset)
        stats = [infer.ColumnStats(n, layout.dialect.delimiter) for n in names]
        head: list[list[pa.Array]] = [[] for _ in names]
        held = n_rows = 0
        full = False
        ragged = _InvalidRows()
        locator = long_values.Locator(found) if found else None
        try:
            with _open_reader(source, layout.data_offset, names, layout.dialect, block, newlines,
                              on_invalid=ragged) as (reader, file):
                for batch in reader:
                    if ragged.count and not newlines:
                        break  # read again below, allowing line breaks inside quotes
                    keep = _preview_rows(batch, PREVIEW_ROWS - held) if held < PREVIEW_ROWS and not full else 0
                    full = full or keep < batch.num_rows
                    for i, stats_i in enumerate(stats):
                        stats_i.add(batch.column(i))
                        if keep:
                            head[i].append(pa.concat_arrays([batch.column(i).slice(0, keep)]))  # a copy
                    if locator:
                        locator.add(batch, n_rows)
                    held += keep
                    n_rows += batch.num_rows
                    if progress:
                        done = min(file.tell() - layout.data_offset, total)
                        progress(0.9 * done / total, f"Reading… {done / 1e6:,.0f} of {total / 1e6:,.0f} MB")
        except _BlockTooSmall:
            if not looked:
                looked = True
                found = long_values.find(data, layout.data_offset, layout.dialect)
                if found is not None:
                    source = copies.enter_context(_without_long_values(data, found, layout.dialect))
                    newlines = False  # the line breaks may all have been inside the long values
                    continue
            if block >= MAX_BLOCK_SIZE or block > total:
                raise IngestError("A single row of this file is too large to read (over 2 GB).") from None
            # a row longer than a block: just big enough blocks (when rows are lines), else 4 times bigger
            needed = 0 if newlines else _longest_line(source, layout.data_offset) + MIN_BLOCK
            block = min(MAX_BLOCK_SIZE, max(needed, block * 2) if needed > block else block * 4)
            continue
        except _LineBreaksInValues:
            if newlines:
                raise
            newlines = True
            continue
        if ragged.count and not newlines:
            newlines = True
            continue
        located = locator.located() if locator and not ragged.count else None
        if locator and located is None:
            source, found = data, None  # the stand-ins are not where the scan put them: read the file itself
            continue
        if ragged.count:
            _raise_ragged(data, layout, len(names))
        if n_rows == 0:
            raise HeaderOnlyError("The file has a header but no data rows.")
        for value in located.values if located else ():
            if value.size > infer.DISTINCT_CAP_BYTES:
                stats[value.column].capped = True  # as if Arrow had read it: too big to count distinct values
        columns = [pa.concat_arrays(parts) if parts else pa.array([], pa.string()) for parts in head]
        return _Scan(stats, columns, n_rows, newlines, block, source, located)


def _preview_rows(batch: pa.RecordBatch, wanted: int) -> int:
    """How many of the batch's first rows fit the preview: at most ``wanted`` rows and about
    ``PREVIEW_BYTES`` of text (a file of huge values gets a short preview, not a second copy)."""
    rows: int = min(wanted, batch.num_rows)
    while rows > 0 and batch.slice(0, rows).nbytes > PREVIEW_BYTES:
        rows //= 2
    return rows


def _longest_line(path: Path, offset: int) -> int:
    """The longest line from ``offset`` on, in bytes (a vectorised scan, block by block)."""
    longest = run = 0
    with open(path, "rb") as fh:
        fh.seek(offset)
        while block := fh.read(COPY_CHUNK):
            codes = np.frombuffer(block, dtype=np.uint8)
            breaks = np.flatnonzero((codes == 10) | (codes == 13))
            if len(breaks) == 0:
                run += len(block)
                continue
            inner = int(np.diff(breaks).max()) if len(breaks) > 1 else 0
            longest = max(longest, run + int(breaks[0]) + 1, inner)
            run = len(block) - int(breaks[-1]) - 1
    return max(longest, run)


def _start_block(size: int) -> int:
    """Arrow's block size for a file of ``size`` bytes: what Arrow reads ahead (``READAHEAD_BLOCKS``
    blocks) stays within a quarter of the file, between 1 and 8 MB a block."""
    return max(MIN_BLOCK, min(MAX_START_BLOCK, size // (4 * READAHEAD_BLOCKS)))


def _check_overrides(data: Path, plan: _Plan, guesses: list[infer.ColumnGuess], overrides: dict[str, str]) -> None:
    """Convert every value of each overridden column: TypeOverrideError names the first misfits."""
    wanted = [name for name in plan.names if name in overrides]
    index = {name: plan.names.index(name) for name in wanted}
    with _open_reader(data, plan.data_offset, list(plan.names), plan.dialect, plan.block_size,
                      plan.newlines_in_values, include=wanted) as (reader, _):
        for batch in reader:
            for j, name in enumerate(wanted):
                infer.convert(batch.column(j), guesses[index[name]], overrides[name])


def _raise_ragged(data: Path, layout: _Layout, expected: int) -> None:
    """Name the bad lines. Arrow cannot number rows once quoted newlines are allowed, so the
    csv module re-reads the file here (only on this error path, streaming)."""
    bad: list[tuple[int, int]] = []
    widths: set[int] = set()
    count = rows = 0
    dialect = layout.dialect
    old_limit = csv.field_size_limit(MAX_BLOCK_SIZE)
    try:
        with open(data, "rb") as raw:
            raw.seek(layout.data_offset)
            text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
            reader = csv.reader(text, delimiter=dialect.delimiter, quotechar=dialect.quotechar or '"',
                                escapechar=dialect.escapechar or None)
            start_line = layout.first_line
            for row in reader:
                if row:
                    rows += 1
                    if len(row) != expected:
                        count += 1
                        widths.add(len(row))
                        if len(bad) < MAX_RAGGED_LISTED:
                            bad.append((start_line, len(row)))
                start_line = layout.first_line + reader.line_num
    finally:
        csv.field_size_limit(old_limit)
    listed = ", ".join(f"line {line:,} ({fields} fields)" for line, fields in bad)
    more = f" and {count - len(bad):,} more" if count > len(bad) else ""
    if count == rows > 1 and len(widths) == 1:
        raise RaggedRowsError(
            f"{count:,} row(s) do not have {expected} fields like the header (line {layout.first_line - 1:,}): "
            f"every row below it has {widths.pop()}. Is that line a title or note above the table? Remove the "
            "lines above the header and upload again."
        )
    raise RaggedRowsError(
        f"{count:,} row(s) do not have {expected} fields like the header: {listed}{more}. "
        "Fix those lines (often an unquoted delimiter inside a value) and upload again."
    )


def _is_disk_full(exc: BaseException) -> bool:
    return "full" in str(getattr(exc, "orig", exc)).lower() or getattr(exc, "errno", None) == errno.ENOSPC


def store_parsed(store: DatasetStore, parsed: Parsed, name: str | None = None,
                 progress: Progress | None = None) -> DatasetInfo:
    """Write a parsed file as a new ``uploaded`` dataset in one transaction (pass 2: the file is
    streamed again and written batch by batch; long values last, straight from the file)."""
    specs = parsed.specs()
    total = parsed.n_rows
    batches = parsed.batches()

    def chunks() -> Iterator[list[list[Any]]]:
        for arrays in batches:
            n = len(arrays[0]) if arrays else 0
            for start in range(0, n, STORE_CHUNK_ROWS):
                chunk = [encode_arrow(col.slice(start, STORE_CHUNK_ROWS), spec)
                         for col, spec in zip(arrays, specs, strict=True)]
                if start + STORE_CHUNK_ROWS >= n:
                    arrays = []  # drop the batch before its last rows are written
                yield chunk

    meta = {
        "encoding": parsed.encoding, "delimiter": parsed.dialect.delimiter,
        "quotechar": parsed.dialect.quotechar, "size_bytes": parsed.size_bytes,
        "warnings": parsed.warnings,
        "inferred": {g.name: {"type": g.type, "note": g.note} for g in parsed.guesses},
    }

    def write_long_values(raw: sqlite3.Connection, table: str) -> None:
        assert parsed.plan.long_values is not None
        with _plain_text(parsed.plan) as data:
            long_values.write(raw, table, [spec.storage_name for spec in specs], data, parsed.plan.long_values,
                              parsed.dialect.quotechar)

    stem = Path(parsed.source_name).stem
    try:
        return store.save_encoded(
            chunks(), specs, name or stem, "uploaded", total_rows=total, source_name=parsed.source_name,
            source_sha256=parsed.sha256, meta=meta, progress=progress,
            after_rows=write_long_values if parsed.plan.long_values else None,
        )
    except _TypedReadFailed:
        if not parsed.plan.arrow_types:
            raise
        return store_parsed(store, parsed.as_text(), name, progress)  # nothing was saved: start over
    except (sqlite3.OperationalError, sqlalchemy.exc.OperationalError, OSError) as exc:
        if not _is_disk_full(exc):
            raise
        raise StoreError(
            f"The disk holding the database ({Path(store.db_path).parent}) is full: the dataset could not be "
            "saved and nothing was changed. Free some space (or move the database elsewhere) and try again."
        ) from None
    finally:
        with contextlib.suppress(ValueError):  # still running in the writer's thread: it stops by itself
            batches.close()


def ingest_file(store: DatasetStore, source: Source, name: str | None = None,
                overrides: dict[str, str] | None = None, progress: Progress | None = None,
                source_name: str | None = None, max_mb: float | None = None) -> DatasetInfo:
    """Parse, type and store a CSV. Nothing is saved if any step fails."""
    parsed = parse(source, overrides, span(progress, 0, 0.5) if progress else None, max_mb)
    if source_name:
        parsed.source_name = source_name
    info = store_parsed(store, parsed, name, span(progress, 0.5, 1) if progress else None)
    if progress:
        progress(1.0, f"Stored {info.n_rows:,} rows × {info.n_cols} columns")
    return info
