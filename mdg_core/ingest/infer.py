"""Column type inference over text columns, batch by batch, and conversion to typed Arrow arrays.

Every column is read as text first, so nothing is lost before we decide: "00123" stays text
(an ID with leading zeros), "1,234.5" becomes a number, yes/no becomes a boolean, a column
becomes a date only when one format parses every value, and integers that no 64-bit integer or
decimal holds exactly stay text. ``ColumnStats`` gathers the facts one batch at a time, so a
file never has to sit in memory whole, and decides at the end exactly as if it had seen the
column at once. Regular expressions run in Arrow's compute kernels (RE2). Written by hand because
pandas' own inference loses leading zeros, rounds long IDs and knows no thousands separators.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from mdg_core.errors import TypeOverrideError

TYPES = ("integer", "float", "boolean", "datetime", "category", "text")
NA_TOKENS = [
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
]
DISTINCT_CAP = 50_000
DISTINCT_CAP_BYTES = 32 * 1024 * 1024
MERGE_AT = 20_000
DATE_SAMPLE = 5000
EXAMPLE_CHARS = 200
# text longer than this is never read as a number or a date: no number needs it, and a cast that
# fails copies the whole value into its error message (a 100 MB field cost 200 MB more)
MAX_NUMBER_BYTES = 400
TRUE_TOKENS = {"true", "yes", "t", "y"}
FALSE_TOKENS = {"false", "no", "f", "n"}

INT_RE = r"^\s*[+-]?\d+\s*$"
LEADING_ZERO_RE = r"^\s*[+-]?0\d+\s*$"
LONG_INT_RE = r"^\s*[+-]?\d{16,}\s*$"
FLOAT_RE = r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$|^\s*[+-]?(inf|Inf|INF|infinity|Infinity)\s*$"
THOUSANDS_RE = r"^\s*[+-]?\d{1,3}(,\d{3})+(\.\d+)?\s*$"
WHOLE_THOUSANDS_RE = r"^\s*[+-]?\d{1,3}(,\d{3})*\s*$"
ISO_PLAIN = {"%Y-%m-%d": r"^\d{4}-\d{2}-\d{2}$", "%Y-%m-%d %H:%M:%S": r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"}
DECIMAL_COMMA_RE = r"^\s*[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?\s*$"

DATE_FORMATS = [
    ("%Y-%m-%d", r"^\d{4}-\d{1,2}-\d{1,2}$"),
    ("ISO8601", r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$"),
    ("%Y/%m/%d", r"^\d{4}/\d{1,2}/\d{1,2}$"),
    ("%Y/%m/%d %H:%M:%S", r"^\d{4}/\d{1,2}/\d{1,2} \d{1,2}:\d{2}:\d{2}$"),
    ("%d/%m/%Y", r"^\d{1,2}/\d{1,2}/\d{4}$"),
    ("%m/%d/%Y", r"^\d{1,2}/\d{1,2}/\d{4}$"),
    ("%d/%m/%Y %H:%M", r"^\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}$"),
    ("%m/%d/%Y %H:%M", r"^\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}$"),
    ("%d/%m/%Y %H:%M:%S", r"^\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}:\d{2}$"),
    ("%m/%d/%Y %H:%M:%S", r"^\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}:\d{2}$"),
    ("%d.%m.%Y", r"^\d{1,2}\.\d{1,2}\.\d{4}$"),
    ("%d-%m-%Y", r"^\d{1,2}-\d{1,2}-\d{4}$"),
    ("%d %b %Y", r"^\d{1,2} [A-Za-z]{3} \d{4}$"),
    ("%b %d, %Y", r"^[A-Za-z]{3} \d{1,2}, \d{4}$"),
    ("%d %B %Y", r"^\d{1,2} [A-Za-z]+ \d{4}$"),
    ("%B %d, %Y", r"^[A-Za-z]+ \d{1,2}, \d{4}$"),
]


@dataclass
class ColumnGuess:
    """What inference decided for one column, and why (shown to the analyst)."""

    name: str
    type: str
    null_count: int
    distinct: int
    examples: list[str]
    note: str = ""
    date_format: str | None = None
    zoned: bool = False
    decimal_comma: bool = False
    distinct_sampled: bool = False
    thousands: bool = False
    warnings: list[str] = field(default_factory=list)


def _all_match(values: pa.Array, pattern: str) -> bool:
    """True if every value matches; a sample is tried first so most misses cost almost nothing."""
    if len(values) == 0:
        return False
    if len(values) > 2000 and not pc.all(pc.match_substring_regex(values.slice(0, 1000), pattern)).as_py():
        return False
    return bool(pc.all(pc.match_substring_regex(values, pattern)).as_py())


def _any_match(values: pa.Array, pattern: str) -> bool:
    return len(values) > 0 and bool(pc.any(pc.match_substring_regex(values, pattern)).as_py())


class ColumnStats:
    """The facts that decide one text column's type, gathered batch by batch.

    Each ``add`` keeps only flags, counts, the distinct values (up to ``DISTINCT_CAP``) and the
    date formats still possible, so memory does not grow with the file; ``guess`` then decides
    in the same order as if the whole column had been seen at once.
    """

    def __init__(self, name: str, delimiter: str = ",") -> None:
        self.name = name
        self.delimiter = delimiter
        self.count = 0
        self.nulls = 0
        self.uniques: pa.Array | None = None
        self._pending: list[pa.Array] = []
        self._pending_len = 0
        self.capped = False
        self.all_int = True
        self.plain_numbers = True  # every value is what Arrow's CSV reader parses as a number itself
        self.iso_plain = True  # every value is a zero-padded ISO date or date-time, without spaces
        self.leading_zero = False
        self.fits_int64 = True
        self.all_float = True
        self.float_inexact = False
        self.all_thousands = True
        self.any_thousands = False
        self.whole_thousands = True
        self.all_decimal_comma = delimiter != ","
        self.any_decimal_comma = False
        self.date_formats: list[str] | None = None
        self.zoned = False
        self.first_over_12 = False
        self.second_over_12 = False

    def add(self, col: pa.Array | pa.ChunkedArray) -> None:
        """Fold one batch of text values into the facts."""
        arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
        values = pc.drop_null(arr) if arr.null_count else arr
        self.nulls += len(arr) - len(values)
        if len(values) == 0:
            return
        self.count += len(values)
        self._add_distinct(values)
        if pc.max(pc.binary_length(values)).as_py() > MAX_NUMBER_BYTES:
            self.all_int = self.all_float = self.all_thousands = self.all_decimal_comma = False
            self.date_formats = []
        ints = _cast_or_none(values, pa.int64()) if self.all_int else None  # what a plain integer casts to
        batch_is_int = ints is not None or (self.all_int and _all_match(values, INT_RE))
        if self.all_int and not batch_is_int:
            self.all_int = False
        # integers are also floats, and numbers also match the thousands and decimal-comma forms
        batch_is_float = batch_is_int or (self.all_float and _all_match(values, FLOAT_RE))
        batch_leading_zero = batch_is_int and _any_match(values, LEADING_ZERO_RE)
        if batch_is_int:
            self.leading_zero = self.leading_zero or batch_leading_zero
            self.plain_numbers = self.plain_numbers and ints is not None
            self.fits_int64 = self.fits_int64 and (ints is not None or _fits_int64(values))
        elif batch_is_float:
            self.plain_numbers = self.plain_numbers and _casts(values, pa.float64())
        else:
            self.all_float = False
        if self.all_float and not self.float_inexact:
            self.float_inexact = _loses_digits_as_float(values)
        if self.all_thousands:
            if not batch_is_float and not _all_match(values, rf"{THOUSANDS_RE}|{FLOAT_RE}"):
                self.all_thousands = False
            else:
                self.any_thousands = self.any_thousands or (not batch_is_float and _any_match(values, THOUSANDS_RE))
                if ints is not None and not batch_leading_zero:  # at most three digits, without a regex
                    self.whole_thousands = self.whole_thousands and pc.max(pc.abs(ints)).as_py() < 1000
                else:
                    self.whole_thousands = self.whole_thousands and _all_match(values, WHOLE_THOUSANDS_RE)
        if self.all_decimal_comma and not batch_is_int:
            if not _all_match(values, DECIMAL_COMMA_RE):
                self.all_decimal_comma = False
            else:
                self.any_decimal_comma = self.any_decimal_comma or _any_match(values, r",\d")
        self._add_dates(values)

    def _add_distinct(self, values: pa.Array) -> None:
        if self.capped:
            return
        if values.nbytes > DISTINCT_CAP_BYTES:  # a few huge values: hashing them would copy them all
            self.capped = True
            self.uniques = pc.unique(pc.utf8_slice_codeunits(values.slice(0, 5), 0, EXAMPLE_CHARS))
            return
        self._pending.append(pc.unique(values))
        self._pending_len += len(self._pending[-1])
        if self._pending_len > max(MERGE_AT, len(self.uniques) if self.uniques is not None else 0):
            self._merge()  # merging only once the new values outnumber the known ones: linear overall

    def _merge(self) -> None:
        if not self._pending:
            return
        parts = ([self.uniques] if self.uniques is not None else []) + self._pending
        merged = pc.unique(pa.concat_arrays(parts))
        self._pending, self._pending_len = [], 0
        if len(merged) > DISTINCT_CAP or merged.nbytes > DISTINCT_CAP_BYTES:
            self.capped = True  # far too many to be categories; the first ones still give examples
            if self.uniques is None:
                self.uniques = merged.slice(0, 5)
            return
        self.uniques = merged

    def _add_dates(self, values: pa.Array) -> None:
        if self.date_formats is None:  # the first values decide which formats are worth trying
            self.date_formats = []
            if _any_match(values.slice(0, 50), r"\d") and values.slice(0, DATE_SAMPLE).nbytes < DISTINCT_CAP_BYTES:
                sample = pc.utf8_trim_whitespace(values.slice(0, DATE_SAMPLE))
                self.date_formats = [fmt for fmt, pattern in DATE_FORMATS if _all_match(sample, pattern)]
                self.zoned = has_zone(sample)
        if not self.date_formats:
            return
        stripped = pc.utf8_trim_whitespace(values)
        self.iso_plain = self.iso_plain and _all_match(values, "|".join(ISO_PLAIN.values()))
        if any(fmt.startswith(("%d/%m", "%m/%d")) for fmt in self.date_formats):
            try:
                parts = pc.split_pattern(stripped, "/", max_splits=2)
                first = pc.cast(pc.list_element(parts, 0), pa.int32())
                second = pc.cast(pc.list_element(parts, 1), pa.int32())
                self.first_over_12 = self.first_over_12 or bool(pc.any(pc.greater(first, 12)).as_py())
                self.second_over_12 = self.second_over_12 or bool(pc.any(pc.greater(second, 12)).as_py())
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                self.date_formats = [f for f in self.date_formats if not f.startswith(("%d/%m", "%m/%d"))]
        alive = []
        for fmt in self.date_formats:
            if fmt == "ISO8601" and "%Y-%m-%d" in alive:
                alive.append(fmt)  # every plain date is an ISO 8601 date: no second parse
            elif parse_dates(stripped, fmt, utc=self.zoned).null_count == 0:
                alive.append(fmt)
        self.date_formats = alive

    def date_format(self) -> tuple[str | None, str]:
        """The first format that parsed every value, and a note for the analyst."""
        for fmt in self.date_formats or []:
            if fmt.startswith("%d/%m") and not self.first_over_12:
                continue  # no day above 12 anywhere: month first, as spreadsheets in the US write it
            if fmt.startswith("%m/%d") and not self.second_over_12:
                return fmt, "ambiguous day/month order: read as month first (override if wrong)"
            return fmt, "dates"
        return None, ""

    def arrow_type(self, g: ColumnGuess, target: str) -> pa.DataType | None:
        """The type Arrow's CSV reader can parse this column to by itself, in C, when reading the
        file again to store it (``None``: read it as text and ``convert``)."""
        if target != g.type or g.null_count == self.count + self.nulls:
            return None
        if target in ("integer", "float") and self.plain_numbers and not (g.thousands or g.decimal_comma):
            return pa.int64() if target == "integer" else pa.float64()
        if target == "datetime" and self.iso_plain and not g.zoned and g.date_format in (*ISO_PLAIN, "ISO8601"):
            return pa.timestamp("ns")
        return None

    def guess(self) -> ColumnGuess:
        """The column's type, decided from everything added."""
        self._merge()
        uniques = self.uniques if self.uniques is not None else pa.array([], pa.string())
        g = ColumnGuess(name=self.name, type="text", null_count=self.nulls, distinct=len(uniques),
                        examples=[_shorten(str(v)) for v in uniques.slice(0, 5).to_pylist()],
                        distinct_sampled=self.capped, zoned=self.zoned)
        g.date_format, date_note = self.date_format()
        if self.count == 0:
            g.note = "all values missing"
            return g
        if not self.capped and g.distinct <= 10:
            words = {str(v).strip().lower() for v in uniques.to_pylist()}
            if words <= (TRUE_TOKENS | FALSE_TOKENS) and words - {"t", "f", "y", "n"}:
                g.type = "boolean"
                g.note = "true/false words"
                return g
        if self.all_int:
            if self.leading_zero:
                g.note = "leading zeros kept: stored as text (an ID or code)"
            elif self.fits_int64:
                g.type = "integer"
            else:
                g.note = "integers too large for 64 bits: stored as text, digit for digit"
            return g
        if self.all_float:
            if self.float_inexact:
                g.note = "whole numbers beyond 2^53 would lose digits as decimals: stored as text"
            else:
                g.type = "float"
            return g
        if self.all_thousands and self.any_thousands:
            g.type = "integer" if self.whole_thousands else "float"
            g.thousands = True
            g.note = "thousands separators removed"
            return g
        if self.all_decimal_comma and self.any_decimal_comma:
            g.type = "float"
            g.decimal_comma = True
            g.note = "decimal commas read as numbers"
            return g
        if g.date_format is not None:
            g.type = "datetime"
            g.note = date_note
            return g
        n = self.count
        g.type = "category" if not self.capped and g.distinct <= max(20, int(0.05 * n)) and g.distinct < n else "text"
        if g.type == "text" and (self.capped or g.distinct > 0.9 * n) and n > 50:
            g.note = "high-cardinality text"
        return g


