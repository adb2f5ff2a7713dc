"""GBNF grammar and compact row codec for grammar-constrained generation.

The model writes each record as a *positional row*: a JSON array of the values in schema order
(nested objects become nested arrays), one row per line. Keys and punctuation cost a forward pass
per token in llama.cpp, so dropping the keys roughly halves the tokens per record; the codec maps
rows back to objects exactly. The grammar bounds every string (length or pattern), every array
(item count) and every number (digit count), so decoding can never wander into an open-ended
production; numeric and date *ranges* are enforced after parsing (``fix_ranges``).
"""

from __future__ import annotations

import calendar
import json
import re
from datetime import date
from typing import Any

from mdg_core.llm.schema import types_of

STRING_CHAR = r'[^"\\\x00-\x1f\x7f]'


def gbnf_literal(text: str) -> str:
    """A GBNF string literal for ``text``."""
    out = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return f'"{out}"'


def _json_lit(value: Any) -> str:
    return gbnf_literal(json.dumps(value, ensure_ascii=False))


def _rep(expr: str, lo: int, hi: int) -> str:
    if hi <= 0:
        return ""
    if lo == hi:
        return f"{expr}{{{lo}}}"
    return f"{expr}{{{lo},{hi}}}"


class GrammarBuilder:
    """Builds named GBNF rules for a schema node by node."""

    def __init__(self) -> None:
        self.rules: dict[str, str] = {}

    def add(self, name: str, body: str) -> str:
        base = re.sub(r"[^a-zA-Z0-9-]", "-", name).strip("-").lower() or "r"
        candidate, i = base, 2
        while candidate in self.rules and self.rules[candidate] != body:
            candidate, i = f"{base}-{i}", i + 1
        self.rules[candidate] = body
        return candidate

    # --- scalars ---------------------------------------------------------------------------------
    def string(self, node: dict[str, Any], name: str) -> str:
        if "enum" in node:
            return self.add(name + "-enum", " | ".join(_json_lit(v) for v in node["enum"] if isinstance(v, str)))
        fmt = node.get("format")
        if fmt == "email":
            body = r'"\"" [a-z0-9] [a-z0-9._]{0,14} [a-z0-9] "@" [a-z0-9] [a-z0-9-]{1,12} ("." [a-z]{2,6}){1,2} "\""'
        elif fmt == "uuid":
            body = r'"\"" [0-9a-f]{8} "-" [0-9a-f]{4} "-4" [0-9a-f]{3} "-" [89ab] [0-9a-f]{3} "-" [0-9a-f]{12} "\""'
        elif fmt in ("date", "date-time"):
            body = '"\\"" ' + self._date(node, name) + (" " + self._time(node) if fmt == "date-time" else "") + ' "\\""'
        elif fmt == "uri":
            body = r'"\"http" "s"? "://" [a-z0-9] [a-z0-9-]{1,18} ("." [a-z0-9-]{2,12}){0,2} "." [a-z]{2,6} ("/" [a-zA-Z0-9_-]{1,16}){0,3} "\""'
        elif "x-mask" in node:
            parts = []
            for ch in node["x-mask"]:
                parts.append({"9": "[0-9]", "A": "[A-Z]", "a": "[a-z]"}.get(ch) or gbnf_literal(ch))
            body = '"\\"" ' + " ".join(parts) + ' "\\""'
        elif fmt == "phone":
            body = r'"\"" "+"? [0-9]{1,3} ([ -]? [0-9]{3,4}){2,3} "\""'
        else:
            lo, hi = int(node.get("minLength", 0)), int(node.get("maxLength", 40))
            chars = f"[{node['x-chars']}]" if node.get("x-chars") else STRING_CHAR
            body = '"\\"" ' + (_rep(chars, lo, hi) or '""') + ' "\\""'
        return self.add(name + "-str", body)

    def _date(self, node: dict[str, Any], name: str) -> str:
        lo = str(node.get("formatMinimum", "1970"))[:4]
        hi = str(node.get("formatMaximum", "2030"))[:4]
        y0, y1 = (int(lo), int(hi)) if lo.isdigit() and hi.isdigit() else (1970, 2030)
        years = " | ".join(f'"{y}"' for y in range(y0, y1 + 1)) if y1 - y0 <= 40 else '[12] [0-9]{3}'
        month = '("0" [1-9] | "1" [0-2])'
        day = '("0" [1-9] | [12] [0-9] | "3" [01])'
        return f'({years}) "-" {month} "-" {day}'

    @staticmethod
    def _time(node: dict[str, Any]) -> str:
        style = node.get("x-style") or {"sep": "T", "seconds": True, "tz": "Z"}
        body = gbnf_literal(style["sep"]) + ' ([01] [0-9] | "2" [0-3]) ":" [0-5] [0-9]'
        if style.get("seconds"):
            body += ' ":" [0-5] [0-9]'
        if style.get("tz"):
            body += " " + gbnf_literal(style["tz"])
        return body

    def integer(self, node: dict[str, Any], name: str) -> str:
        lo, hi = int(node.get("minimum", 0)), int(node.get("maximum", 10 ** 6))
        if lo == hi:
            return self.add(name + "-int", f'"{lo}"')
        digits = len(str(max(abs(lo), abs(hi))))
        sign = '"-"? ' if lo < 0 else ""
        body = f'{sign}("0" | [1-9] {_rep("[0-9]", 0, digits - 1)})'
        return self.add(name + "-int", body)

    def number(self, node: dict[str, Any], name: str) -> str:
        lo, hi = float(node.get("minimum", 0)), float(node.get("maximum", 10 ** 6))
        digits = len(str(int(max(abs(lo), abs(hi)))))
        decimals = int(node.get("x-decimals", 2))
        sign = '"-"? ' if lo < 0 else ""
        body = f'{sign}("0" | [1-9] {_rep("[0-9]", 0, digits - 1)}) "." {_rep("[0-9]", 1, decimals)}'
        return self.add(name + "-num", body)

    # --- structure -------------------------------------------------------------------------------
    def node(self, node: dict[str, Any], name: str, optional: bool = False) -> str:
        """A rule name for one schema node (``optional`` adds ``null`` meaning "key absent")."""
        alts: list[str] = []
        if "enum" in node and any(not isinstance(v, str) for v in node["enum"]):
            alts.append(self.add(name + "-enum", " | ".join(_json_lit(v) for v in node["enum"])))
        for t in types_of(node) if not alts else []:
            if t == "string":
                alts.append(self.string(node, name))
            elif t == "integer":
                alts.append(self.integer(node, name))
            elif t == "number":
                alts.append(self.number(node, name))
            elif t == "boolean":
                alts.append('("true" | "false")')
            elif t == "object":
                alts.append(self.obj(node, name))
            elif t == "array":
                alts.append(self.array(node, name))
        if optional or "null" in types_of(node) or not alts:
            alts.append('"null"')
        if len(alts) == 1 and re.fullmatch(r"[a-z0-9-]+", alts[0]):
            return alts[0]
        return self.add(name, " | ".join(alts))

    def obj(self, node: dict[str, Any], name: str) -> str:
        required = set(node.get("required") or [])
        parts = [self.node(sub, f"{name}-{key}", optional=key not in required)
                 for key, sub in (node.get("properties") or {}).items()]
        if not parts:
            return self.add(name + "-obj", '"[]"')
        return self.add(name + "-obj", '"[" ' + ' "," '.join(parts) + ' "]"')

    def array(self, node: dict[str, Any], name: str) -> str:
        items = node.get("items") or {"type": "string", "maxLength": 20}
        item = self.node(items, name + "-item")
        lo, hi = int(node.get("minItems", 0)), int(node.get("maxItems", 5))
        if hi <= 0:
            return self.add(name + "-arr", '"[]"')
        if lo == 0:
            more = _rep("(\",\" " + item + ")", 0, hi - 1)
            body = f'"[" ({item} {more})? "]"'
        else:
            rest = _rep("(\",\" " + item + ")", lo - 1, hi - 1)
            body = f'"[" {item} {rest} "]"'
        return self.add(name + "-arr", body)

    def render(self, root_body: str) -> str:
        lines = [f"root ::= {root_body}"] + [f"{k} ::= {v}" for k, v in self.rules.items()]
        return "\n".join(lines) + "\n"


