"""Column type inference over whole text columns, and conversion to typed Arrow arrays.

Every column is parsed as text first, so nothing is lost before we decide: "00123" stays text
(an ID with leading zeros), "1,234.5" becomes a number, yes/no becomes a boolean, and a column
becomes a date only when one format parses every value. Regular expressions run in Arrow's
compute kernels (RE2), so a million rows take a fraction of a second. Written by hand because
pandas' own inference loses leading zeros and knows no thousands separators or yes/no booleans.
"""

from __future__ import annotations

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
DISTINCT_SAMPLE = 200_000
TRUE_TOKENS = {"true", "yes", "t", "y"}
FALSE_TOKENS = {"false", "no", "f", "n"}

INT_RE = r"^\s*[+-]?\d+\s*$"
LEADING_ZERO_RE = r"^\s*[+-]?0\d+\s*$"
FLOAT_RE = r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$|^\s*[+-]?(inf|Inf|INF|infinity|Infinity)\s*$"
THOUSANDS_RE = r"^\s*[+-]?\d{1,3}(,\d{3})+(\.\d+)?\s*$"
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
    parsed_dates: pa.Array | None = field(default=None, repr=False)
    decimal_comma: bool = False
    distinct_sampled: bool = False
    thousands: bool = False
    warnings: list[str] = field(default_factory=list)


def _non_null(col: pa.ChunkedArray | pa.Array) -> pa.Array:
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    return pc.drop_null(arr)


def _all_match(values: pa.Array, pattern: str) -> bool:
    """True if every value matches; a sample is tried first so most misses cost almost nothing."""
    if len(values) == 0:
        return False
    if len(values) > 2000 and not pc.all(pc.match_substring_regex(values.slice(0, 1000), pattern)).as_py():
        return False
    return bool(pc.all(pc.match_substring_regex(values, pattern)).as_py())


def _any_match(values: pa.Array, pattern: str) -> bool:
    return len(values) > 0 and bool(pc.any(pc.match_substring_regex(values, pattern)).as_py())


def guess(name: str, col: pa.ChunkedArray | pa.Array, delimiter: str = ",") -> ColumnGuess:
    """Infer one text column's type from all of its values."""
    values = _non_null(col)
    null_count = len(col) - len(values)
    uniques = pc.unique(values)
    distinct = len(uniques)
    examples = [str(v) for v in uniques.slice(0, 5).to_pylist()]
    g = ColumnGuess(name=name, type="text", null_count=null_count, distinct=distinct, examples=examples)
    if len(values) == 0:
        g.note = "all values missing"
        return g
    if distinct <= 10:
        words = {str(v).strip().lower() for v in uniques.to_pylist()}
        if words <= (TRUE_TOKENS | FALSE_TOKENS) and words - {"t", "f", "y", "n"}:
            g.type = "boolean"
            g.note = "true/false words"
            return g
    if _all_match(values, INT_RE):
        if _any_match(values, LEADING_ZERO_RE):
            g.type = "text"
            g.note = "leading zeros kept: stored as text (an ID or code)"
            return g
        if _fits_int64(values):
            g.type = "integer"
            return g
        g.type = "float"
        g.note = "integers too large for 64 bits: stored as decimals"
        return g
    if _all_match(values, FLOAT_RE):
        g.type = "float"
        return g
    if _all_match(values, rf"{THOUSANDS_RE}|{FLOAT_RE}") and _any_match(values, THOUSANDS_RE):
        g.type = "integer" if _all_match(values, r"^\s*[+-]?\d{1,3}(,\d{3})*\s*$") else "float"
        g.thousands = True
        g.note = "thousands separators removed"
        return g
    if delimiter != "," and _all_match(values, DECIMAL_COMMA_RE) and _any_match(values, r",\d"):
        g.type = "float"
        g.decimal_comma = True
        g.note = "decimal commas read as numbers"
        return g
    fmt, note, parsed = _date_format(values)
    if fmt is not None:
        g.type = "datetime"
        g.date_format = fmt
        g.parsed_dates = parsed if null_count == 0 else None  # reusable only if aligned with col
        g.note = note
        return g
    n = len(values)
    g.type = "category" if distinct <= max(20, int(0.05 * n)) and distinct < n else "text"
    if g.type == "text" and distinct > 0.9 * n and n > 50:
        g.note = "high-cardinality text"
    return g


