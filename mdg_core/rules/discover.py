"""Propose rules the real data already obeys, so the analyst only has to tick them."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations, permutations

import pandas as pd

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


def _inequalities(df: pd.DataFrame) -> list[Candidate]:
    groups = {
        "number": [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c].dtype)
                   and not pd.api.types.is_bool_dtype(df[c].dtype)][:MAX_COLUMNS],
        "date": [c for c in df.columns if pd.api.types.is_datetime64_any_dtype(df[c].dtype)][:MAX_COLUMNS],
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


def _combinations(df: pd.DataFrame) -> list[Candidate]:
    cats = [c for c in df.columns
            if (df[c].dtype == object or isinstance(df[c].dtype, (pd.CategoricalDtype, pd.StringDtype)))
            and 2 <= df[c].nunique() <= 500 and df[c].nunique() < 0.5 * max(1, df[c].notna().sum())]
    found: list[Candidate] = []
    seen: set[frozenset[str]] = set()
    for a, b in permutations(cats[:MAX_COLUMNS], 2):
        pair = df[[a, b]].dropna()
        if len(pair) < MIN_ROWS or frozenset((a, b)) in seen:
            continue
        per_a = pair.groupby(a, observed=True)[b].nunique()
        n_combos = len(pair.drop_duplicates())
        full = df[a].nunique() * df[b].nunique()
        if (per_a <= 1).all() and n_combos < full:
            seen.add(frozenset((a, b)))
            found.append(Candidate(
                FixedCombination((a, b)),
                f"each {a} has one {b}; {n_combos} of {full} possible combinations occur",
            ))
    return found


def _ranges(df: pd.DataFrame) -> list[Candidate]:
    found: list[Candidate] = []
    for c in df.columns:
        s = df[c].dropna()
        if len(s) < MIN_ROWS or pd.api.types.is_bool_dtype(s.dtype):
            continue
        if pd.api.types.is_numeric_dtype(s.dtype):
            lo, hi = s.min().item(), s.max().item()
        elif pd.api.types.is_datetime64_any_dtype(s.dtype):
            lo, hi = s.min().isoformat(), s.max().isoformat()
        else:
            continue
        found.append(Candidate(ValueRange(c, lo, hi), f"the real values lie in [{lo}, {hi}]"))
        if len(found) >= MAX_COLUMNS:
            break
    return found
