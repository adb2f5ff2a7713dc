"""Values of a megabyte or more: read around Arrow and written with SQLite's incremental blob I/O.

Arrow's CSV reader holds a row three times while it parses it (its block, the parsed copy, the
string builder), and binding a value makes SQLite copy it twice more: one 100 MB field cost 3.9x
the file. So when a row does not fit Arrow's block, ``find`` looks for fields of
``LONG_VALUE_BYTES`` or more (one vectorised pass that follows Arrow's quoting rules), Arrow reads
a copy of the file in which each of them is a short stand-in (``write_copy``), and once the rows are
stored, ``write`` gives each stand-in's cell a text value of the right length and writes the
value into it from the file, slice by slice. SQLite then holds the value twice for a moment (the
new text and the row it builds), and nothing else does.

Files whose quoting these rules do not cover (an escape character, a quote inside an unquoted
value, text after a closing quote) are read by Arrow as they are.
"""

from __future__ import annotations

import codecs
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mdg_core.errors import IngestError
from mdg_core.ingest import infer
from mdg_core.ingest.sniff import Dialect

LONG_VALUE_BYTES = 1024 * 1024
SCAN_BLOCK = 4 * 1024 * 1024  # what one step of ``find`` reads (its arrays are a few times this)
SLICE_BYTES = 1024 * 1024  # what one blob write copies
FILL_CACHE_KIB = 2048  # SQLite's page cache while values are written: a full one would add 64 MB
MARK = "\ue000"  # a private-use character opens and closes a stand-in's key
PAD = "\ue001"
_CR, _LF = 13, 10


@dataclass(frozen=True)
class LongValue:
    """One long field: where it is in the UTF-8 file and where Arrow put its stand-in."""

    start: int  # byte span of the field, quotes included
    end: int
    quoted: bool
    size: int  # its length in bytes once unquoted
    stand_in: str
    row: int = -1
    column: int = -1


@dataclass(frozen=True)
class LongValues:
    """The long fields of one file, in file order, and how to recognise their stand-ins."""

    key: str
    values: tuple[LongValue, ...]

    @property
    def mark(self) -> str:
        return MARK + self.key


def find(path: Path, offset: int, dialect: Dialect, min_bytes: int = LONG_VALUE_BYTES) -> LongValues | None:
    """The fields of ``min_bytes`` or more from ``offset`` (a row's start) on, or None when there
    is none or the file's quoting is beyond the rules this scan follows."""
    quote = dialect.quotechar.encode("utf-8") if dialect.quotechar else b""
    if dialect.escapechar or len(quote) > 1 or len(dialect.delimiter.encode("utf-8")) != 1:
        return None
    spans = _long_spans(path, offset, ord(dialect.delimiter), quote[0] if quote else -1, min_bytes)
    if not spans:
        return None
    key = uuid.uuid4().hex
    values = []
    with open(path, "rb") as fh:
        for k, (start, end) in enumerate(spans):
            fh.seek(start)
            quoted = bool(quote) and fh.read(1) == quote
            inner = end - start - 2 * quoted
            pairs = _count(fh, start + quoted, inner, quote) // 2 if quoted else 0
            value = LongValue(start, end, quoted, inner - pairs, "")
            values.append(replace(value, stand_in=_stand_in(fh, value, dialect, key, k)))
    return LongValues(key, tuple(values))


