"""Encoding and dialect detection, and the checks that reject what is not a CSV.

Encodings: a BOM decides first; then a strict UTF-8 decode of the whole file (cheap, and the only
way to be sure); only when that fails does charset-normalizer guess a legacy encoding. A file with
valid multi-byte UTF-8 *and* invalid bytes is reported as broken UTF-8 rather than silently read
as Latin-1. Dialects come from clevercsv, restricted to the delimiters analysts use.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import itertools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import charset_normalizer
import clevercsv
import filetype

from mdg_core.errors import EmptyFileError, EncodingError, NotCsvError, SingleColumnError

DELIMITERS = [",", ";", "\t", "|"]
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
SNIFF_BYTES = 64 * 1024
HEAD_MIN_LINES = 12
HEAD_MAX_BYTES = 64 * 1024 * 1024
HEAD_ENOUGH_BYTES = 4 * 1024 * 1024  # past this, the lines read so far are enough: a huge row is not read whole
PREAMBLE_MAX = 10
CLEVER_LINE_CHARS = 16 * 1024
SEP_LINE = re.compile(r'^"?sep=(.)"?\s*$', re.IGNORECASE)  # Excel's first-line delimiter hint
_NUMBER = re.compile(r"^[+-]?(\d+[.,]?\d*|[.,]\d+)([eE][+-]?\d+)?$")

DECODE_CHUNK = 16 * 1024 * 1024


@dataclass(frozen=True)
class Dialect:
    """How the file is written: separators, quoting, and the records above the header.

    ``skip_records`` counts the non-blank records before the header: Excel's ``sep=;`` line
    (``excel_sep``) and title lines above the table.
    """

    delimiter: str
    quotechar: str
    escapechar: str
    skip_records: int = 0
    excel_sep: bool = False

    @property
    def delimiter_name(self) -> str:
        return DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter))


def read_head(path: Path, n: int = SNIFF_BYTES) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(n)


def reject_binary(head: bytes) -> None:
    """Refuse spreadsheets, archives, images and other binary files with a specific message."""
    if not head.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise EmptyFileError("The file is empty: it has no rows or columns.")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return
    kind = filetype.guess(head)
    if kind is not None:
        hint = " Open it in Excel and save it as CSV." if kind.extension in ("xlsx", "xls", "zip") else ""
        raise NotCsvError(f"This is a {kind.extension.upper()} file ({kind.mime}), not a CSV.{hint}")
    sample = head[:8192]
    if _looks_utf16(sample):
        return
    if b"\x00" in sample:
        raise NotCsvError("This file contains binary data (NUL bytes); it is not a CSV text file.")
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 13))
    if controls > max(8, len(sample) // 100):
        raise NotCsvError("This file looks binary (many control characters); it is not a CSV text file.")


def _looks_utf16(sample: bytes) -> bool:
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = max(1, len(sample) // 2)
    return max(even_nuls, odd_nuls) > 0.3 * half


def detect_encoding_and_hash(path: Path) -> tuple[str, str]:
    """The codec that decodes the whole file, and the file's SHA-256 (hashed in the same read
    whenever the first candidate encoding is the right one, which is the common case)."""
    digest = hashlib.sha256()
    encoding, hashed_fully = _detect(path, digest)
    if not hashed_fully:
        digest = hashlib.sha256()
        _hash_file(path, digest)
    return encoding, digest.hexdigest()


LEGACY_CANDIDATES = ["cp1252", "cp1250", "cp1251", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258"]
SCORE_CHARS = 64 * 1024
_WORD = re.compile(r"[^\W\d_]+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_TYPOGRAPHIC = set("€‚„…†‡‰‹›‘’“”•–—™°±²³µ·¹º»¼½¾¿¡×÷£¥¢¤§¨©®¯´¸«¬ª¦\xa0\xad")
_VOWELS = {"CYRILLIC": set("аеёиоуыэюяіїєАЕЁИОУЫЭЮЯІЇЄ"), "GREEK": set("αεηιουωάέήίόύώΑΕΗΙΟΥΩΆΈΉΊΌΎΏ")}
_ONE_LETTER_WORDS = {"CYRILLIC": set("авиксуяжбоАВИКСУЯЖБО")}
_SCRIPT_GROUPS = {"HIRAGANA": "CJK", "KATAKANA": "CJK"}  # Japanese mixes these with kanji in one word
_RARE_LATIN = set("þðÞÐýÝ")  # Icelandic letters: far more often Turkish ş ğ İ read through cp1252
WESTERN_MARGIN = 2


def _script(char: str) -> str:
    name = unicodedata.name(char, "")
    script = name.split(" ", 1)[0] if name else "UNKNOWN"
    return _SCRIPT_GROUPS.get(script, script)


def _word_score(word: str) -> int:
    """+1 for a word that reads naturally in its script, -2 for a sign of the wrong code page, 0 if unsure.

    A code page misread makes words that mix scripts ("Zьrich"), Latin words made almost only of
    accents ("Ïðèâåò"), Cyrillic or Greek words without a vowel, or a capital accent after a small
    letter ("ódŸ"). A lone letter proves little, so it scores 0 unless it cannot be a word.
    """
    scripts = {"LATIN" if c.isascii() else _script(c) for c in word}
    if len(scripts) > 1:
        return -2
    script = scripts.pop()
    if script == "LATIN":
        if any(a.islower() and b.isupper() and not b.isascii() for a, b in itertools.pairwise(word)):
            return -2
        accents = sum(1 for c in word if not c.isascii())
        if accents * 3 > 2 * len(word):
            return -2 if len(word) >= 3 else 0
        return 0 if _RARE_LATIN.intersection(word) else 1
    if script in _VOWELS:
        if len(word) == 1:
            if script not in _ONE_LETTER_WORDS:
                return 0
            return 1 if word in _ONE_LETTER_WORDS[script] else -2
        if "ς" in word[:-1]:
            return -2  # Greek final sigma inside a word
        return 1 if any(c in _VOWELS[script] for c in word) else -2
    return 1 if len(word) > 1 else 0


def _plausibility(text: str) -> int:
    """How naturally ``text`` reads: word scores, minus control and private-use characters."""
    score = sum(_word_score(word) for word in _WORD.findall(text) if not word.isascii())
    for char, count in Counter(_NON_ASCII.findall(text)).items():
        if not char.isalpha() and char not in _TYPOGRAPHIC and unicodedata.category(char) in ("Cc", "Co", "Cn", "So"):
            score -= 2 * count
    return score


def _decode_sample(sample: bytes, encoding: str) -> str | None:
    try:  # not final: the sample may end inside a multi-byte character
        return codecs.getincrementaldecoder(encoding)(errors="strict").decode(sample, final=False)
    except (UnicodeDecodeError, LookupError):
        return None


def _rank_legacy(sample: bytes) -> list[str]:
    """Legacy code pages that decode the sample, the most natural reading first.

    Detectors guess wildly on a few bytes (a lone Latin-1 "ü" came back as Cyrillic "ь", "çà" as
    Big5), so each candidate's reading is scored. Western cp1252, by far the most common legacy
    encoding of the spreadsheets analysts export, stays first unless another reading is clearly
    more natural (by ``WESTERN_MARGIN`` words); other ties go to the Windows pages.
    """
    detected = [m.encoding for m in charset_normalizer.from_bytes(sample)]
    candidates = list(dict.fromkeys(LEGACY_CANDIDATES + [e for e in detected if not e.startswith("utf")]))
    scores: dict[str, int] = {}
    for encoding in candidates:
        text = _decode_sample(sample, encoding)
        if text is not None:
            scores[encoding] = _plausibility(text[:SCORE_CHARS])
    ranked = sorted(scores, key=lambda e: (-scores[e], candidates.index(e)))
    if "cp1252" in scores and scores[ranked[0]] < scores["cp1252"] + WESTERN_MARGIN:
        ranked.remove("cp1252")
        ranked.insert(0, "cp1252")
    return ranked


def _detect(path: Path, digest: "hashlib._Hash | None") -> tuple[str, bool]:
    head = read_head(path, 4)
    if head.startswith(codecs.BOM_UTF8):
        _validate(path, "utf-8-sig", digest)
        return "utf-8-sig", True
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        _validate(path, "utf-16", digest)
        return "utf-16", True
    sample = read_head(path, 1024 * 1024)
    if _looks_utf16(sample[:8192]):
        guess = "utf-16-le" if sample[1::2].count(0) > sample[0::2].count(0) else "utf-16-be"
        _validate(path, guess, digest)
        return guess, True
    bad = _first_invalid(path, "utf-8", digest)
    if bad is None:
        return "utf-8", True
    offset, prefix_has_multibyte = bad
    if prefix_has_multibyte:
        raise EncodingError(
            f"The file is not valid UTF-8: it mixes UTF-8 text with invalid bytes, first at "
            f"line {_line_of(path, offset)} (byte {offset}). Re-save it as UTF-8."
        )
    for encoding in _rank_legacy(sample) + ["latin-1"]:
        if _first_invalid(path, encoding) is None:
            return encoding, False
    raise EncodingError("The file's encoding could not be recognised; re-save it as UTF-8.")


def _validate(path: Path, encoding: str, digest: "hashlib._Hash | None" = None) -> None:
    bad = _first_invalid(path, encoding, digest)
    if bad is not None:
        raise EncodingError(
            f"The file starts like {encoding} but is not valid {encoding} at line "
            f"{_line_of(path, bad[0])} (byte {bad[0]}). Re-save it as UTF-8."
        )


def _hash_file(path: Path, digest: "hashlib._Hash") -> None:
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(DECODE_CHUNK), b""):
            digest.update(block)


def _first_invalid(path: Path, encoding: str, digest: "hashlib._Hash | None" = None) -> tuple[int, bool] | None:
    """Byte offset of the first undecodable byte, and whether non-ASCII text decoded before it."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    offset = 0
    seen_non_ascii = False
    with open(path, "rb") as fh:
        while True:
            chunk = fh.read(DECODE_CHUNK)
            if digest is not None:
                digest.update(chunk)
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                start = max(0, exc.start)
                return offset + start, seen_non_ascii or not chunk[:start].isascii()
            if not chunk:
                return None
            seen_non_ascii = seen_non_ascii or not chunk.isascii()
            offset += len(chunk)


