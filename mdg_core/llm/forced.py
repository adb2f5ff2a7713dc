"""Forced text of positional rows: what the grammar allows only one way, written without sampling.

Between two values of a row the separators are fixed by the schema (after the name string comes
``,"`` for the email string; a nested object opens with ``["``). Sampling those tokens one forward
pass each is wasted work, so the decoder asks ``forced_suffix(text)`` for the text every valid
continuation must start with, feeds those tokens to the model in the same forward pass as the last
sampled token, and samples again only where the model has a real choice.

The tracker is deliberately conservative: it forces only between values of positional objects
(never inside strings, numbers or variable-length arrays), so it can only ever skip tokens the
grammar would have forced anyway; the decoder still checks each forced token against the grammar.
"""

from __future__ import annotations

from typing import Any

from mdg_core.llm.schema import types_of


def _slots(node: dict[str, Any]) -> list[tuple[dict[str, Any], bool]]:
    required = set(node.get("required") or [])
    return [(sub, key not in required) for key, sub in (node.get("properties") or {}).items()]


def _is_obj(node: dict[str, Any]) -> bool:
    return "properties" in node and "object" in types_of(node)


def value_prefix(node: dict[str, Any], optional: bool) -> str:
    """The text every value of this slot starts with ("" when the model has a choice)."""
    types = [t for t in types_of(node) if t != "null"]
    if optional or "null" in types_of(node) or len(types) != 1:
        return ""
    t = types[0]
    if "enum" in node:
        literals = [_json(v) for v in node["enum"]]
        prefix = literals[0] if literals else ""
        for lit in literals[1:]:
            while not lit.startswith(prefix):
                prefix = prefix[:-1]
        return prefix if all(len(lit) > len(prefix) for lit in literals) else ""
    if t == "string":
        return '"'
    if t == "object" and _is_obj(node):
        slots = _slots(node)
        return "[" + (value_prefix(*slots[0]) if slots else "")
    if t == "array":
        return "["
    return ""


def _json(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


def forced_suffix(text: str, schema: dict[str, Any], rows_left_after_this: int) -> str:
    """Text that must follow ``text`` (the current batch output) under the rows grammar."""
    line = text.rsplit("\n", 1)[-1]
    if line == "":
        return "[" + value_prefix_first(schema)
    stack: list[list[Any]] = []  # frames: [node, is_object, slot_index]
    in_string = False
    last = ""  # "close" after a value that cannot continue, "comma" after a separator, "open" after [
    for ch in line:
        if in_string:
            if ch == '"':
                in_string = False
                last = "close"
            continue
        if ch == '"':
            in_string, last = True, ""
        elif ch == "[":
            if not stack:
                stack.append([schema, True, 0])
            else:
                node, is_obj, idx = stack[-1]
                slot = _slots(node)[idx][0] if is_obj else (node.get("items") or {})
                if _is_obj(slot):
                    stack.append([slot, True, 0])
                else:
                    stack.append([slot, False, 0])
            last = "open"
        elif ch == "]":
            stack.pop()
            last = "close"
        elif ch == ",":
            if stack:
                stack[-1][2] += 1
            last = "comma"
        else:
            last = "scalar" if ch not in "el" else last if last == "close" else "scalar"
            if line.endswith(("true", "false", "null")) and ch in "el":
                last = "close"
    if in_string or not stack and last != "close":
        return ""
    if not stack:  # the row is complete
        return "\n" + "[" + value_prefix_first(schema) if rows_left_after_this > 0 else ""
    node, is_obj, idx = stack[-1]
    if not is_obj:
        return ""
    slots = _slots(node)
    if last in ("open", "comma"):
        return value_prefix(*slots[idx]) if idx < len(slots) else ""
    if last == "close":
        if idx < len(slots) - 1:
            return "," + value_prefix(*slots[idx + 1])
        out = "]"
        # closing this object may complete its parent's slot too: keep going up while forced
        depth = len(stack) - 1
        while depth > 0:
            parent, parent_obj, pidx = stack[depth - 1]
            if not parent_obj:
                return out
            pslots = _slots(parent)
            if pidx < len(pslots) - 1:
                return out + "," + value_prefix(*pslots[pidx + 1])
            out += "]"
            depth -= 1
        return out + ("\n[" + value_prefix_first(schema) if rows_left_after_this > 0 else "")
    return ""


def value_prefix_first(schema: dict[str, Any]) -> str:
    slots = _slots(schema)
    return value_prefix(*slots[0]) if slots else ""
