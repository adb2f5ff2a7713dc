"""Scores for "Compare generators", computed by the report code itself.

Quality is the Quality report's overall SDMetrics score; the privacy figures are the Privacy
report's DCR share (synthetic rows closer to a training row than to a holdout row, searched
against the whole training set), its no-memorisation baseline |T| / (|T| + |H|) and the share's
excess over that baseline (0 = chance, 1 = every synthetic row sits on a training row). Both use
the reports' own seed and judge columns by the same generation metadata (key, PII, types), so the
comparison chart and the reports of the same run cannot disagree.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from mdg_core.reports.common import align
from mdg_core.reports.privacy import distances
from mdg_core.reports.quality import overall_quality

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
    ``privacy_baseline`` and ``privacy_excess``: the numbers the Quality and Privacy reports show
    for ``synth`` against the training rows (and holdout) it came from; ``metadata`` is the real
    dataset's generation metadata (``generators.metadata.for_dataset``), as the reports use it."""
    pair = align(train, synth, "training rows", "synthetic rows", metadata=metadata)
    scores: dict[str, Any] = {"quality": overall_quality(pair, seed)}
    if holdout is not None and len(holdout) >= MIN_HOLDOUT_ROWS:
        m = distances(pair.a, holdout[pair.columns].reset_index(drop=True), pair.b, seed=seed).metrics
        scores.update(privacy_closer_to_train=m["dcr_share"], privacy_baseline=m["dcr_share_baseline"],
                      privacy_excess=m["dcr_share_excess"])
    return scores