def _shorten(text: str, limit: int = EXAMPLE_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def guess(name: str, col: pa.ChunkedArray | pa.Array, delimiter: str = ",") -> ColumnGuess:
    """Infer one text column's type from all of its values."""
    stats = ColumnStats(name, delimiter)
    stats.add(col)
    return stats.guess()


def _casts(values: pa.Array, typ: pa.DataType) -> bool:
    return _cast_or_none(values, typ) is not None


def _cast_or_none(values: pa.Array, typ: pa.DataType) -> pa.Array | None:
    if _too_long(values):
        return None
    try:
        return pc.cast(values, typ)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _fits_int64(values: pa.Array) -> bool:
    try:
        _to_number(values, pa.int64())
        return True
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False


def _loses_digits_as_float(values: pa.Array) -> bool:
    """True if a whole number here has no exact 64-bit float (beyond 2^53, e.g. 9007199254740993)."""
    if pc.max(pc.binary_length(values)).as_py() < 16:
        return False
    long_ints = values.filter(pc.match_substring_regex(values, LONG_INT_RE))
    if len(long_ints) == 0:
        return False
    try:
        ints = _to_number(long_ints, pa.int64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return True  # beyond 64 bits: a float keeps at most 17 of its digits
    try:
        pc.cast(ints, pa.float64())  # a safe cast refuses integers beyond ±2^53
    except pa.ArrowInvalid:
        return True
    return False


def _too_long(values: pa.Array) -> bool:
    return len(values) > 0 and (pc.max(pc.binary_length(values)).as_py() or 0) > MAX_NUMBER_BYTES


def _to_number(values: pa.Array, typ: pa.DataType) -> pa.Array:
    """Arrow's fast cast; only values with spaces or a leading '+' need cleaning first."""
    if _too_long(values):
        raise pa.ArrowInvalid(f"a value is longer than {MAX_NUMBER_BYTES} bytes: not a number")
    try:
        return pc.cast(values, typ)
    except pa.ArrowInvalid:
        cleaned = pc.replace_substring_regex(pc.utf8_trim_whitespace(values), r"^\+", "")
        return pc.cast(cleaned, typ)


def parse_dates(values: pa.Array, fmt: str, utc: bool | None = None) -> pa.Array:
    """Timestamps (UTC-normalised when zoned) with nulls where a value does not parse.

    Arrow's strptime is used for fixed formats (fast, in C); pandas for ISO 8601's many variants.
    ``utc`` says whether the column carries time zones (decided once per column, so every batch
    of a file gets the same type); ``None`` looks at these values.
    """
    if fmt == "ISO8601" and _all_match(values.slice(0, 1000), ISO_PLAIN["%Y-%m-%d %H:%M:%S"]):
        fmt = "%Y-%m-%d %H:%M:%S"  # the common plain form: Arrow's parser, then the same check
    if fmt in ISO_PLAIN and _all_match(values, ISO_PLAIN[fmt]):
        with contextlib.suppress(pa.ArrowInvalid):  # an impossible date: the slower path names it null
            return pc.cast(values, pa.timestamp("ns"))  # Arrow's ISO parser checks calendar dates
    if fmt != "ISO8601":
        try:
            parsed = pc.strptime(values, format=fmt, unit="ns", error_is_null=True)
            # Arrow rolls impossible dates over (31/02 becomes 02/03): keep its result only when
            # formatting it back gives the input; otherwise pandas, which validates, decides
            same = pc.equal(pc.strftime(parsed, format=fmt), values)
            if pc.all(pc.or_kleene(same, pc.is_null(parsed))).as_py() is not False:
                return parsed
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    zoned = has_zone(values) if utc is None else utc
    series = pd.to_datetime(values.to_pandas(), format=fmt, errors="coerce", utc=zoned)
    if getattr(series.dt, "tz", None) is not None:
        series = series.dt.tz_convert("UTC").dt.tz_localize(None)
        arr = pa.array(series.to_numpy(dtype="datetime64[ns]"), type=pa.timestamp("ns"), from_pandas=True)
        return arr.cast(pa.timestamp("ns", tz="UTC"))
    return pa.array(series.to_numpy(dtype="datetime64[ns]"), type=pa.timestamp("ns"), from_pandas=True)


def has_zone(values: pa.Array) -> bool:
    return _any_match(values.slice(0, 5000), r"(Z|[+-]\d{2}:?\d{2})$")


# --- conversion -------------------------------------------------------------------------------------
def dtype_of(g: ColumnGuess, target: str | None = None) -> str:
    """The pandas dtype a column of type ``target`` gets (nullable only if the column has gaps)."""
    target = target or g.type
    if target == "integer":
        return "Int64" if g.null_count else "int64"
    if target == "float":
        return "float64"
    if target == "boolean":
        return "boolean" if g.null_count else "bool"
    if target == "datetime":
        return "datetime64[ns, UTC]" if g.zoned else "datetime64[ns]"
    return "object"


def convert(col: pa.ChunkedArray | pa.Array, g: ColumnGuess, target: str | None = None) -> pa.Array:
    """Convert text values (a whole column or one batch) to ``target`` (default: the guess).

    Raises TypeOverrideError, naming bad values, when an override does not fit the data.
    """
    target = target or g.type
    if target not in TYPES:
        raise TypeOverrideError(f"Unknown type '{target}' for column '{g.name}'; use one of {', '.join(TYPES)}.")
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    if (target == "integer" and pa.types.is_integer(arr.type)) or (target == "float" and pa.types.is_floating(
            arr.type)) or (target == "datetime" and pa.types.is_timestamp(arr.type)):
        return arr  # Arrow's reader already parsed it (see ColumnStats.arrow_type)
    if target in ("text", "category"):
        # both stay plain strings (what pandas and the generators expect); the manifest keeps
        # "category" vs "text" as the column's logical type
        return arr.cast(pa.string())
    stripped = pc.utf8_trim_whitespace(arr)
    if target == "boolean":
        lowered = pc.utf8_lower(stripped)
        is_true = pc.is_in(lowered, pa.array(sorted(TRUE_TOKENS | {"1"})))
        is_false = pc.is_in(lowered, pa.array(sorted(FALSE_TOKENS | {"0"})))
        _check(g.name, arr, pc.or_(is_true, is_false), "true/false or yes/no")
        return pc.if_else(pc.is_null(arr), pa.scalar(None, pa.bool_()), is_true)
    if target in ("integer", "float"):
        typ = pa.int64() if target == "integer" else pa.float64()
        if not (g.thousands or g.decimal_comma):
            try:
                return _to_number(arr, typ)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                pass  # explain which values do not fit below
        text = stripped
        if g.thousands:
            text = pc.replace_substring(text, ",", "")
        if g.decimal_comma:
            text = pc.replace_substring(pc.replace_substring(text, ".", ""), ",", ".")
        text = pc.replace_substring_regex(text, r"^\+", "")
        if _too_long(text):
            raise TypeOverrideError(f"Column '{g.name}' has values of over {MAX_NUMBER_BYTES} characters, e.g. "
                                    f"{_examples(arr.filter(pc.greater(pc.binary_length(text), MAX_NUMBER_BYTES)))}: "
                                    "they are not numbers.")
        if target == "integer":
            _check(g.name, arr, pc.match_substring_regex(text, r"^-?\d+$"), "whole numbers")
            try:
                return pc.cast(text, pa.int64())
            except pa.ArrowInvalid as exc:
                raise TypeOverrideError(f"Column '{g.name}' has integers too large for 64 bits.") from exc
        _check(g.name, arr, pc.match_substring_regex(text, FLOAT_RE), "numbers")
        return pc.cast(text, pa.float64())
    # datetime
    if g.date_format is None:
        raise TypeOverrideError(f"Column '{g.name}' does not hold dates in a known format "
                                f"(e.g. {_examples(pc.drop_null(arr))}).")
    parsed = parse_dates(stripped, g.date_format, utc=g.zoned)
    bad = pc.and_(pc.is_null(parsed), pc.is_valid(arr))
    if pc.any(bad).as_py():
        raise TypeOverrideError(f"Column '{g.name}' has values that are not dates: {_examples(arr.filter(bad))}.")
    return parsed.cast(pa.timestamp("ns")) if parsed.type.tz is not None else parsed


def _check(name: str, arr: pa.Array, ok: pa.Array, what: str) -> None:
    bad = pc.and_(pc.invert(pc.fill_null(ok, True)), pc.is_valid(arr))
    if pc.any(bad).as_py():
        count = int(pc.sum(pc.cast(bad, pa.int64())).as_py())
        raise TypeOverrideError(
            f"Column '{name}' cannot be read as {what}: {count:,} value(s) do not fit, e.g. {_examples(arr.filter(bad))}."
        )


def _examples(values: pa.Array, n: int = 3) -> list[str | None]:
    """The first values for a message, each cut to ``EXAMPLE_CHARS`` (never a copy of a huge one)."""
    head = values.slice(0, n)
    short = pc.utf8_slice_codeunits(head, 0, EXAMPLE_CHARS + 1) if pa.types.is_string(head.type) else head
    return [None if v is None else _shorten(str(v)) for v in short.to_pylist()]
