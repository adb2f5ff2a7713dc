"""Reject-and-resample: every rule holds in the output, and the run says how often it did not.

The generator samples; rows that break any rule are dropped and more rows are sampled (seeded per
round, so a run stays reproducible) until there are enough. The report counts, per rule, the
violating rows among everything sampled before enforcement and in the final output (always 0).
"""

from __future__ import annotations

import math
from typing import Any, Protocol

import pandas as pd

from mdg_core.errors import GeneratorError
from mdg_core.progress import Progress
from mdg_core.rules.model import Rule


class Sampler(Protocol):
    """What the rules need of a fitted generator (rules do not depend on the generators package,
    which depends on them)."""

    def sample(self, n: int, seed: int | None = None, conditions: dict[str, Any] | None = None,
               progress: Progress | None = None) -> pd.DataFrame: ...

    def renumber_keys(self, df: pd.DataFrame) -> pd.DataFrame: ...

MAX_ROUNDS = 25


def violation_counts(df: pd.DataFrame, rules: list[Rule]) -> dict[str, int]:
    return {rule.describe(): int(rule.violations(df).sum()) for rule in rules}


def sample_with_rules(generator: Sampler, n: int, seed: int, rules: list[Rule],
                      conditions: dict[str, Any] | None = None,
                      progress: Progress | None = None) -> tuple[pd.DataFrame, dict[str, Any]]:
    """``n`` rows that obey every rule (and the conditions), with a violation report."""
    before = {rule.describe(): 0 for rule in rules}
    kept: list[pd.DataFrame] = []
    have = sampled = 0
    batch = n
    for round_ in range(MAX_ROUNDS):
        # the first round draws nearly every row: pass the generator's own row counts through
        rows = generator.sample(batch, seed=seed + 7919 * round_, conditions=conditions,
                                progress=progress if round_ == 0 else None)
        sampled += len(rows)
        bad = pd.Series(False, index=rows.index)
        for rule in rules:
            mask = rule.violations(rows)
            before[rule.describe()] += int(mask.sum())
            bad |= mask
        good = rows.loc[~bad]
        kept.append(good)
        have += len(good)
        if progress is not None:
            progress(min(have, n) / n, f"Sampling: {min(have, n):,}/{n:,} rows obey the rules")
        if have >= n:
            break
        accept = max(have / sampled, 0.002)
        batch = int(min(math.ceil((n - have) / accept * 1.15) + 10, 20 * n + 1000))
    else:
        worst = max(before, key=lambda k: before[k]) if before else "the rules"
        raise GeneratorError(
            f"Only {have:,} of {n:,} rows obeyed the rules after {MAX_ROUNDS} sampling rounds "
            f"({sampled:,} rows sampled; most broken: {worst}). Loosen that rule or try another generator."
        )
    out = pd.concat(kept, ignore_index=True).iloc[:n]
    out = generator.renumber_keys(out)
    after = violation_counts(out, rules)
    report = {
        "sampled_rows": sampled, "rounds": round_ + 1,
        "rules": [{"rule": r.describe(), **r.to_dict(), "before": before[r.describe()],
                   "after": after[r.describe()]} for r in rules],
    }
    return out, report