def rows_grammar(schema: dict[str, Any], n_rows: int) -> str:
    """GBNF text for exactly ``n_rows`` positional rows of ``schema``, one per line."""
    builder = GrammarBuilder()
    row = builder.obj(schema, "row")
    root = row if n_rows == 1 else f'{row} ("\\n" {row}){{{n_rows - 1}}}'
    return builder.render(root)


def compile_grammar(text: str) -> Any:
    """A ``llama_cpp.LlamaGrammar`` for the text (raises ValueError on a malformed grammar)."""
    from llama_cpp import LlamaGrammar

    return LlamaGrammar.from_string(text, verbose=False)


# --- row codec -------------------------------------------------------------------------------------
def encode(value: Any, node: dict[str, Any]) -> Any:
    """An object as its positional row (objects → arrays in property order)."""
    if isinstance(value, dict) and "properties" in node:
        return [encode(value.get(k), sub) if k in value else None for k, sub in node["properties"].items()]
    if isinstance(value, list) and isinstance(node.get("items"), dict):
        return [encode(v, node["items"]) for v in value]
    return value


def decode(row: Any, node: dict[str, Any]) -> Any:
    """A positional row back as an object; ``null`` for an optional key means the key is absent."""
    if isinstance(row, list) and "properties" in node and "object" in types_of(node):
        required = set(node.get("required") or [])
        out: dict[str, Any] = {}
        # not strict: a row of the wrong length decodes with keys missing, and validation then drops it
        for (key, sub), value in zip(node["properties"].items(), row, strict=False):
            if value is None and key not in required:
                continue
            out[key] = decode(value, sub)
        return out
    if isinstance(row, list) and isinstance(node.get("items"), dict):
        return [decode(v, node["items"]) for v in row]
    return row