def count_line_breaks(data: bytes, start: int = 0, end: int | None = None) -> int:
    """Line breaks in ``data[start:end]``: LF, CRLF and a lone CR (old Mac files) each count once."""
    end = len(data) if end is None else end
    return data.count(b"\n", start, end) + data.count(b"\r", start, end) - data.count(b"\r\n", start, end)


def _line_of(path: Path, offset: int) -> int:
    """The 1-based line of a byte offset, counted block by block (never the whole prefix in memory)."""
    lines, done, last = 1, 0, b""
    with open(path, "rb") as fh:
        while done < offset:
            block = fh.read(min(DECODE_CHUNK, offset - done))
            if not block:
                break
            lines += count_line_breaks(block) - (1 if last == b"\r" and block[:1] == b"\n" else 0)
            done += len(block)
            last = block[-1:]
    return lines


def head_text(path: Path, n: int = SNIFF_BYTES) -> str:
    """The start of a UTF-8 file, cut back to the last complete line.

    Up to ``HEAD_MIN_LINES`` lines are read when the file has them, so that a very wide header
    (thousands of columns) is always whole; once ``HEAD_ENOUGH_BYTES`` hold a whole line, reading
    stops, so a row of many megabytes is not held (and split by the csv module) just to sniff the
    dialect. A file whose first line exceeds ``HEAD_MAX_BYTES`` is refused rather than read short.
    """
    with open(path, "rb") as fh:
        raw = fh.read(n)
        while len(raw) < HEAD_MAX_BYTES and count_line_breaks(raw) < HEAD_MIN_LINES \
                and not (len(raw) >= HEAD_ENOUGH_BYTES and count_line_breaks(raw) >= 1):
            more = fh.read(len(raw))
            if not more:
                break
            raw += more
        at_end = not fh.read(1)
    if not at_end:
        cut = max(raw.rfind(b"\n"), raw.rfind(b"\r"))
        if cut < 0:
            raise NotCsvError(
                f"The first line is longer than {HEAD_MAX_BYTES // (1024 * 1024)} MB: this does not look like a CSV "
                "header."
            )
        raw = raw[: cut + 1]
    return raw.decode("utf-8", errors="replace").lstrip("\ufeff")


