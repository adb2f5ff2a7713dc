"""Missing-value patterns: do values go missing *together* in the synthetic data as in the real data?

SDMetrics' column shapes ignore gaps and its pair trends score values, so a generator that keeps each
column's missing share but scatters the gaps at random scores well there while losing what the gaps
mean: on flights, a cancelled flight has no departure, arrival or air time, P(arr_delay missing |
dep_time missing) = 1.0 in the real data and 0.04 from GaussianCopula or independent marginals. This
section compares, for each pair of columns with gaps, P(B missing | A missing) in the real and the
synthetic data, and each column's missing share. A gap counts when it is material and beyond what
the number of rows explains, so fresh real rows are not flagged.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from mdg_core.reports.common import Headline, Pair, Progress, ReportInputs, Section, SectionSpec, no_progress

MIN_MISSING_ROWS = 10  # a conditional share over fewer rows (with A missing) is not judged
PATTERN_GAP = 0.2  # |P(B missing | A missing) real − synthetic| that matters
SHARE_GAP = 0.05  # change in a column's missing share that matters (as in the Drift report)
Z = 2.58  # ... and beyond this many standard errors of sampling noise (two-sided 1 %)
MAX_COLUMNS = 30  # columns with the most gaps compared pairwise
SHOWN = 3


def _noise(p: float, n: int, q: float, m: int) -> float:
    """Z standard errors of the difference of two shares ``p`` of ``n`` rows and ``q`` of ``m`` rows."""
    return Z * math.sqrt(p * (1 - p) / max(n, 1) + q * (1 - q) / max(m, 1))


def missing_patterns(real: pd.DataFrame, synth: pd.DataFrame) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Per column: missing share real vs synthetic. Per ordered pair (A, B) of columns with gaps:
    P(B missing | A missing) real vs synthetic, judged when both have ``MIN_MISSING_ROWS`` rows with A
    missing."""
    mr, ms = real.isna(), synth.isna()
    shares: list[dict[str, Any]] = []
    for col in real.columns:
        pr, ps = float(mr[col].mean()), float(ms[col].mean())
        if pr == ps == 0:
            continue
        gap = ps - pr
        shares.append({"column": col, "missing_real": pr, "missing_synthetic": ps, "gap": gap,
                       "flagged": abs(gap) >= SHARE_GAP and abs(gap) > _noise(pr, len(real), ps, len(synth))})
    with_gaps = sorted((s for s in shares if s["missing_real"] > 0), key=lambda s: -s["missing_real"])
    cols = [s["column"] for s in with_gaps[:MAX_COLUMNS]]
    targets = [s["column"] for s in shares][: MAX_COLUMNS * 2]
    pairs: list[dict[str, Any]] = []
    for a in cols:
        kr, ks = int(mr[a].sum()), int(ms[a].sum())
        if kr < MIN_MISSING_ROWS:
            continue
        for b in targets:
            if b == a:
                continue
            pr = float(mr.loc[mr[a], b].mean())
            row: dict[str, Any] = {"given_missing": a, "also_missing": b, "p_real": pr, "rows_real": kr,
                                   "rows_synthetic": ks, "p_synthetic": None, "gap": None, "flagged": False}
            if ks >= MIN_MISSING_ROWS:
                ps = float(ms.loc[ms[a], b].mean())
                gap = ps - pr
                row.update(p_synthetic=ps, gap=gap,
                           flagged=abs(gap) >= PATTERN_GAP and abs(gap) > _noise(pr, kr, ps, ks))
            pairs.append(row)
    return pairs, shares


def missing_pattern_section(pair: Pair, progress: Progress = no_progress) -> Section:
    """The pairs and shares with a verdict that names the numbers and thresholds behind it."""
    sec = Section("missing_patterns", "Missing-value patterns")
    progress(0.1, "Missing-value patterns")
    pairs, shares = missing_patterns(pair.a, pair.b)
    rule = (f"a pattern is lost when P(B missing | A missing) differs by ≥ {PATTERN_GAP} and beyond sampling "
            f"noise (z {Z}), a share when it moves by ≥ {SHARE_GAP * 100:.0f} points beyond noise; pairs need "
            f"{MIN_MISSING_ROWS} rows with A missing on both sides")
    judged = [p for p in pairs if p["gap"] is not None]
    similarity = 1 - float(np.mean([abs(p["gap"]) for p in judged])) if judged else None
    sec.metrics.update(missing_pattern_similarity=similarity, pairs_judged=len(judged),
                       patterns_lost=sum(p["flagged"] for p in judged),
                       shares_moved=sum(s["flagged"] for s in shares), pattern_gap=PATTERN_GAP,
                       share_gap=SHARE_GAP, z=Z, min_missing_rows=MIN_MISSING_ROWS)
    sec.tables["patterns"] = sorted(pairs, key=lambda p: -abs(p["gap"] or 0.0))
    sec.tables["missing_shares"] = shares
    if not any(s["missing_real"] > 0 for s in shares):
        sec.flag("good" if not shares else "review",
                 "The real data has no missing values" + ("." if not shares else ", the synthetic data has: "
                 + ", ".join(f"{s['column']} {s['missing_synthetic']:.1%}" for s in shares) + "."))
        return sec
    lost = sorted((p for p in judged if p["flagged"]), key=lambda p: -abs(p["gap"]))
    if lost:
        detail = "; ".join(f"P({p['also_missing']} missing | {p['given_missing']} missing) {p['p_real']:.0%} real vs "
                           f"{p['p_synthetic']:.0%} synthetic ({p['rows_real']:,} / {p['rows_synthetic']:,} rows)"
                           for p in lost[:SHOWN])
        sec.flag("review", f"{len(lost)} of {len(judged)} missing-value patterns lost ({rule}): {detail}"
                           + (f"; and {len(lost) - SHOWN} more" if len(lost) > SHOWN else "") + ".")
    elif judged:
        largest = max(judged, key=lambda p: abs(p["gap"]))
        sec.flag("good", f"Values go missing together as in the real data: similarity {similarity:.1%} over "
                         f"{len(judged)} column pairs, largest gap {abs(largest['gap']):.2f} "
                         f"(P({largest['also_missing']} missing | {largest['given_missing']} missing)) ({rule}).")
    else:
        most_real = max(int(pair.a[c].isna().sum()) for c in pair.a.columns)
        most_synth = max(int(pair.b[c].isna().sum()) for c in pair.b.columns)
        sec.flag("good", f"Too few gaps to compare patterns: the column with the most has {most_real:,} missing "
                         f"values in the real data and {most_synth:,} in the synthetic ({rule}).")
    moved = [s for s in shares if s["flagged"]]
    if moved:
        sec.flag("review", "Missing shares moved: " + "; ".join(
            f"{s['column']} {s['missing_real']:.1%} real vs {s['missing_synthetic']:.1%} synthetic" for s in moved[:SHOWN])
            + (f"; and {len(moved) - SHOWN} more" if len(moved) > SHOWN else "")
            + f" (flagged from {SHARE_GAP * 100:.0f} points beyond sampling noise, z {Z}).")
    progress(1.0, "Missing-value patterns: done")
    return sec


def compute(inputs: ReportInputs, progress: Progress, seed: int) -> Section:
    return missing_pattern_section(inputs.pair, progress)


SECTION = SectionSpec(
    "missing_patterns", compute, share=0.05, open_tables=("patterns",), summary_tables=("patterns",),
    headlines=(Headline("Missing-pattern similarity", "missing_pattern_similarity"),),
)
