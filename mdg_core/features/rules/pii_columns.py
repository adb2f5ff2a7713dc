"""Personal data columns: hash (keeps joins and counts), mask (keeps the shape) or drop."""

from __future__ import annotations

import secrets
from typing import Any

import pandas as pd

from mdg_core.features.base import Facts, Suggestion, SuggestionRule, q
from mdg_core.pii import ColumnPii

DIRECT = {"EMAIL_ADDRESS", "PHONE_NUMBER", "US_SSN", "CREDIT_CARD", "IP_ADDRESS", "IBAN_CODE", "UK_NHS",
          "US_PASSPORT", "US_ITIN", "CRYPTO"}
MIN_SHARE = 0.5
MANY_NAMES = 50


def pii_reasons(scan: ColumnPii, col: Any) -> list[str]:
    """Why a scanned column counts as personal data (empty: it does not).

    Direct identifiers count from half the sampled cells; person names when the column has many
    different ones (first names repeat in a large table, yet they are still people's names), not when
    a handful of names recur like a category; places only by name (street, zip…), since country or
    city alone are not identifying.
    """
    direct = {k: v for k, v in scan.entities.items() if k in DIRECT and v >= MIN_SHARE}
    person = scan.entities.get("PERSON", 0.0)
    reasons = [f"{k} in {v:.0%} of sampled values" for k, v in sorted(direct.items(), key=lambda kv: -kv[1])]
    if person >= MIN_SHARE and (col.distinct_share >= 0.5 or col.n_distinct >= MANY_NAMES):
        reasons.append(f"person names in {person:.0%} of sampled values")
    if scan.by_name and (scan.by_name != "LOCATION" or col.distinct_share >= 0.5):
        reasons.append(f"the column name suggests {scan.by_name}")
    return reasons


class PiiColumns(SuggestionRule):
    name = "pii"
    title = "Personal data: hash, mask or drop"
    group = "privacy"
    explanation = ("Direct identifiers should not travel into analysis or synthetic-data training. Hashing "
                   "replaces each value with a salted SHA-256 digest (same input → same token, so joins and "
                   "counts still work); masking keeps only the last 2 characters; dropping removes the column.")
    options = {"action": ["hash", "mask", "drop"]}
    dob_options = {"action": ["year", "hash", "drop"]}  # a birth date is generalised to its year by default

    def detect(self, df: pd.DataFrame, facts: Facts) -> list[Suggestion]:
        out = []
        for name, scan in facts.pii.items():
            if name not in df.columns:
                continue
            reasons = pii_reasons(scan, facts.col(name))
            if reasons:
                # A random salt per suggestion: tokens cannot be reversed by hashing guesses without the
                # recipe, yet the recipe (which stores it) hashes another batch to the same tokens.
                salt = secrets.token_hex(8)
                birth = scan.by_name == "DATE_OF_BIRTH"
                s = self.suggestion([name], "; ".join(reasons), {"action": "year" if birth else "hash", "salt": salt})
                if birth:
                    s.options = dict(self.dob_options)
                    s.explanation = ("A full date of birth identifies people; its year keeps ages for analysis. "
                                     "'year' keeps only the birth year, 'hash' replaces each date with a salted "
                                     "SHA-256 token, 'drop' removes the column.")
                out.append(s)
        return out

    def code(self, columns: list[str], params: dict[str, Any]) -> str:
        action = params.get("action", "hash")
        if action == "drop":
            return f"df = df.drop(columns={q(columns)})"
        lines = []
        for c in columns:
            if action == "year":
                lines.append(f"df[{q(c)}] = pd.to_datetime(df[{q(c)}], errors='coerce').dt.year.astype('Int64')")
            elif action == "mask":
                lines.append(f"df[{q(c)}] = df[{q(c)}].astype('string').str.replace(r'[A-Za-z0-9](?=.{{2}})', '*', regex=True)")
            else:
                lines.append(
                    f"df[{q(c)}] = df[{q(c)}].map(lambda v: v if pd.isna(v) else "
                    f"hashlib.sha256(({q(params.get('salt', ''))} + str(v)).encode('utf-8')).hexdigest()[:16])"
                )
        return "\n".join(lines)
