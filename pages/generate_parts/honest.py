"""Quality next to what makes it honest: the real holdout (the ceiling), the DCR share, exact copies and
the two baselines (``mdg_core.reports.baselines``), as one table shared by the run summary and Compare."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from mdg_core import ui
from mdg_core.reports import baselines

PERCENT = ("Quality", "Closer to training", "Chance level", "Copying risk", "Exact copies")
BANNERS = {"excellent": st.success, "above the ceiling": st.warning, "good": st.info, "weak": st.warning,
           "possible copying": st.error, "unscored": st.info}
HELP = {
    "Quality": "SDMetrics quality against the training rows (the Quality report's overall score).",
    "Closer to training": "DCR share: synthetic rows closer to a training row than to a holdout row "
                          "(the Privacy report's). At the chance level nothing was memorised.",
    "Chance level": "The DCR share of a generator that memorised nothing: training rows / (training + holdout).",
    "Copying risk": "The DCR share's excess over chance: 0 = chance, 1 = every row sits on a training row.",
    "Exact copies": "Share of synthetic rows identical to a training row (for the holdout: of its own rows).",
}


def row(name: str, scores: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """One table row from ``generators.scores.compare_scores`` output."""
    return {"Generator": name, "Quality": scores.get("quality"),
            "Closer to training": scores.get("privacy_closer_to_train"), "Chance level": scores.get("privacy_baseline"),
            "Copying risk": scores.get("privacy_excess"), "Exact copies": scores.get("exact_copies"), **extra}


def split_rows(split: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The real holdout (the ceiling) and both baselines of one train split."""
    if not split:
        return []
    out = []
    if split.get("holdout_ceiling") is not None:
        out.append({"Generator": "Real holdout (the ceiling)", "Quality": split["holdout_ceiling"],
                    "Exact copies": split.get("exact_copies_holdout"), "Verdict": "fresh real data"})
    for key, scores in (split.get("baselines") or {}).items():
        out.append(row(f"{baselines.TITLES[key]} (baseline)", scores, Verdict="baseline"))
    return out


def _cell(column: str, value: Any) -> Any:
    if column not in PERCENT and not column.endswith(" s") and column != "Violations before":
        return value
    if value is None or value != value:  # a measure that does not apply to this row (NaN)
        return "—"
    return f"{value:.1%}" if column in PERCENT else f"{value:.2f}" if column.endswith(" s") else f"{int(value):,}"


def table(rows: list[dict[str, Any]], key: str) -> None:
    """Figures as an analyst reads them (percent, seconds); "—" where a measure does not apply."""
    frame = pd.DataFrame(rows).dropna(axis="columns", how="all")
    order = ["Generator", "Verdict"] + [c for c in frame.columns if c not in ("Generator", "Verdict")]
    frame = frame[[c for c in order if c in frame.columns]]
    shown = pd.DataFrame({c: [_cell(c, v) for v in frame[c]] for c in frame.columns})
    st.dataframe(shown, hide_index=True, width="stretch", key=key,
                 column_config={c: st.column_config.TextColumn(c, help=HELP[c]) for c in shown.columns if c in HELP})


def verdict(level: str, words: str) -> None:
    BANNERS.get(level, st.info)(f"**{level.capitalize()}.** {ui.md(words)}", icon=":material/balance:")
