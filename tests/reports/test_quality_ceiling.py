"""The quality report reads a synthetic score against the real holdout's own (the ceiling) and flags
a score above it as possible copying, with the numbers and thresholds that decided it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mdg_core.reports.common import ReportInputs, align
from mdg_core.reports.job import build
from mdg_core.reports.privacy import distances
from mdg_core.reports.quality import compute, overall_quality
from mdg_core.store import DatasetStore
from tests.reports.conftest import copy_generator, store_generated


def _three_parts(df: pd.DataFrame, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Training rows, holdout and a second real sample that never touched training."""
    idx = np.random.default_rng(seed).permutation(len(df))
    n = len(df)
    return tuple(df.iloc[part].reset_index(drop=True)  # type: ignore[return-value]
                 for part in (idx[:n // 2], idx[n // 2:3 * n // 4], idx[3 * n // 4:]))


def test_copied_training_rows_score_above_the_ceiling_and_are_flagged(penguins: pd.DataFrame) -> None:
    train, hold, _ = _three_parts(penguins)
    sec = compute(ReportInputs(align(train, copy_generator(train)), hold), lambda f, m: None, 0)
    m = sec.metrics
    assert m["overall_score"] > m["holdout_ceiling"] + 0.05
    assert m["exact_match_share_synthetic"] == 1.0 and m["dcr_share"] > 0.95
    assert sec.verdict == "risky"
    line = next(r for r in sec.reasons if "Possible copying" in r)
    assert f"{m['holdout_ceiling']:.1%}" in line and "baseline" in line and "margin 5%" in line


def test_an_independent_real_sample_is_not_flagged(penguins: pd.DataFrame) -> None:
    train, hold, other = _three_parts(penguins)
    sec = compute(ReportInputs(align(train, other), hold), lambda f, m: None, 0)
    assert not any("Possible copying" in r for r in sec.reasons)
    assert sec.metrics["overall_score"] < sec.metrics["holdout_ceiling"] + 0.05
    assert any(r.startswith("No sign of copying") for r in sec.reasons)
    assert sec.metrics["exact_match_share_synthetic"] == 0.0


def test_ceiling_is_the_holdouts_own_quality_and_the_distances_are_the_privacy_reports(
        penguins: pd.DataFrame) -> None:
    train, hold, other = _three_parts(penguins)
    m = compute(ReportInputs(align(train, other), hold), lambda f, m: None, 0).metrics
    assert m["holdout_ceiling"] == overall_quality(align(train, hold), 0)
    d = distances(train, hold, other, seed=0).metrics
    assert m["dcr_share"] == d["dcr_share"] and m["dcr_share_baseline"] == d["dcr_share_baseline"]


def test_report_of_a_stored_run_uses_the_runs_holdout(store: DatasetStore, penguins: pd.DataFrame) -> None:
    train, hold, _ = _three_parts(penguins)
    ids = store_generated(store, penguins, copy_generator(train), train, hold)
    report = build(store, "quality", ids["real"], ids["synth"])
    sec = next(s for s in report["sections"] if s["key"] == "quality")
    assert sec["metrics"]["holdout_ceiling"] == pytest.approx(overall_quality(align(train, hold), 0))
    assert report["verdict"] == "risky" and any("Possible copying" in r for r in sec["reasons"])
