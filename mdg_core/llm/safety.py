"""Input and output safety for LLM generation: examples are data, never instructions.

Three layers: size limits (so a paste cannot exhaust memory or the context window), stripping of
control and invisible format characters (which hide text from the analyst but not from the model),
and a rule set that spots text trying to instruct the model (prompt injection). The same rules
screen generated records, so a model that was talked into echoing instructions is caught too.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from mdg_core.errors import InvalidParameterError, PromptInjectionError

MAX_EXAMPLES = 200
MAX_INPUT_BYTES = 256 * 1024
MAX_STRING_CHARS = 2000
MAX_DEPTH = 6
MAX_KEYS = 60
MAX_KEY_CHARS = 80
MAX_COUNT = 10_000


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern[str]
    why: str


def _r(name: str, pattern: str, why: str) -> Rule:
    return Rule(name, re.compile(pattern, re.IGNORECASE | re.DOTALL), why)


# Matched against normalised text (lower case, invisible characters removed, whitespace collapsed).
RULES: tuple[Rule, ...] = (
    _r("ignore-instructions",
       r"\b(ignore|disregard|forget|skip|override|bypass)\b.{0,40}\b(instructions?|prompts?|rules|directions|guidelines|context|system)\b",
       "asks the model to ignore its instructions"),
    _r("new-instructions", r"\b(new|updated|real|actual|secret|hidden)\s+(instructions?|task|prompt|orders)\b",
       "announces new instructions"),
    _r("role-switch", r"\b(you are now|from now on,? you|act as (an?|the)\b|pretend (to be|you are)|roleplay as|you must now)\b",
       "tries to change the model's role"),
    _r("prompt-leak", r"\b(reveal|print|show|repeat|output|leak|display)\b.{0,30}\b(system prompt|your (instructions|prompt|rules)|the prompt)\b",
       "asks the model to reveal its prompt"),
    _r("chat-markup", r"(<\|im_(start|end)\|>|<\|(system|user|assistant|endoftext|eot_id|start_header_id)\|>|\[/?inst\]|<</?sys>>|</s>|<s>)",
       "contains chat-template control markup"),
    _r("role-header", r"(^|\n|\s)(###\s*)?(system|assistant|user)\s*:\s*\S", "contains a chat role header"),
    _r("instruction-header", r"###\s*(instruction|response|system)", "contains an instruction header"),
    _r("jailbreak", r"\b(jailbreak|developer mode|dan mode|do anything now|no restrictions|unfiltered mode)\b",
       "contains a known jailbreak phrase"),
    _r("redirect-output", r"\b(instead|rather),?\s+(write|output|generate|say|print|respond|return|reply)\b",
       "tries to redirect the model's output"),
    _r("do-not-follow", r"\b(do not|don't|never)\s+(follow|obey|generate|output)\b.{0,30}\b(json|schema|format|instructions?|rules)\b",
       "tells the model not to follow the format"),
)

_INVISIBLE = {"Cc", "Cf", "Co", "Cs"}


def strip_control(text: str) -> str:
    """Remove control, format (zero-width, bidi override) and private-use characters."""
    if text.isascii() and text.isprintable():
        return text
    out = []
    for ch in text:
        if ch in "\t\n\r":
            out.append(" ")
        elif unicodedata.category(ch) not in _INVISIBLE:
            out.append(ch)
    return "".join(out)


def normalise(text: str) -> str:
    """The form rules are matched against: NFKC, invisible characters dropped, spaces collapsed."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) not in _INVISIBLE or ch == "\n")
    return re.sub(r"[ \t\r\f\v]+", " ", text).lower()


def find_injection(text: str) -> Rule | None:
    """The first rule the text breaks, or None."""
    if len(text) < 6:
        return None
    norm = normalise(text)
    for rule in RULES:
        if rule.pattern.search(norm):
            return rule
    return None