def describe_typed(name: str, arr: pa.Array) -> ColumnGuess:
    """The guess for a column Arrow already parsed as numbers or dates (see reader._sample_types)."""
    kind = "integer" if pa.types.is_integer(arr.type) else "float" if pa.types.is_floating(arr.type) else "datetime"
    values = pc.drop_null(arr)
    sampled = len(values) > DISTINCT_SAMPLE
    uniques = pc.unique(values.slice(0, DISTINCT_SAMPLE))  # hashing millions of numbers costs ~50 ms each
    g = ColumnGuess(name=name, type=kind, null_count=arr.null_count, distinct=len(uniques),
                    examples=[str(v) for v in uniques.slice(0, 5).to_pylist()], distinct_sampled=sampled)
    if kind == "datetime":
        g.date_format = "ISO8601"
        g.parsed_dates = arr
        g.note = "dates"
    return g


def _fits_int64(values: pa.Array) -> bool:
    try:
        _to_number(values, pa.int64())
        return True
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False


def _to_number(values: pa.Array, typ: pa.DataType) -> pa.Array:
    """Arrow's fast cast; only values with spaces or a leading '+' need cleaning first."""
    try:
        return pc.cast(values, typ)
    except pa.ArrowInvalid:
        cleaned = pc.replace_substring_regex(pc.utf8_trim_whitespace(values), r"^\+", "")
        return pc.cast(cleaned, typ)


def _date_format(values: pa.Array) -> tuple[str | None, str, pa.Array | None]:
    """The first date format that parses every value, a note for the analyst, and the parse."""
    sample = pc.utf8_trim_whitespace(values.slice(0, 5000))
    if not _any_match(sample.slice(0, 50), r"\d"):
        return None, "", None
    stripped = None
    for fmt, pattern in DATE_FORMATS:
        if not _all_match(sample, pattern):
            continue
        if stripped is None:
            stripped = pc.utf8_trim_whitespace(values)
        values = stripped
        if fmt.startswith(("%d/%m", "%m/%d")):
            fmt = _day_or_month_first(values, fmt)
            if fmt is None:
                continue
        parsed = parse_dates(values, fmt)
        if parsed.null_count == values.null_count:
            note = "dates"
            if fmt.startswith("%m/%d") and not _has_day_over_12(values, 1):
                note = "ambiguous day/month order: read as month first (override if wrong)"
            return fmt, note, parsed
    return None, "", None


