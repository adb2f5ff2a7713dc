"""PII in the data, and real PII values that reappear verbatim in the synthetic data.

The scan itself is ``mdg_core.pii.scan_columns`` (presidio over seeded samples of cell values plus
the column names). This module adds the leak check: for each column that holds personal data, the
real values that identify one person (they occur once in the real data: an email, a phone number,
a full name) and also appear in the synthetic data. Common values such as a city shared by many
people are not counted as leaks; they are quasi-identifiers, covered by the re-identification
attacks.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from mdg_core.reports.common import Progress, ReportInputs, Section, SectionSpec, as_category, fmt_pct, no_progress

SAMPLE_ROWS = 200


def mask(value: str) -> str:
    """Show enough of a leaked value to recognise it, not enough to re-publish it."""
    text = str(value)
    if len(text) <= 4:
        return text[0] + "***"
    return text[:2] + "*" * (len(text) - 4) + text[-2:]


def verbatim_leaks(real: pd.Series, synth: pd.Series) -> dict[str, Any]:
    """Real values unique to one real row that appear in the synthetic column (on all rows)."""
    r = as_category(real).dropna().str.strip()
    s = as_category(synth).dropna().str.strip()
    counts = r.value_counts()
    unique_real = set(counts.index[counts == 1])
    hits = s[s.isin(unique_real)]
    distinct = hits.unique().tolist()
    return {
        "unique_real_values": len(unique_real),
        "leaked_values": len(distinct),
        "leaked_share_of_unique": len(distinct) / len(unique_real) if unique_real else 0.0,
        "synthetic_rows_with_leak": int(len(hits)),
        "synthetic_rows_share": len(hits) / len(s) if len(s) else 0.0,
        "examples": [mask(v) for v in distinct[:3]],
    }


def pii_section(real: pd.DataFrame, synth: pd.DataFrame, progress: Progress = no_progress,
                seed: int = 0, sample_rows: int = SAMPLE_ROWS) -> Section:
    """Which columns hold which PII (real and synthetic), and whether real PII leaks verbatim."""
    from mdg_core.pii import likely_pii, scan_columns

    sec = Section("pii", "Personal data (PII) and verbatim leaks")
    progress(0.05, "PII: scanning the real data")
    real_scan = {p.column: p for p in scan_columns(real, sample_rows=sample_rows, seed=seed)}
    progress(0.5, "PII: scanning the synthetic data")
    synth_scan = {p.column: p for p in scan_columns(synth, sample_rows=sample_rows, seed=seed)}
    rows: list[dict[str, Any]] = []
    leaking: list[str] = []
    for col in [c for c in real.columns if c in real_scan or c in synth_scan]:
        rp, sp = real_scan.get(col), synth_scan.get(col)
        row: dict[str, Any] = {
            "column": col,
            "entities_real": ", ".join(f"{k} {v:.0%}" for k, v in sorted((rp.entities if rp else {}).items(), key=lambda kv: -kv[1])) or "—",
            "max_score_real": rp.max_score if rp else 0.0,
            "name_suggests": either.by_name if (either := rp or sp) else None,
            "entities_synthetic": ", ".join(f"{k} {v:.0%}" for k, v in sorted((sp.entities if sp else {}).items(), key=lambda kv: -kv[1])) or "—",
        }
        if col in synth.columns:
            leak = verbatim_leaks(real[col], synth[col])
            row.update({k: v for k, v in leak.items() if k != "examples"})
            row["examples"] = ", ".join(leak["examples"])
            if leak["leaked_values"] and ((rp and rp.share >= 0.3) or row["name_suggests"]):
                leaking.append(col)
                sec.flag("risky", f"'{col}': {leak['leaked_values']:,} real values that identify one person "
                                  f"({fmt_pct(leak['leaked_share_of_unique'])} of them) appear verbatim in "
                                  f"{fmt_pct(leak['synthetic_rows_share'])} of synthetic rows.")
        rows.append(row)
    sec.tables["columns"] = rows
    found = [p.column for p in likely_pii(list(real_scan.values()))]
    sec.metrics.update(pii_columns=found, leaking_columns=leaking, sample_rows=sample_rows)
    if not found:
        sec.flag("good", f"No column of the real data looks like personal data (presidio on {sample_rows} "
                         "sampled values per text column, plus column names).")
    elif not leaking:
        sec.flag("review", f"{len(found)} column(s) hold personal data ({', '.join(found)}); none of their "
                           "one-person values appear verbatim in the synthetic data. Consider dropping or "
                           "faking these columns before sharing.")
    sec.notes.append("Entity shares come from presidio on a seeded sample of each text column's values; "
                     "the verbatim check uses every row. Examples are masked.")
    progress(1.0, "PII: done")
    return sec


def compute(inputs: ReportInputs, progress: Progress, seed: int) -> Section:
    return pii_section(inputs.pair.a, inputs.pair.b, progress, seed)


SECTION = SectionSpec("pii", compute, share=0.25, open_tables=("columns",), summary_tables=("columns",))