def records(sample: str, dialect: Dialect) -> Iterator[tuple[int, list[str]]]:
    """Non-blank records of the sample with the line each one ends on (quote-aware, any line ending)."""
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=dialect.delimiter,
                        quotechar=dialect.quotechar or '"', escapechar=dialect.escapechar or None)
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                yield reader.line_num, row
    except csv.Error:
        return  # the sample ends inside a quoted value: what came before is all we need


def detect_dialect(sample: str) -> Dialect:
    """Delimiter and quoting, and how many records sit above the header.

    Excel's ``sep=;`` first line names the delimiter outright; otherwise clevercsv decides among
    the delimiters analysts use. Title lines above the table (one filled cell each, followed by a
    header and rows that agree on their width) are skipped. Refuses a file that splits into one
    column only while another separator is plainly in use.
    """
    lines = [ln for ln in sample.splitlines() if ln.strip()]
    if not lines:
        raise EmptyFileError("The file is empty: it has no rows or columns.")
    excel = SEP_LINE.match(lines[0].strip())
    if excel:
        return Dialect(excel.group(1), '"', "", skip_records=1, excel_sep=True)
    small: list[str] = []
    for line in lines[:200]:  # clevercsv takes seconds on long text: short lines, 64 KB in all
        if len(line) > CLEVER_LINE_CHARS:
            continue
        if sum(map(len, small)) + len(line) > SNIFF_BYTES:
            break
        small.append(line)
    found = clevercsv.Detector().detect("\n".join(small) + "\n", delimiters=DELIMITERS) if len(small) >= 2 else None
    delimiter = found.delimiter if found is not None and found.delimiter in DELIMITERS else ""
    if not delimiter:
        delimiter = _consistent_delimiter(lines[:20]) or ","
    quotechar = (found.quotechar if found is not None else "") or '"'
    escapechar = (found.escapechar if found is not None else "") or ""
    dialect = Dialect(delimiter, quotechar, escapechar)
    rows = [row for _, row in itertools.islice(records(sample, dialect), 50)]
    skip = _preamble(rows)
    dialect = Dialect(delimiter, quotechar, escapechar, skip_records=skip)
    if rows and len(rows[skip]) == 1:
        _refuse_single_column(lines[skip:200])
    return dialect


