"""PII in the data, and real values that reappear verbatim in the synthetic data.

The scan itself is ``mdg_core.pii.scan_columns`` (presidio over seeded samples of cell values plus
the column names). This module adds the replay check, on *every* text column whether or not it looks
like personal data (identifier-like text above all: the distance checks cannot see it, and a column
such as "Term (yyyy.mm.dd)" names one person per value): the real values that occur in only one
training row, and the share of synthetic rows that carry one of them. Fresh real rows (the holdout)
carry some such values by chance (two senators appointed on the same day), so the share counts
only beyond the holdout's own share and its sampling noise. A value shared by many people, or any
value of a category column ("Nunavut" for province), is not personal data: category columns are
never reported as leaking people's data (the re-identification attacks cover them as
quasi-identifiers), and the scan does not call their values names or places.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from mdg_core.column_kinds import ColumnKind, kind_of
from mdg_core.reports.common import (
    Progress,
    ReportInputs,
    Section,
    SectionSpec,
    as_category,
    fmt_pct,
    no_progress,
    raise_to,
)

SAMPLE_ROWS = 200
REPLAY_REVIEW, REPLAY_RISKY = 0.05, 0.20  # synthetic rows replaying a one-row value, beyond the holdout's share
REPLAY_Z = 2.33  # ... and beyond sampling noise (one-sided 1 %)


def mask(value: str) -> str:
    """Show enough of a leaked value to recognise it, not enough to re-publish it."""
    text = str(value)
    if len(text) <= 4:
        return text[0] + "***"
    return text[:2] + "*" * (len(text) - 4) + text[-2:]


def _values(series: pd.Series) -> pd.Series:
    return as_category(series).dropna().str.strip()


def verbatim_leaks(real: pd.Series, synth: pd.Series, holdout: pd.Series | None = None) -> dict[str, Any]:
    """Real values unique to one real row that appear in the synthetic column (on all rows), and the
    share of holdout rows that carry such a value by chance (the baseline)."""
    r, s = _values(real), _values(synth)
    counts = r.value_counts()
    unique_real = set(counts.index[counts == 1])
    hits = s[s.isin(unique_real)]
    distinct = hits.unique().tolist()
    out: dict[str, Any] = {
        "unique_real_values": len(unique_real),
        "leaked_values": len(distinct),
        "leaked_share_of_unique": len(distinct) / len(unique_real) if unique_real else 0.0,
        "synthetic_rows_with_leak": int(len(hits)),
        "synthetic_rows_share": len(hits) / len(s) if len(s) else 0.0,
        "synthetic_values": int(len(s)),
        "holdout_rows_share": None,
        "holdout_values": 0,
        "examples": [mask(v) for v in distinct[:3]],
    }
    if holdout is not None:
        h = _values(holdout)
        out.update(holdout_rows_share=float(h.isin(unique_real).mean()) if len(h) else 0.0, holdout_values=int(len(h)))
    return out


def replay_level(leak: dict[str, Any]) -> tuple[str, float, float]:
    """The verdict on one column's replay share, its excess over the holdout's share, and the noise
    that excess must beat (binomial, both samples)."""
    p, n = float(leak["synthetic_rows_share"]), max(1, int(leak["synthetic_values"]))
    q = float(leak["holdout_rows_share"] or 0.0)
    m = int(leak["holdout_values"])
    var = p * (1 - p) / n + (q * (1 - q) / m if m else 0.0)
    noise = REPLAY_Z * math.sqrt(var)
    excess = p - q
    if excess <= noise:
        return "good", excess, noise
    return ("risky" if excess >= REPLAY_RISKY else "review" if excess >= REPLAY_REVIEW else "good"), excess, noise


def pii_section(real: pd.DataFrame, synth: pd.DataFrame, progress: Progress = no_progress,
                seed: int = 0, sample_rows: int = SAMPLE_ROWS, holdout: pd.DataFrame | None = None,
                regenerated: tuple[str, ...] = ()) -> Section:
    """Which columns hold which PII (real and synthetic), and which text columns replay real values
    that occur in one training row. ``regenerated`` columns (the primary key and id columns, which
    generators number afresh) are not checked for replay: matching ids carry no one's data."""
    from mdg_core.pii import likely_pii, scan_columns

    sec = Section("pii", "Personal data (PII) and verbatim replay")
    progress(0.05, "PII: scanning the real data")
    real_scan = {p.column: p for p in scan_columns(real, sample_rows=sample_rows, seed=seed)}
    progress(0.5, "PII: scanning the synthetic data")
    synth_scan = {p.column: p for p in scan_columns(synth, sample_rows=sample_rows, seed=seed)}
    found = [p.column for p in likely_pii(list(real_scan.values()))]
    rows: list[dict[str, Any]] = []
    leaking: list[str] = []
    rule = (f"flagged from +{REPLAY_REVIEW:.0%} (review) / +{REPLAY_RISKY:.0%} (risky) of synthetic rows over "
            f"{'the holdout' if holdout is not None else 'zero (no holdout)'}, beyond sampling noise (z {REPLAY_Z})")
    progress(0.9, "PII: verbatim replay")
    for col in real.columns:
        textual = kind_of(real[col]) in (ColumnKind.CATEGORY, ColumnKind.TEXT)
        if col not in real_scan and col not in synth_scan and not textual:
            continue
        rp, sp = real_scan.get(col), synth_scan.get(col)
        row: dict[str, Any] = {
            "column": col,
            "entities_real": ", ".join(f"{k} {v:.0%}" for k, v in sorted((rp.entities if rp else {}).items(), key=lambda kv: -kv[1])) or "—",
            "max_score_real": rp.max_score if rp else 0.0,
            "name_suggests": either.by_name if (either := rp or sp) else None,
            "entities_synthetic": ", ".join(f"{k} {v:.0%}" for k, v in sorted((sp.entities if sp else {}).items(), key=lambda kv: -kv[1])) or "—",
            "category": kind_of(real[col]) is ColumnKind.CATEGORY,
        }
        if col in synth.columns and textual and col not in regenerated:
            leak = verbatim_leaks(real[col], synth[col], holdout[col] if holdout is not None and col in holdout else None)
            level, excess, noise = replay_level(leak)
            if row["category"] and level != "good":  # a rare category is not a person: never more than review
                level = "review"
            elif col in found and not row["category"] and holdout is None and leak["leaked_values"]:
                level = raise_to(level, "review")  # a person's value, and no fresh rows to call it chance
            row.update({k: v for k, v in leak.items() if k != "examples"}, replay_excess=excess, replay_level=level)
            row["examples"] = ", ".join(leak["examples"])
            if level != "good":
                leaking.append(col)
                personal = f" — personal data ({rp.describe()})" if col in found and rp else ""
                baseline = (f"fresh holdout rows {fmt_pct(leak['holdout_rows_share'])}"
                            if leak["holdout_rows_share"] is not None else "no holdout to compare with")
                sec.flag(level, f"'{col}'{personal}: {fmt_pct(leak['synthetic_rows_share'])} of "
                                f"{leak['synthetic_values']:,} synthetic values are copies of a value that only one "
                                f"training row has ({leak['leaked_values']:,} of {leak['unique_real_values']:,} such "
                                f"values replayed, e.g. {row['examples']}); {baseline}; {rule}.")
        rows.append(row)
    sec.tables["columns"] = rows
    checked = sum("replay_level" in r for r in rows)
    sec.metrics.update(pii_columns=found, leaking_columns=leaking, sample_rows=sample_rows,
                       replay_review=REPLAY_REVIEW, replay_risky=REPLAY_RISKY, replay_columns=checked)
    if not leaking:
        sec.flag("good", f"No text column replays real values verbatim: {checked} column(s) checked on every row "
                         f"for values that only one training row has ({rule}).")
    if found:
        sec.flag("review", f"{len(found)} column(s) hold personal data ({', '.join(found)}). Consider dropping or "
                           "faking these columns before sharing.")
    else:
        sec.flag("good", f"No column of the real data looks like personal data (presidio on {sample_rows} "
                         "sampled values per text column, plus column names; category columns only by pattern).")
    sec.notes.append("Entity shares come from presidio on a seeded sample of each text column's values; "
                     "the replay check uses every row of every text column. Examples are masked."
                     + (f" Not checked for replay (numbered afresh by generators): {', '.join(regenerated)}."
                        if regenerated else ""))
    progress(1.0, "PII: done")
    return sec


def compute(inputs: ReportInputs, progress: Progress, seed: int) -> Section:
    ids = tuple(c for c, t in inputs.pair.sdtypes.items() if t == "id")
    return pii_section(inputs.pair.a, inputs.pair.b, progress, seed, holdout=inputs.holdout, regenerated=ids)


SECTION = SectionSpec("pii", compute, share=0.25, open_tables=("columns",), summary_tables=("columns",))
