"""Propose rules the real data already obeys, so the analyst only has to tick them."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations, permutations

import pandas as pd

from mdg_core.column_kinds import NUMBERS, ColumnKind, kind_of
from mdg_core.rules.model import FixedCombination, Inequality, Rule, ValueRange

MAX_COLUMNS = 12
MIN_ROWS = 20


@dataclass(frozen=True)
class Candidate:
    rule: Rule
    evidence: str


def discover(df: pd.DataFrame, sample_rows: int = 50_000) -> list[Candidate]:
    """Inequalities, fixed combinations and ranges that hold on every (sampled) real row."""
    if len(df) > sample_rows:
        df = df.sample(sample_rows, random_state=0)
    out: list[Candidate] = []
    out += _inequalities(df)
    out += _combinations(df)
    out += _ranges(df)
    return out


def _is_key(s: pd.Series) -> bool:
    """Whole numbers, one per row, none missing: a key. Generators make fresh keys, so a range or an
    order over a key is no property of the data and could not be kept (it would refuse every row)."""
    return (kind_of(s) == ColumnKind.INTEGER and len(s) >= MIN_ROWS and s.notna().all() and s.is_unique)


def _inequalities(df: pd.DataFrame) -> list[Candidate]:
    groups = {
        "number": [c for c in df.columns if _is_number(df[c]) and not _is_key(df[c])][:MAX_COLUMNS],
        "date": [c for c in df.columns if kind_of(df[c]) == ColumnKind.DATETIME][:MAX_COLUMNS],
    }
    found: list[Candidate] = []
    for cols in groups.values():
        for a, b in combinations(cols, 2):
            both = df[[a, b]].dropna()
            if len(both) < MIN_ROWS:
                continue
            x, y = both[a], both[b]
            for low, high, lo_s, hi_s in ((a, b, x, y), (b, a, y, x)):
                if (lo_s <= hi_s).all() and (lo_s < hi_s).any() and lo_s.max() > hi_s.min():
                    share = float((lo_s < hi_s).mean())
                    found.append(Candidate(
                        Inequality(low, high),
                        f"holds on all {len(both):,} complete rows ({share:.0%} strictly); the ranges overlap",
                    ))
    return found


def _is_number(s: pd.Series) -> bool:
    return kind_of(s) in NUMBERS


def _coded(s: pd.Series) -> bool:
    """Few distinct values, each repeated: a category, or a number that codes one (education-num)."""
    n = s.nunique()
    return bool(2 <= n <= 500 and n < 0.5 * max(1, s.notna().sum()))


def _combinations(df: pd.DataFrame) -> list[Candidate]:
    """Category pairs where one column fixes the other, and pairs with a numeric code that map
    exactly one to one (education ↔ education-num): a number alone is often a measurement, so
    only a perfect 1:1 mapping counts as a combination for it."""
    cats = [c for c in df.columns
            if kind_of(df[c]) in (ColumnKind.CATEGORY, ColumnKind.TEXT) and _coded(df[c])][:MAX_COLUMNS]
    nums = [c for c in df.columns if _is_number(df[c]) and _coded(df[c])][:MAX_COLUMNS]
    found: list[Candidate] = []
    seen: set[frozenset[str]] = set()
    for a, b in permutations(cats + nums, 2):
        numeric = a in nums or b in nums
        pair = df[[a, b]].dropna()
        if len(pair) < MIN_ROWS or frozenset((a, b)) in seen:
            continue
        per_a = pair.groupby(a, observed=True)[b].nunique()
        if not (per_a <= 1).all():
            continue
        if numeric and not (pair.groupby(b, observed=True)[a].nunique() <= 1).all():
            continue
        n_combos = len(pair.drop_duplicates())
        full = df[a].nunique() * df[b].nunique()
        if n_combos < full:
            seen.add(frozenset((a, b)))
            text = (f"each {a} has exactly one {b} and back (1:1, {n_combos} pairs)" if numeric
                    else f"each {a} has one {b}; {n_combos} of {full} possible combinations occur")
            found.append(Candidate(FixedCombination((a, b)), text))
    return found


def _ranges(df: pd.DataFrame) -> list[Candidate]:
    found: list[Candidate] = []
    for c in df.columns:
        s = df[c].dropna()
        kind = kind_of(s)
        if len(s) < MIN_ROWS or kind == ColumnKind.BOOLEAN or _is_key(df[c]):
            continue
        if kind in NUMBERS:
            lo, hi = s.min().item(), s.max().item()
        elif kind == ColumnKind.DATETIME:
            lo, hi = s.min().isoformat(), s.max().isoformat()
        else:
            continue
        found.append(Candidate(ValueRange(c, lo, hi), f"the real values lie in [{lo}, {hi}]"))
        if len(found) >= MAX_COLUMNS:
            break
    return found