def _long_spans(path: Path, offset: int, delimiter: int, quote: int, min_bytes: int) -> list[tuple[int, int]] | None:
    """Byte spans of the long fields, by Arrow's rules: a quote opens a value only at a field's
    start and closes it before a delimiter, a line break or a doubled quote; delimiters and line
    breaks inside quotes are text. Then the quotes alternate (open, close, open...), so whether a
    byte is quoted is the parity of the quotes before it, which numpy computes a block at a time.
    A quote anywhere else gives None."""
    ends_field = np.array([delimiter, _CR, _LF, quote if quote >= 0 else delimiter], dtype=np.uint8)
    spans: list[tuple[int, int]] = []
    inside = 0  # inside quotes at the start of the block
    field_start = offset
    before = delimiter  # the byte before the block (a row starts at ``offset``)
    check_next = False  # the last block ended with a closing quote: this byte must end the field
    base = offset
    with open(path, "rb") as fh:
        fh.seek(offset)
        while block := fh.read(SCAN_BLOCK):
            b = np.frombuffer(block, dtype=np.uint8)
            if check_next and b[0] not in ends_field:
                return None
            seps = np.flatnonzero((b == delimiter) | (b == _CR) | (b == _LF))
            check_next = False
            if quote >= 0:
                quotes = np.flatnonzero(b == quote)
                closing = ((inside + np.arange(len(quotes))) & 1).astype(bool)
                prev = b[np.maximum(quotes - 1, 0)]
                if len(quotes) and quotes[0] == 0:
                    prev[0] = before
                nxt = b[np.minimum(quotes + 1, len(b) - 1)]
                at_end = quotes == len(b) - 1
                if not (np.isin(prev[~closing], ends_field).all()
                        and np.isin(nxt[closing & ~at_end], ends_field).all()):
                    return None
                check_next = bool(len(quotes) and at_end[-1] and closing[-1])
                seps = seps[((inside + np.searchsorted(quotes, seps)) & 1) == 0]
                inside = (inside + len(quotes)) & 1
            ends = seps + base
            starts = np.concatenate(([field_start], ends[:-1] + 1))
            spans.extend((int(starts[i]), int(ends[i])) for i in np.flatnonzero(ends - starts >= min_bytes))
            if len(ends):
                field_start = int(ends[-1]) + 1
            before = block[-1]
            base += len(block)
    if inside:
        return None  # a quote that never closes: the quote check refuses such a file first
    if base - field_start >= min_bytes:
        spans.append((field_start, base))
    return spans


def _count(fh: BinaryIO, start: int, length: int, needle: bytes) -> int:
    fh.seek(start)
    count = 0
    while length > 0:
        piece = fh.read(min(SLICE_BYTES * 16, length))
        if not piece:
            break
        count += piece.count(needle)
        length -= len(piece)
    return count


def _stand_in(fh: BinaryIO, value: LongValue, dialect: Dialect, key: str, k: int) -> str:
    """The value's first characters (what inference shows as its example) on one line, then its
    key, padded so that inference never tries it as a number or a date."""
    quote = dialect.quotechar.encode("utf-8") if dialect.quotechar else b""
    head = next(_slices(fh, value, quote, 4 * infer.EXAMPLE_CHARS))
    text = codecs.getincrementaldecoder("utf-8")(errors="replace").decode(head)[: infer.EXAMPLE_CHARS]
    text = text.replace("\r", " ").replace("\n", " ")
    if not dialect.quotechar:
        text = text.replace(dialect.delimiter, " ")  # written unquoted: it must stay one field
    return f"{text}{MARK}{key}:{k}{MARK}{PAD * (infer.MAX_NUMBER_BYTES // len(PAD.encode()) + 1)}"


def _field(text: str, dialect: Dialect) -> bytes:
    if dialect.quotechar:
        q = dialect.quotechar
        return (q + text.replace(q, q + q) + q).encode("utf-8")
    return text.encode("utf-8")


def _slices(fh: BinaryIO, value: LongValue, quote: bytes, size: int = SLICE_BYTES) -> Iterator[bytes]:
    """The value's bytes, unquoted, about ``size`` at a time (a doubled quote is never cut)."""
    fh.seek(value.start + value.quoted)
    left = value.end - value.start - 2 * value.quoted
    carry = b""
    while left > 0:
        piece = fh.read(min(size, left))
        if not piece:
            raise IngestError("The file changed while it was being read. Upload it again.")
        left -= len(piece)
        piece = carry + piece
        carry = b""
        if value.quoted:
            run = len(piece) - len(piece.rstrip(quote))
            if run % 2 and left:
                piece, carry = piece[:-1], quote  # half a doubled quote: the rest comes next
            piece = piece.replace(quote + quote, quote)
        yield piece


