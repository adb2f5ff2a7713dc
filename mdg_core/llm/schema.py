"""JSON-schema inference from *all* examples, and validation of generated records against it.

The schema is standard JSON Schema (draft 2020-12) plus a few ``x-`` hints the grammar builder uses
(string masks, decimal places, date-time style). Inference looks at every example: keys are the
union, a key missing from some examples is optional, a ``null`` makes it nullable, mixed types
become a type list, integers stay integers unless a real fraction appears, low-cardinality repeated
strings become enums, and formats are detected only when every value has them.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Any

ENUM_MAX_VALUES = 12
STRING_HARD_MAX = 60

FORMAT_PATTERNS: dict[str, re.Pattern[str]] = {
    "uuid": re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
    "email": re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$"),
    "date": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
    "date-time": re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$"),
    "uri": re.compile(r"^https?://[A-Za-z0-9.-]+\.[A-Za-z]{2,}(:\d+)?(/[^\s]*)?$"),
    "phone": re.compile(r"^\+?[0-9(][0-9 ().-]{5,18}[0-9]$"),
}


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
        return True
    except ValueError:
        return False


def _is_datetime(text: str) -> bool:
    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
        return True
    except ValueError:
        return False


def check_format(fmt: str, value: str) -> bool:
    """True if ``value`` has the string format ``fmt`` (the formats inference can produce)."""
    pattern = FORMAT_PATTERNS.get(fmt)
    if pattern is None or not pattern.match(value):
        return pattern is None
    if fmt == "date":
        return _is_date(value)
    if fmt == "date-time":
        return _is_datetime(value)
    if fmt == "phone":
        return sum(c.isdigit() for c in value) >= 7 and not re.match(r"^\d{4}-\d{2}-\d{2}", value)
    return True


def detect_format(values: list[str]) -> str | None:
    """The one format every value has, most specific first."""
    if not values:
        return None
    for fmt in ("uuid", "email", "date-time", "date", "uri", "phone"):
        if all(check_format(fmt, v) for v in values):
            return fmt
    return None


def shape(text: str) -> str:
    """A mask of a string: digits → 9, upper → A, lower → a, everything else kept."""
    return "".join("9" if c.isdigit() else "A" if c.isupper() else "a" if c.islower() else c for c in text)


def _datetime_style(values: list[str]) -> dict[str, Any]:
    sep = "T" if all("T" in v for v in values) else " " if all(" " in v for v in values) else "T"
    seconds = all(re.search(r"\d{2}:\d{2}:\d{2}", v) for v in values)
    tails = {re.sub(r"^.*?\d{2}:\d{2}(:\d{2}(\.\d+)?)?", "", v) for v in values}
    tail = tails.pop() if len(tails) == 1 else "Z"
    tail = tail if re.fullmatch(r"(Z|[+-]\d{2}:?\d{2})?", tail) else "Z"
    return {"sep": sep, "seconds": bool(seconds), "tz": tail}


def _string_schema(values: list[str], n_total: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    fmt = detect_format(values)
    distinct = list(dict.fromkeys(values))
    if fmt in (None, "phone") and len(values) >= 4 and len(distinct) <= ENUM_MAX_VALUES and len(distinct) < len(values):
        out["enum"] = distinct
        return out
    if fmt:
        out["format"] = fmt
        if fmt in ("date", "date-time"):
            ordered = sorted(values)
            out["formatMinimum"], out["formatMaximum"] = ordered[0], ordered[-1]
            if fmt == "date-time":
                out["x-style"] = _datetime_style(values)
            return out
        if fmt in ("uuid", "email", "uri", "phone"):
            return out
    shapes = {shape(v) for v in values}
    code_like = len(values[0]) <= 4 and values[0].isalnum() and values[0].isupper()
    if len(values) >= 2 and len(shapes) == 1 and " " not in values[0] and (
            any(c.isdigit() for c in values[0]) or code_like):
        out["x-mask"] = shapes.pop()
    lengths = [len(v) for v in values]
    lo, hi = min(lengths), max(lengths)
    out["minLength"] = 0 if lo == 0 else max(1, lo // 2)
    out["maxLength"] = min(STRING_HARD_MAX, max(hi + 4, int(math.ceil(hi * 1.25)), 3))
    out["x-chars"] = char_classes(values)
    return out


def char_classes(values: list[str]) -> str:
    """The characters a free-text field may use, as the inside of a regex/GBNF class.

    Learned from the examples (letters, digits, and each punctuation mark seen), so a name field
    gets letters and spaces, not the digits and commas a small model likes to wander into.
    """
    chars = set("".join(values))
    parts = []
    if any(c.isascii() and c.isalpha() for c in chars):
        parts.append("A-Za-z")
    if any(c.isdigit() and c.isascii() for c in chars):
        parts.append("0-9")
    if any(not c.isascii() and c.isalpha() for c in chars):
        parts.append("\u00C0-\u024F")
        parts.extend(sorted(c for c in chars if not c.isascii() and c.isalpha() and not "\u00C0" <= c <= "\u024F"))
    extra = sorted(c for c in chars if not c.isalnum() and c not in '"\\-]^' and c.isprintable())
    parts.extend("\\]" if c == "]" else c for c in extra)
    if "-" in chars:
        parts.append("-")
    return "".join(parts) or "A-Za-z"


def _decimals(x: float) -> int:
    text = repr(float(x))
    if "e" in text or "." not in text:
        return 0
    return len(text.split(".")[1].rstrip("0"))


def infer_node(values: list[Any]) -> dict[str, Any]:
    """The schema of one position, from every value seen there (``None`` included)."""
    types: list[str] = []
    schema: dict[str, Any] = {}
    present = [v for v in values if v is not None]
    bools = [v for v in present if isinstance(v, bool)]
    ints = [v for v in present if isinstance(v, int) and not isinstance(v, bool)]
    floats = [v for v in present if isinstance(v, float)]
    strings = [v for v in present if isinstance(v, str)]
    dicts = [v for v in present if isinstance(v, dict)]
    lists = [v for v in present if isinstance(v, list)]
    if bools:
        types.append("boolean")
    if ints or floats:
        nums = [float(v) for v in ints + floats]
        real_fraction = any(not float(v).is_integer() for v in floats)
        types.append("number" if real_fraction else "integer")
        lo, hi = min(nums), max(nums)
        if real_fraction:
            schema["minimum"], schema["maximum"] = lo, hi
            schema["x-decimals"] = max(1, min(6, max(_decimals(v) for v in floats)))
        else:
            schema["minimum"], schema["maximum"] = int(lo), int(hi)
    if strings:
        types.append("string")
        schema.update(_string_schema(strings, len(values)))
    if dicts:
        types.append("object")
        keys: list[str] = list(dict.fromkeys(k for d in dicts for k in d))
        schema["properties"] = {k: infer_node([d[k] for d in dicts if k in d]) for k in keys}
        schema["required"] = [k for k in keys if all(k in d for d in dicts)]
        schema["additionalProperties"] = False
    if lists:
        types.append("array")
        items = [x for lst in lists for x in lst]
        schema["items"] = infer_node(items) if items else {"type": "string", "maxLength": 20}
        lengths = [len(lst) for lst in lists]
        schema["minItems"] = min(lengths)
        schema["maxItems"] = min(10, max(max(lengths), 1))
    if len(present) < len(values) or not types:
        types.append("null")
    schema["type"] = types[0] if len(types) == 1 else types
    return schema


def infer_schema(examples: list[dict[str, Any]]) -> dict[str, Any]:
    """A JSON Schema for records like ``examples``, learned from all of them."""
    schema = infer_node(list(examples))
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["type"] = "object"
    return schema


def types_of(node: dict[str, Any]) -> list[str]:
    t = node.get("type", [])
    return [t] if isinstance(t, str) else list(t)


def validation_errors(record: Any, schema: dict[str, Any], limit: int = 5) -> list[str]:
    """Why a record does not match the schema (empty list: it does), formats and ranges included."""
    from jsonschema import Draft202012Validator, FormatChecker

    checker = FormatChecker(formats=())
    for fmt in FORMAT_PATTERNS:
        checker.checks(fmt)(lambda value, _fmt=fmt: not isinstance(value, str) or check_format(_fmt, value))
    validator = Draft202012Validator(schema, format_checker=checker)
    errors = []
    for err in validator.iter_errors(record):
        where = "/".join(str(p) for p in err.absolute_path) or "record"
        errors.append(f"{where}: {err.message}")
        if len(errors) >= limit:
            break
    errors.extend(_date_range_errors(record, schema)[: max(0, limit - len(errors))])
    return errors


def _date_range_errors(value: Any, node: dict[str, Any], path: str = "record") -> list[str]:
    out: list[str] = []
    if isinstance(value, str) and node.get("format") in ("date", "date-time"):
        lo, hi = node.get("formatMinimum"), node.get("formatMaximum")
        if lo and value[:10] < lo[:10] or hi and value[:10] > hi[:10]:
            out.append(f"{path}: {value} is outside {lo} … {hi}")
    elif isinstance(value, dict):
        for key, sub in (node.get("properties") or {}).items():
            if key in value:
                out.extend(_date_range_errors(value[key], sub, f"{path}/{key}"))
    elif isinstance(value, list) and isinstance(node.get("items"), dict):
        for i, sub in enumerate(value):
            out.extend(_date_range_errors(sub, node["items"], f"{path}/{i}"))
    return out


def is_valid(record: Any, schema: dict[str, Any]) -> bool:
    return not validation_errors(record, schema, limit=1)


def describe(schema: dict[str, Any], prefix: str = "") -> list[dict[str, Any]]:
    """A flat, readable table of the schema's fields (for the page and the CLI)."""
    rows: list[dict[str, Any]] = []
    required = set(schema.get("required") or [])
    for key, node in (schema.get("properties") or {}).items():
        path = f"{prefix}{key}"
        types = types_of(node)
        details = []
        if "enum" in node:
            details.append("one of " + ", ".join(map(str, node["enum"][:6])) + ("…" if len(node["enum"]) > 6 else ""))
        if "format" in node:
            details.append(node["format"])
        if "minimum" in node:
            details.append(f"{node['minimum']} … {node['maximum']}")
        if "formatMinimum" in node:
            details.append(f"{node['formatMinimum']} … {node['formatMaximum']}")
        if "x-mask" in node:
            details.append(f"like {node['x-mask']}")
        if "maxItems" in node:
            details.append(f"{node['minItems']}–{node['maxItems']} items")
        rows.append({"field": path, "type": " | ".join(t for t in types if t != "null"),
                     "required": key in required, "nullable": "null" in types, "rule": "; ".join(details)})
        if "properties" in node:
            rows.extend(describe(node, prefix=path + "."))
        items = node.get("items")
        if isinstance(items, dict) and "properties" in items:
            rows.extend(describe(items, prefix=path + "[]."))
    return rows