def header(node: dict[str, Any]) -> str:
    """The field order of a row, written the way rows are (``[name, address:[city, zip]]``)."""
    parts = []
    for key, sub in (node.get("properties") or {}).items():
        if "properties" in sub:
            parts.append(f"{key}:{header(sub)}")
        elif isinstance(sub.get("items"), dict) and "properties" in sub["items"]:
            parts.append(f"{key}:[{header(sub['items'])}, …]")
        else:
            parts.append(key)
    return "[" + ", ".join(parts) + "]"


def dumps_row(row: Any) -> str:
    return json.dumps(row, ensure_ascii=False, separators=(",", ":"))


# --- range enforcement -----------------------------------------------------------------------------
def _wrap(value: float, lo: float, hi: float) -> float:
    """Fold an out-of-range value back into [lo, hi] (spreads values instead of piling them at a bound)."""
    if lo <= value <= hi:
        return value
    span = hi - lo
    if span <= 0:
        return lo
    return lo + (value - lo) % span


def _fix_date(text: str, node: dict[str, Any]) -> str:
    y, m, d = int(text[:4]), int(text[5:7]), int(text[8:10])
    m = min(max(m, 1), 12)
    d = min(max(d, 1), calendar.monthrange(y, m)[1])
    day = date(y, m, d)
    lo, hi = node.get("formatMinimum"), node.get("formatMaximum")
    if lo and hi:
        try:
            a, b = date.fromisoformat(lo[:10]).toordinal(), date.fromisoformat(hi[:10]).toordinal()
            day = date.fromordinal(int(_wrap(day.toordinal(), a, b + 1)) if b > a else a)
        except ValueError:
            pass
    return day.isoformat() + text[10:]


def fix_ranges(value: Any, node: dict[str, Any]) -> Any:
    """Bring numbers and dates into the schema's ranges; repair impossible dates (30 February)."""
    types = types_of(node)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)) and "minimum" in node:
        lo, hi = node["minimum"], node["maximum"]
        if "integer" in types and "number" not in types:
            v = int(value)
            return v if lo <= v <= hi else lo + (v - lo) % (hi - lo + 1)
        decimals = int(node.get("x-decimals", 2))
        return round(_wrap(float(value), float(lo), float(hi)), decimals)
    if isinstance(value, str) and node.get("format") in ("date", "date-time") and len(value) >= 10:
        try:
            return _fix_date(value, node)
        except ValueError:
            return value
    if isinstance(value, dict):
        props = node.get("properties") or {}
        return {k: fix_ranges(v, props[k]) if k in props else v for k, v in value.items()}
    if isinstance(value, list) and isinstance(node.get("items"), dict):
        return [fix_ranges(v, node["items"]) for v in value]
    return value
