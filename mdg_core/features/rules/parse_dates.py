"""Dates stored as text: parse them with the format that fits, and extract calendar parts."""

from __future__ import annotations

from typing import Any

import pandas as pd

from mdg_core.features.base import Facts, Suggestion, SuggestionRule, q

FORMATS = (
    "%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d",
    "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%d-%m-%Y", "%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M",
    "%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y", "%d/%m/%y", "%m/%d/%y",
)
MIN_SHARE = 0.95


def best_format(values: pd.Series) -> tuple[str | None, float]:
    """The format that parses the largest share of a sample (ties: the first listed)."""
    sample = values.dropna().astype(str).str.strip().iloc[:500]
    if sample.empty:
        return None, 0.0
    best, share = None, 0.0
    for fmt in FORMATS:
        ok = float(pd.to_datetime(sample, format=fmt, errors="coerce").notna().mean())
        if ok > share:
            best, share = fmt, ok
    return best, share


class ParseDates(SuggestionRule):
    name = "parse_dates"
    title = "Parse dates stored as text"
    explanation = ("Dates kept as text sort wrongly and cannot be used as time. Parsing them with one explicit "
                   "format makes a real datetime column; year, month, day and weekday become features "
                   "(values that do not fit the format become missing).")

    def detect(self, df: pd.DataFrame, facts: Facts) -> list[Suggestion]:
        out = []
        for c in facts.overview.columns:
            if (c.date_text_share or 0) < MIN_SHARE:
                continue
            fmt, share = best_format(df[c.name])
            if fmt is None or share < MIN_SHARE:
                continue
            out.append(self.suggestion([c.name], f"{share:.0%} of sampled values parse as dates with format {fmt}",
                                       {"format": fmt, "parts": _parts(fmt)}))
        return out

    def code(self, columns: list[str], params: dict[str, Any]) -> str:
        lines = []
        for c in columns:
            lines.append(f"df[{q(c)}] = pd.to_datetime(df[{q(c)}], format={q(params['format'])}, errors='coerce')")
            for part in params.get("parts", []):
                lines.append(f"df[{q(f'{c}_{part}')}] = df[{q(c)}].dt.{part}.astype('Int64')")
        return "\n".join(lines)


def _parts(fmt: str) -> list[str]:
    parts = ["year", "month", "day", "dayofweek"]
    return parts + ["hour"] if "%H" in fmt else parts
