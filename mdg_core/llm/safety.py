"""Input and output safety for LLM generation: examples are data, never instructions.

Three layers: size limits (so a paste cannot exhaust memory or the context window), stripping of
control and invisible format characters (which hide text from the analyst but not from the model),
and a rule set that spots text trying to instruct the model (prompt injection). The rules see
through the usual disguises: look-alike letters (NFKC plus a map of Cyrillic, Greek and small-capital
homoglyphs), accents and zero-width characters, leetspeak, letters written one by one, rot13,
base64/hex/percent encoding, German, common paraphrases, and instructions split across fields. The
same rules screen generated records, so a model that was talked into echoing instructions is caught.

Rules never catch everything, so they are not the only defence: the model writes under a grammar
built from the examples' schema (``mdg_core.llm.grammar``), so its output can only be data of that
shape, and nothing it writes is ever fed back as an instruction.
"""

from __future__ import annotations

import codecs
import contextlib
import re
import unicodedata
from collections.abc import Iterator
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
class SafetyRule:
    name: str
    pattern: re.Pattern[str]
    why: str


def _r(name: str, pattern: str, why: str) -> SafetyRule:
    return SafetyRule(name, re.compile(pattern, re.IGNORECASE | re.DOTALL), why)


_VERBS_DE = r"(ignorier\w*|vergiss|vergesst|vergessen|missacht\w*|ubergeh\w*|verwirf|verwerft|umgeh\w*)"
_NOUNS_DE = r"(anweisung\w*|anleitung\w*|instruktion\w*|regeln|vorgaben|befehl\w*|prompts?|systemprompt)"

