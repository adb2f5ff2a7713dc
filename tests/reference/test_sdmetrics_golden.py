"""Golden test: the Quality report equals SDMetrics' own reports on SDMetrics' own demo pair."""

from __future__ import annotations

import warnings
from typing import Any

import pandas as pd
import pytest

from mdg_core.reports.job import build
from mdg_core.store import DatasetStore

GOLDEN_OVERALL = 0.7767270753585065  # sdmetrics QualityReport on student_placements with its own metadata


def _section(report: dict[str, Any], key: str) -> dict[str, Any]:
    return next(s for s in report["sections"] if s["key"] == key)


def test_reference_numbers_are_sdmetrics_own(student_placements: tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]) -> None:
    """The golden numbers below are what SDMetrics itself says (guards against a library change)."""
    from sdmetrics.reports.single_table import DiagnosticReport, QualityReport

    real, synth, metadata = student_placements
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        q = QualityReport()
        q.generate(real, synth, metadata, verbose=False)
        d = DiagnosticReport()
        d.generate(real, synth, metadata, verbose=False)
    assert q.get_score() == pytest.approx(GOLDEN_OVERALL, abs=1e-12)
    assert d.get_score() == 1.0


def test_quality_report_equals_sdmetrics_on_its_demo(store: DatasetStore, placements_ids: tuple[int, int]) -> None:
    """Default ingest + the dataset's metadata (student_id is the key, not a number): SDMetrics' numbers to 1e-9,
    no false "outside the real range" diagnostic, and the pair charts (date quartiles) build."""
    real_id, synth_id = placements_ids
    report = build(store, "quality", real_id, synth_id)
    m = _section(report, "quality")["metrics"]
    assert m["overall_score"] == pytest.approx(GOLDEN_OVERALL, abs=1e-9)
    assert m["column_shapes"] == pytest.approx(0.8511084702797364, abs=1e-9)
    assert m["column_pair_trends"] == pytest.approx(0.7023456804372763, abs=1e-9)
    assert m["diagnostic_score"] == 1.0 and m["validity"] == 1.0
    reasons = " ".join(_section(report, "quality")["reasons"])
    assert "outside the real range" not in reasons
    shapes = {r["Column"] for r in _section(report, "quality")["tables"]["column_scores"]}
    assert "student_id" not in shapes  # an id has no distribution to compare