def parse_dates(values: pa.Array, fmt: str) -> pa.Array:
    """Timestamps (UTC-normalised when zoned) with nulls where a value does not parse.

    Arrow's strptime is used for fixed formats (fast, in C); pandas for ISO 8601's many variants.
    """
    if fmt == "ISO8601" and _all_match(values.slice(0, 1000), r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"):
        fmt = "%Y-%m-%d %H:%M:%S"  # the common plain form: Arrow's parser, then the same check
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
    series = pd.to_datetime(values.to_pandas(), format=fmt, errors="coerce", utc=has_zone(values))
    if getattr(series.dt, "tz", None) is not None:
        series = series.dt.tz_convert("UTC").dt.tz_localize(None)
        arr = pa.array(series.to_numpy(dtype="datetime64[ns]"), type=pa.timestamp("ns"), from_pandas=True)
        return arr.cast(pa.timestamp("ns", tz="UTC"))
    return pa.array(series.to_numpy(dtype="datetime64[ns]"), type=pa.timestamp("ns"), from_pandas=True)


def has_zone(values: pa.Array) -> bool:
    return _any_match(values.slice(0, 5000), r"(Z|[+-]\d{2}:?\d{2})$")


def _day_or_month_first(values: pa.Array, fmt: str) -> str | None:
    parts = pc.split_pattern(pc.utf8_trim_whitespace(values), "/", max_splits=2)
    first = pc.cast(pc.list_element(parts, 0), pa.int32())
    second = pc.cast(pc.list_element(parts, 1), pa.int32())
    first_over = bool(pc.any(pc.greater(first, 12)).as_py())
    second_over = bool(pc.any(pc.greater(second, 12)).as_py())
    if first_over and second_over:
        return None
    day_first = first_over
    if fmt.startswith("%d/%m") and not day_first:
        return None
    if fmt.startswith("%m/%d") and day_first:
        return None
    return fmt


def _has_day_over_12(values: pa.Array, index: int) -> bool:
    parts = pc.split_pattern(pc.utf8_trim_whitespace(values), "/", max_splits=2)
    return bool(pc.any(pc.greater(pc.cast(pc.list_element(parts, index), pa.int32()), 12)).as_py())


# --- conversion -------------------------------------------------------------------------------------
def convert(col: pa.ChunkedArray | pa.Array, g: ColumnGuess, target: str | None = None) -> tuple[pa.Array, str]:
    """Convert a text column to ``target`` (default: the guess), returning (array, pandas dtype).

    Raises TypeOverrideError, naming bad values, when an override does not fit the data.
    """
    target = target or g.type
    if target not in TYPES:
        raise TypeOverrideError(f"Unknown type '{target}' for column '{g.name}'; use one of {', '.join(TYPES)}.")
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    has_nulls = arr.null_count > 0
    if not pa.types.is_string(arr.type):
        if target == g.type:
            g.parsed_dates = None
            if target == "integer":
                return arr, "Int64" if has_nulls else "int64"
            return arr, "float64" if target == "float" else "datetime64[ns]"
        arr = pc.cast(arr, pa.string())  # an override of an already typed column starts from text
    if target in ("text", "category"):
        # both stay plain strings (what pandas and the generators expect); the manifest keeps
        # "category" vs "text" as the column's logical type
        return arr.cast(pa.string()), "object"
    if target == "datetime" and g.parsed_dates is not None:
        stripped = arr
    else:
        stripped = pc.utf8_trim_whitespace(arr)
    if target == "boolean":
        lowered = pc.utf8_lower(stripped)
        is_true = pc.is_in(lowered, pa.array(sorted(TRUE_TOKENS | {"1"})))
        is_false = pc.is_in(lowered, pa.array(sorted(FALSE_TOKENS | {"0"})))
        _check(g.name, arr, pc.or_(is_true, is_false), "true/false or yes/no")
        out = pc.if_else(pc.is_null(arr), pa.scalar(None, pa.bool_()), is_true)
        return out, "boolean" if has_nulls else "bool"
    if target in ("integer", "float"):
        typ = pa.int64() if target == "integer" else pa.float64()
        if not (g.thousands or g.decimal_comma):
            try:
                return _to_number(arr, typ), ("Int64" if has_nulls else "int64") if target == "integer" else "float64"
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                pass  # explain which values do not fit below
        text = stripped
        if g.thousands:
            text = pc.replace_substring(text, ",", "")
        if g.decimal_comma:
            text = pc.replace_substring(pc.replace_substring(text, ".", ""), ",", ".")
        text = pc.replace_substring_regex(text, r"^\+", "")
        if target == "integer":
            _check(g.name, arr, pc.match_substring_regex(text, r"^-?\d+$"), "whole numbers")
            try:
                return pc.cast(text, pa.int64()), "Int64" if has_nulls else "int64"
            except pa.ArrowInvalid as exc:
                raise TypeOverrideError(f"Column '{g.name}' has integers too large for 64 bits.") from exc
        _check(g.name, arr, pc.match_substring_regex(text, FLOAT_RE), "numbers")
        return pc.cast(text, pa.float64()), "float64"
    # datetime
    parsed = g.parsed_dates
    g.parsed_dates = None
    if parsed is None:
        fmt = g.date_format or _date_format(stripped)[0]
        if fmt is None:
            examples = pc.drop_null(arr).slice(0, 3).to_pylist()
            raise TypeOverrideError(f"Column '{g.name}' does not hold dates in a known format (e.g. {examples}).")
        parsed = parse_dates(stripped, fmt)
    bad = pc.and_(pc.is_null(parsed), pc.is_valid(arr))
    if pc.any(bad).as_py():
        examples = arr.filter(bad).slice(0, 3).to_pylist()
        raise TypeOverrideError(f"Column '{g.name}' has values that are not dates: {examples}.")
    if parsed.type.tz is not None:
        return parsed.cast(pa.timestamp("ns")), "datetime64[ns, UTC]"
    return parsed, "datetime64[ns]"


def _check(name: str, arr: pa.Array, ok: pa.Array, what: str) -> None:
    bad = pc.and_(pc.invert(pc.fill_null(ok, True)), pc.is_valid(arr))
    if pc.any(bad).as_py():
        examples = arr.filter(bad).slice(0, 3).to_pylist()
        count = int(pc.sum(pc.cast(bad, pa.int64())).as_py())
        raise TypeOverrideError(
            f"Column '{name}' cannot be read as {what}: {count:,} value(s) do not fit, e.g. {examples}."
        )

