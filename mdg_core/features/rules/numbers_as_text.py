"""Numbers stored as text ("1,234.50", "€12", "45%", "(300)"): convert them to real numbers."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from mdg_core.features.base import Facts, Suggestion, SuggestionRule, q

MIN_SHARE = 0.95
EUROPEAN = re.compile(r"^[^\d]*\d{1,3}(\.\d{3})+(,\d+)?[^\d]*$|^[^\d]*\d+,\d{1,2}[^\d]*$")


class NumbersAsText(SuggestionRule):
    name = "numbers_as_text"
    title = "Convert numbers stored as text"
    explanation = ("Text cannot be summed, compared or modelled as a number. Currency signs, spaces and "
                   "thousands separators are removed, (x) becomes −x, the decimal separator is normalised and "
                   "the result is a float column (values that are not numbers become missing).")

    def detect(self, df: pd.DataFrame, facts: Facts) -> list[Suggestion]:
        out = []
        for c in facts.overview.columns:
            if (c.numeric_text_share or 0) < MIN_SHARE:
                continue
            params = self.fit(df, [c.name], {})
            converted = _convert(df[c.name], params)
            ok = converted.notna().sum() / max(1, df[c.name].notna().sum())
            if ok < MIN_SHARE:
                continue
            sep = "decimal comma" if params["decimal"] == "," else "decimal point"
            out.append(self.suggestion([c.name], f"{ok:.0%} of values are numbers written as text ({sep}"
                                       f"{', percent' if params['percent'] else ''})", params))
        return out

    def fit(self, df: pd.DataFrame, columns: list[str], params: dict[str, Any]) -> dict[str, Any]:
        sample = df[columns[0]].dropna().astype(str).str.strip().iloc[:2000]
        european = float(sample.str.match(EUROPEAN).mean()) if len(sample) else 0.0
        percent = bool(len(sample)) and float(sample.str.endswith("%").mean()) > 0.5
        return {"decimal": "," if european > 0.5 else ".", "percent": percent}

    def code(self, columns: list[str], params: dict[str, Any]) -> str:
        thousands = "." if params["decimal"] == "," else ","
        lines = []
        for c in columns:
            lines.append(f"_s = df[{q(c)}].astype('string').str.strip()")
            lines.append("_s = _s.str.replace(r'^\\((.*)\\)$', r'-\\1', regex=True)")
            lines.append("_s = _s.str.replace(r\"[\\s$€£¥%']\", '', regex=True)")
            lines.append(f"_s = _s.str.replace({q(thousands)}, '', regex=False)")
            if params["decimal"] == ",":
                lines.append("_s = _s.str.replace(',', '.', regex=False)")
            scale = " / 100" if params.get("percent") else ""
            lines.append(f"df[{q(c)}] = pd.to_numeric(_s, errors='coerce').astype('float64'){scale}")
        return "\n".join(lines)


def _convert(series: pd.Series, params: dict[str, Any]) -> pd.Series:
    ns: dict[str, Any] = {"pd": pd, "df": pd.DataFrame({"x": series})}
    exec(NumbersAsText().code(["x"], params), ns)  # noqa: S102 - our own template
    return ns["df"]["x"]
