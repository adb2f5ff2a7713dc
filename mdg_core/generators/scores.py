"""Scores for "Compare generators", computed by the report code itself.

Quality is the Quality report's overall SDMetrics score, read against the real holdout's own score (the
ceiling) by the Quality report's ``ceiling_check``, which flags a score above it as possible copying. The
privacy figures are the Privacy report's DCR share (synthetic rows closer to a training row than to a
holdout row, searched against the whole training set), its no-memorisation baseline |T| / (|T| + |H|),
the share's excess over that baseline (0 = chance, 1 = every synthetic row sits on a training row) and
the exact-copy shares. All use the reports' own seed and judge columns by the same generation metadata
(key, PII, types), so the comparison chart and the reports of the same run cannot disagree.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from mdg_core.reports.common import Section, align
from mdg_core.reports.privacy import distances, excess_share
from mdg_core.reports.quality import ceiling_check, overall_quality

REPORT_SEED = 0  # the seed the Reports page runs every report with
MIN_HOLDOUT_ROWS = 10  # below this a distance share is noise: none is given


def quality_score(real: pd.DataFrame, synth: pd.DataFrame, metadata: dict[str, Any] | None = None,
                  seed: int = REPORT_SEED) -> float | None:
    """The Quality report's overall score (SDMetrics column shapes and pair trends, 0–1) of ``synth``
    against ``real``, columns judged by the dataset's generation ``metadata`` when given (as the
    report does); None when every common column is identifier-like."""
    return overall_quality(align(real, synth, "real rows", "synthetic rows", metadata=metadata), seed)


def compare_scores(train: pd.DataFrame, holdout: pd.DataFrame | None, synth: pd.DataFrame,
                   metadata: dict[str, Any] | None = None, seed: int = REPORT_SEED) -> dict[str, Any]:
    """``quality``, and with a holdout of at least ``MIN_HOLDOUT_ROWS`` rows ``privacy_closer_to_train``,
    ``privacy_baseline``, ``privacy_excess``, ``holdout_ceiling``, ``exact_copies`` (and the holdout's own
    ``exact_copies_holdout``) and the Quality report's reading of the score against the ceiling
    (``copying_level``, ``copying_reason``): the numbers the Quality and Privacy reports show for ``synth``
    against the training rows (and holdout) it came from; ``metadata`` is the real dataset's generation
    metadata (``generators.metadata.for_dataset``), as the reports use it."""
    pair = align(train, synth, "training rows", "synthetic rows", metadata=metadata)
    scores: dict[str, Any] = {"quality": overall_quality(pair, seed)}
    if holdout is None or len(holdout) < MIN_HOLDOUT_ROWS:
        return scores
    if scores["quality"] is None:  # nothing to read against a ceiling: the distances alone
        m = distances(pair.a, holdout[pair.columns].reset_index(drop=True), pair.b, seed=seed).metrics
    else:
        sec = Section("quality", "Quality")
        sec.metrics["overall_score"] = scores["quality"]
        ceiling_check(sec, pair, holdout, seed)  # the report's own ceiling, distances and copying verdict
        m = sec.metrics
        scores.update(holdout_ceiling=m["holdout_ceiling"], quality_at_holdout_size=m["quality_at_holdout_size"],
                      copying_level=sec.verdict,
                      copying_reason=sec.reasons[-1] if sec.reasons else None)
    scores.update(privacy_closer_to_train=m["dcr_share"], privacy_baseline=m["dcr_share_baseline"],
                  privacy_excess=excess_share(m["dcr_share"], m["dcr_share_baseline"]),
                  exact_copies=m["exact_match_share_synthetic"], exact_copies_holdout=m["exact_match_share_holdout"])
    return scores