# Matched against folded text (see ``_fold``: look-alike letters mapped to Latin, accents and invisible
# characters dropped, lower case, spaces collapsed) and against its decoded and de-obfuscated variants.
RULES: tuple[SafetyRule, ...] = (
    _r("ignore-instructions",
       r"\b(ignore|disregard|forget|skip|override|bypass)\b.{0,40}\b(instructions?|prompts?|rules|directions|guidelines|context|system)\b",
       "asks the model to ignore its instructions"),
    _r("ignore-instructions-paraphrase",
       r"\b(pay no (attention|heed|mind)|take no notice|set aside|put aside|throw (out|away)|discard|abandon|"
       r"stop (following|obeying)|no longer (follow|obey)|(do not|don'?t) (listen to|heed|pay attention to)|"
       r"forget about|wipe)\b.{0,50}\b(instructions?|prompts?|rules|directions|guidance|guidelines|directives?|"
       r"what (you were|you'?ve been|you have been|i) (told|said|instructed|given)|(told|said|given|instructed) "
       r"(before|earlier|previously|above))\b",
       "asks the model to ignore its instructions"),
    _r("forget-everything",
       r"\b(forget|ignore|disregard)\b.{0,20}\b(everything|anything|all)\b.{0,30}\b(you (were|have been|'?ve been) "
       r"(told|given|instructed)|said (before|above|earlier)|above|so far|until now|previously)\b",
       "asks the model to ignore its instructions"),
    _r("ignore-the-above",
       r"\b(ignore|disregard|forget)\s+(all\s+|everything\s+)?(of\s+)?(the\s+)?(above|foregoing|preceding)"
       r"(\s+(text|message|content|lines?))?\s*($|[,.;:!]|\s+and\b)",
       "asks the model to ignore its instructions"),
    _r("earlier-instructions",
       r"\b(previous|prior|earlier|above|preceding|original|initial|foregoing)\s+(instructions?|prompts?|guidance|directives?)\b",
       "refers to the model's earlier instructions"),
    _r("new-instructions", r"\b(new|updated|real|actual|secret|hidden)\s+(instructions?|task|prompt|orders)\b",
       "announces new instructions"),
    _r("role-switch",
       r"\b(you are now|you'?re now|you are no longer|from now on,? you|act as (an?|the)\b|pretend (to be|you are)|"
       r"roleplay as|you must now|your new (role|task|purpose|persona)|(assume|take on) the (role|persona))\b",
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
    # German
    _r("ignore-instructions-de", rf"\b{_VERBS_DE}\b.{{0,40}}\b{_NOUNS_DE}\b|\b{_NOUNS_DE}\b.{{0,30}}\b(ignorieren|vergessen|missachten)\b",
       "asks the model to ignore its instructions (German)"),
    _r("new-instructions-de", r"\b(neue|geheime|eigentliche|wahre|aktualisierte)n?\s+(anweisung\w*|aufgabe|befehl\w*|instruktion\w*)\b",
       "announces new instructions (German)"),
    _r("role-switch-de", r"\b(du bist (jetzt|nun|ab jetzt|ab sofort)|ab (jetzt|sofort) bist du|tu so,? als|gib dich als|"
       r"spiel(e|st)? die rolle|verhalte dich (jetzt |nun )?(wie|als))\b", "tries to change the model's role (German)"),
    _r("prompt-leak-de", r"\b(zeig\w*|gib|verrat\w*|nenn\w*|druck\w*|wiederhol\w*)\b.{0,30}\b(systemprompt|system-prompt|"
       r"deine (anweisungen|regeln|instruktionen)|den prompt)\b", "asks the model to reveal its prompt (German)"),
    _r("redirect-output-de", r"\bstattdessen\b,?\s+(schreib\w*|gib\w*|antworte\w*|sag\w*|erzeug\w*|ausgeben)",
       "tries to redirect the model's output (German)"),
)

# For all strings of a record read together: only phrases whose words cannot meet by chance in
# neighbouring fields ("skip" in one field and "system" in the next must not count).
JOINED_RULES: tuple[SafetyRule, ...] = (
    _r("ignore-instructions",
       r"\b(ignore|disregard|forget|override|bypass)\b.{0,25}\b(instructions?|prompts?|guidelines|directives?)\b",
       "asks the model to ignore its instructions"),
    *(r for r in RULES if r.name in {"earlier-instructions", "role-switch", "prompt-leak", "jailbreak",
                                      "ignore-instructions-de", "role-switch-de", "prompt-leak-de"}),
)

# For letters written one by one ("i g n o r e a l l ..."), which lose their word breaks: whole phrases.
SQUASHED_RULES: tuple[SafetyRule, ...] = (
    _r("ignore-instructions", r"(ignore|disregard|forget|bypass|override|ignoriere|vergiss)(all|any|every|the|your|my|"
       r"alle|die|deine)*(previous|prior|above|earlier|preceding|original|initial|system|vorherigen|bisherigen)*"
       r"(instructions?|prompts?|rules|directions|guidelines|anweisungen|regeln)",
       "asks the model to ignore its instructions"),
    _r("prompt-leak", r"(reveal|print|show|repeat|leak)(me)?(the|your)*(systemprompt|hiddenprompt|instructions)",
       "asks the model to reveal its prompt"),
    _r("role-switch", r"(youarenow|fromnowonyou|pretendtobe|pretendyouare|roleplayas|dubistjetzt)",
       "tries to change the model's role"),
    _r("jailbreak", r"(jailbreak|developermode|danmode|doanythingnow|norestrictions)", "contains a known jailbreak phrase"),
)

_INVISIBLE = {"Cc", "Cf", "Co", "Cs"}
_MARKS = {"Mn", "Me"}
# Characters that render as blank space but are letters or symbols, not spaces.
_FILLERS = dict.fromkeys(map(ord, "\u115f\u1160\u3164\uffa0\u2800\u034f"), None)
# Look-alike letters NFKC leaves alone (lower case: matching happens after casefold).
_CONFUSABLES = str.maketrans(dict(pair.split(">") for pair in (  # noqa: SIM905 - "x>y" pairs read best
    # Cyrillic
    "а>a в>b е>e ё>e к>k м>m н>h о>o р>p с>c т>t у>y х>x і>i ї>i ј>j ѕ>s ԁ>d һ>h ӏ>l ԛ>q ԝ>w ь>b г>r "
    "п>n ѵ>v ү>y "
    # Greek
    "α>a β>b ε>e ζ>z η>n ι>i κ>k μ>u ν>v ο>o ρ>p τ>t υ>u χ>x ϲ>c γ>y ω>w "
    # Latin small capitals and other look-alikes
    "ᴀ>a ʙ>b ᴄ>c ᴅ>d ᴇ>e ꜰ>f ɢ>g ʜ>h ɪ>i ᴊ>j ᴋ>k ʟ>l ᴍ>m ɴ>n ᴏ>o ᴘ>p ʀ>r ꜱ>s ᴛ>t ᴜ>u ᴠ>v ᴡ>w ʏ>y ᴢ>z "
    "ɡ>g ı>i ȷ>j ɑ>a "
    # Armenian
    "ո>n ս>u օ>o ց>g հ>h զ>q"
).split()))
_LEET_I = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
                         "@": "a", "$": "s", "!": "i", "|": "l", "+": "t", "€": "e"})
_LEET_L = str.maketrans({"1": "l", "!": "l"})
# A run of at least three single letters each followed by one separator: "i g n o r e", "i.g.n.o.r.e".
_SPACED_RUN = re.compile(r"(?<![^\W_])(?:[^\W_][ .\-_*/·~]){2,}[^\W_](?![^\W_])")
_BASE64 = re.compile(r"(?<![\w+/=-])[A-Za-z0-9+/_-]{16,}={0,2}(?![\w+/=-])")
_HEX = re.compile(r"\b(?:[0-9a-fA-F]{2}){12,}\b")
_PERCENT = re.compile(r"%[0-9a-fA-F]{2}")
MAX_DECODE_DEPTH = 2


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


def _fold(text: str, hidden: str = "") -> str:
    """Lower-case Latin skeleton: accents, invisible characters (replaced by ``hidden``) and look-alikes folded."""
    text = unicodedata.normalize("NFKD", text.replace("\r", "\n").replace("\t", " "))
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat in _MARKS or (cat in _INVISIBLE and ch != "\n"):
            out.append(hidden if cat in _INVISIBLE else "")
        else:
            out.append(ch)
    folded = "".join(out).translate(_FILLERS).casefold().translate(_CONFUSABLES)
    return unicodedata.normalize("NFKC", folded)