def _preamble(rows: list[list[str]]) -> int:
    """How many title rows precede the header (0 unless the evidence is plain).

    A title row has at most one filled cell; the header below it has two or more filled,
    non-numeric names; and at least 80 % of the rows after the header have its width.
    """
    def agrees(k: int) -> bool:
        body = rows[k + 1:]
        return bool(body) and sum(len(r) == len(rows[k]) for r in body) >= 0.8 * len(body)

    if not rows or agrees(0):
        return 0
    for k in range(1, min(PREAMBLE_MAX, len(rows) - 1) + 1):
        if sum(1 for cell in rows[k - 1] if cell.strip()) > 1:
            return 0
        header = [cell.strip() for cell in rows[k]]
        if len(header) >= 2 and all(header) and not any(_NUMBER.match(c) for c in header) and agrees(k):
            return k
    return 0


def _consistent_delimiter(lines: list[str]) -> str | None:
    for delim in DELIMITERS:
        counts = {len(_split(line, Dialect(delim, '"', ""))) for line in lines}
        if len(counts) == 1 and counts.pop() > 1:
            return delim
    return None


def _split(line: str, dialect: Dialect) -> list[str]:
    reader = csv.reader(io.StringIO(line), delimiter=dialect.delimiter, quotechar=dialect.quotechar or '"')
    return next(reader, [])


def _refuse_single_column(lines: list[str]) -> None:
    """One column is fine for a true single-column file, not when another separator is in use."""
    if len(lines) < 2:
        return
    for char, name in ((":", "colon"), (" ", "space"), ("~", "tilde"), ("^", "caret"), ("#", "hash")):
        counts = {line.count(char) for line in lines[:50]}
        if len(counts) == 1 and counts.pop() > 0:
            raise SingleColumnError(
                f"Only one column was found, but every line contains the same number of {name} "
                f"characters ('{char}'): the file seems to use a separator we do not read. "
                "Use comma, semicolon, tab or pipe."
            )