def _walk(value: Any, path: str, depth: int, issues: list[str]) -> Any:
    """Clean one value in place of the original, recording size problems."""
    if depth > MAX_DEPTH:
        issues.append(f"{path or 'record'} is nested more than {MAX_DEPTH} levels deep")
        return None
    if isinstance(value, str):
        if len(value) > MAX_STRING_CHARS:
            issues.append(f"{path} is {len(value):,} characters long (limit {MAX_STRING_CHARS:,})")
        return strip_control(value)
    if isinstance(value, dict):
        if len(value) > MAX_KEYS:
            issues.append(f"{path or 'record'} has {len(value)} keys (limit {MAX_KEYS})")
        out = {}
        for key, sub in value.items():
            key_s = strip_control(str(key)).strip()
            if not key_s or len(key_s) > MAX_KEY_CHARS:
                issues.append(f"{path or 'record'} has an empty or over-long key ({key_s[:20]!r}…)")
            out[key_s] = _walk(sub, f"{path}.{key_s}" if path else key_s, depth + 1, issues)
        return out
    if isinstance(value, list):
        if len(value) > 50:
            issues.append(f"{path} has {len(value)} items (limit 50)")
        return [_walk(v, f"{path}[{i}]", depth + 1, issues) for i, v in enumerate(value)]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    issues.append(f"{path} has an unsupported value type {type(value).__name__}")
    return None


def strings_of(value: Any, path: str = "") -> list[tuple[str, str]]:
    """Every (path, text) pair in a record: keys and string values alike."""
    found: list[tuple[str, str]] = []
    if isinstance(value, str):
        found.append((path, value))
    elif isinstance(value, dict):
        for key, sub in value.items():
            sub_path = f"{path}.{key}" if path else str(key)
            found.append((sub_path + " (key)", str(key)))
            found.extend(strings_of(sub, sub_path))
    elif isinstance(value, list):
        for i, sub in enumerate(value):
            found.extend(strings_of(sub, f"{path}[{i}]"))
    return found


def check_injection(records: list[dict[str, Any]], what: str = "Example") -> None:
    """Raise PromptInjectionError naming the record, field and rule of the first offending text."""
    for i, record in enumerate(records, start=1):
        for path, text in strings_of(record):
            rule = find_injection(text)
            if rule is not None:
                snippet = text if len(text) <= 60 else text[:57] + "…"
                raise PromptInjectionError(
                    f"{what} {i}, field '{path}' {rule.why} ({rule.name}): {snippet!r}. Examples are "
                    "treated as data, not instructions; remove that text and try again."
                )


def clean_examples(examples: Any) -> list[dict[str, Any]]:
    """Validate shape and size, strip control characters, refuse prompt injection."""
    if isinstance(examples, dict):
        examples = [examples]
    if not isinstance(examples, list) or not examples:
        raise InvalidParameterError("Give a JSON array of example objects, e.g. [{\"id\": \"u-001\", \"name\": \"Ann\"}].")
    if len(examples) > MAX_EXAMPLES:
        raise InvalidParameterError(f"{len(examples)} examples given; at most {MAX_EXAMPLES} are used. Keep a representative subset.")
    bad = [i for i, e in enumerate(examples, start=1) if not isinstance(e, dict)]
    if bad:
        raise InvalidParameterError(f"Every example must be a JSON object; item(s) {', '.join(map(str, bad[:5]))} are not.")
    if any(not e for e in examples):
        raise InvalidParameterError("An example object is empty; every example needs at least one key.")
    issues: list[str] = []
    cleaned = [_walk(e, "", 0, issues) for e in examples]
    if issues:
        more = f" (and {len(issues) - 3} more)" if len(issues) > 3 else ""
        raise InvalidParameterError("The examples are too large: " + "; ".join(issues[:3]) + more + ".")
    check_injection(cleaned)
    return cleaned


def parse_examples_text(text: str) -> list[dict[str, Any]]:
    """Parse pasted JSON (an array, one object, or JSON lines) and clean it."""
    import json

    raw = text.encode("utf-8", "replace")
    if len(raw) > MAX_INPUT_BYTES:
        raise InvalidParameterError(
            f"The examples are {len(raw) / 1024:.0f} KB; the limit is {MAX_INPUT_BYTES // 1024} KB. Paste fewer examples."
        )
    text = text.strip()
    if not text:
        raise InvalidParameterError("Paste a JSON array of example objects first.")
    try:
        data = json.loads(text)
    except ValueError as exc:
        lines = [ln for ln in text.splitlines() if ln.strip()]
        try:
            data = [json.loads(ln) for ln in lines]
        except ValueError:
            raise InvalidParameterError(
                f"The examples are not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})."
            ) from None
    return clean_examples(data)


def check_count(count: int) -> int:
    if not isinstance(count, int) or isinstance(count, bool) or count < 1 or count > MAX_COUNT:
        raise InvalidParameterError(f"The record count must be a whole number from 1 to {MAX_COUNT:,}; got {count!r}.")
    return count