def _collapse(text: str) -> str:
    return re.sub(r"[ \t\r\f\v]+", " ", text).strip()


def normalise(text: str) -> str:
    """The form rules are matched against: look-alikes folded, invisible characters dropped, spaces collapsed."""
    return _collapse(_fold(text))


def _despace(text: str, runs: list[str]) -> str:
    """Join letters written one by one; each joined run is also collected for the whole-phrase rules."""
    def join(m: re.Match[str]) -> str:
        run = re.sub(r"[\W_]", "", m.group(0))
        runs.append(run)
        return f" {run} "

    return _SPACED_RUN.sub(join, text)


def _decoded(text: str) -> list[tuple[str, str]]:
    """Readable text hidden as base64, hex or percent-encoding inside ``text``."""
    import base64
    import binascii
    from urllib.parse import unquote

    found: list[tuple[str, str]] = []
    blobs: list[tuple[str, bytes]] = []
    for m in _BASE64.finditer(text):
        token = m.group(0).replace("-", "+").replace("_", "/").rstrip("=")
        with contextlib.suppress(binascii.Error, ValueError):
            blobs.append(("base64", base64.b64decode(token + "=" * (-len(token) % 4), validate=True)))
    blobs += [("hex", bytes.fromhex(m.group(0))) for m in _HEX.finditer(text)]
    for how, raw in blobs:
        try:
            plain = raw.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if sum(ch.isprintable() or ch.isspace() for ch in plain) >= 0.95 * len(plain) and re.search(r"[^\W\d_]{3}", plain):
            found.append((how, plain))
    if len(_PERCENT.findall(text)) >= 3:
        found.append(("percent-encoding", unquote(text)))
    return found


def _match(text: str, rules: tuple[SafetyRule, ...]) -> SafetyRule | None:
    for rule in rules:
        if rule.pattern.search(text):
            return rule
    return None


def _hidden(rule: SafetyRule, how: str) -> SafetyRule:
    return SafetyRule(rule.name, rule.pattern, f"{rule.why}, written as {how}")


def _variants(text: str) -> Iterator[tuple[str, str | None, tuple[SafetyRule, ...]]]:
    """Readings of a text to screen, cheapest first: (text, how it was hidden, rules that apply)."""
    raw = _fold(text)
    norm = _collapse(raw)
    yield norm, None, RULES
    spaced = _collapse(_fold(text, " "))  # invisible characters used as word breaks
    if spaced != norm:
        yield spaced, None, RULES
    readings = ((raw.translate(_LEET_I), "leetspeak or spaced letters"),
                (raw.translate(_LEET_L), "leetspeak or spaced letters"),
                (codecs.encode(raw, "rot13"), "rot13"))
    for source, how in readings:
        runs: list[str] = []
        variant = _collapse(_despace(source, runs))
        if variant != norm:
            yield variant, how, RULES
        for run in runs:
            yield run, how, SQUASHED_RULES


def find_injection(text: str, _depth: int = 0) -> SafetyRule | None:
    """The first rule the text breaks, or None.

    Rules see the text folded (look-alike letters, accents, invisible characters), then its
    variants: invisible characters read as spaces, leetspeak read as letters, letters written one
    by one joined up, rot13 undone, and base64 / hex / percent-encoded parts decoded. Rules never
    catch everything: the model's output is also constrained to the examples' schema by a grammar.
    """
    if len(text) < 6:
        return None
    for candidate, how, rules in _variants(text):
        rule = _match(candidate, rules)
        if rule is not None:
            return rule if how is None else _hidden(rule, how)
    if _depth < MAX_DECODE_DEPTH:
        for how, plain in _decoded(text):
            rule = find_injection(plain, _depth + 1)
            if rule is not None:
                return _hidden(rule, how)
    return None


def record_injection(record: Any) -> tuple[str, str, SafetyRule] | None:
    """The first (path, text, rule) in a record, each string alone and then all its strings read together.

    Reading them together catches an instruction split across fields ("Ignore" | "your instructions").
    """
    pairs = strings_of(record)
    for path, text in pairs:
        rule = find_injection(text)
        if rule is not None:
            return path, text, rule
    if len(pairs) > 1:
        joined = " ".join(text for _, text in pairs)
        rule = _match(normalise(joined), JOINED_RULES)
        if rule is not None:
            return "several fields read together", joined, rule
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
        found = record_injection(record)
        if found is not None:
            path, text, rule = found
            snippet = text if len(text) <= 60 else text[:57] + "…"
            where = f"field '{path}'" if not path.startswith("several") else path
            raise PromptInjectionError(
                f"{what} {i}, {where} {rule.why} ({rule.name}): {snippet!r}. Examples are "
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
    except json.JSONDecodeError as exc:
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