def write_copy(path: Path, found: LongValues, dialect: Dialect, dst: BinaryIO) -> None:
    """``path`` with each long field replaced by its stand-in."""
    at = 0
    with open(path, "rb") as src:
        for value in found.values:
            _copy(src, dst, at, value.start - at)
            dst.write(_field(value.stand_in, dialect))
            at = value.end
        _copy(src, dst, at, None)


def _copy(src: BinaryIO, dst: BinaryIO, start: int, length: int | None) -> None:
    src.seek(start)
    while length is None or length > 0:
        piece = src.read(16 * SLICE_BYTES if length is None else min(16 * SLICE_BYTES, length))
        if not piece:
            return
        dst.write(piece)
        if length is not None:
            length -= len(piece)


@dataclass
class Locator:
    """Where Arrow puts each stand-in: found batch by batch while the copy is read."""

    found: LongValues
    places: dict[int, tuple[int, int]] = field(default_factory=dict)
    broken: bool = False

    def __post_init__(self) -> None:
        self._index = {v.stand_in: k for k, v in enumerate(self.found.values)}

    def add(self, batch: pa.RecordBatch, first_row: int) -> None:
        for i in range(batch.num_columns):
            col = batch.column(i)
            hits = pc.fill_null(pc.match_substring(col, self.found.mark), False)
            if not pc.any(hits).as_py():
                continue
            for j in np.flatnonzero(hits.to_numpy(zero_copy_only=False)):
                k = self._index.get(col[int(j)].as_py())
                if k is None or k in self.places:
                    self.broken = True  # not a whole field, or twice: the scan misread the file
                else:
                    self.places[k] = (first_row + int(j), i)

    def located(self) -> LongValues | None:
        """The values with their rows and columns, or None unless each stand-in was found once."""
        if self.broken or len(self.places) != len(self.found.values):
            return None
        values = tuple(replace(v, row=self.places[k][0], column=self.places[k][1])
                       for k, v in enumerate(self.found.values))
        return replace(self.found, values=values)


def read(path: Path, value: LongValue, quote: str) -> str:
    """The whole value as text (for a preview; storing never holds it)."""
    with open(path, "rb") as fh:
        return b"".join(_slices(fh, value, quote.encode("utf-8"))).decode("utf-8")


def write(raw: sqlite3.Connection, table: str, columns: list[str], path: Path, found: LongValues,
          quote: str) -> None:
    """Put each long value in its row: its cell first gets a text of the value's length in
    bytes (SQLite builds it and the row once each), then the value is written into it slice by
    slice with incremental blob I/O, which never changes a value's type or length."""
    quote_bytes = quote.encode("utf-8")
    longest = raw.getlimit(sqlite3.SQLITE_LIMIT_LENGTH)
    too_long = [v for v in found.values if v.size > longest]
    if too_long:
        raise IngestError(f"Row {too_long[0].row + 1:,} holds a value of {too_long[0].size / 1e6:,.0f} MB; SQLite "
                          f"stores values of at most {longest / 1e6:,.0f} MB. Shorten or split it and upload again.")
    cache = raw.execute("PRAGMA cache_size").fetchone()[0]
    raw.execute(f"PRAGMA cache_size=-{FILL_CACHE_KIB}")
    try:
        with open(path, "rb") as fh:
            for value in found.values:
                column = columns[value.column]
                done = raw.execute(
                    f'UPDATE "{table}" SET "{column}" = CAST(zeroblob(?) AS TEXT) WHERE rowid = ? AND "{column}" = ?',
                    (value.size, value.row + 1, value.stand_in),
                )
                if done.rowcount != 1:
                    raise IngestError(f"A long value (row {value.row + 1:,}) was not where it was read; nothing "
                                      "was saved. Upload the file again.")
                written = 0
                with raw.blobopen(table, column, value.row + 1) as blob:
                    for piece in _slices(fh, value, quote_bytes):
                        blob.write(piece)
                        written += len(piece)
                if written != value.size:
                    raise IngestError("The file changed while it was being read. Upload it again.")
    finally:
        raw.execute(f"PRAGMA cache_size={int(cache)}")
