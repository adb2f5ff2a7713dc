"""'Drop risky rows' is offered only when the privacy report measured risky rows; with none it would only store a
copy of the synthetic dataset under a new number, so the job refuses too and the catalogue stays as it was."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from mdg_core import jobs
from mdg_core.errors import ReportError
from mdg_core.reports.job import load
from mdg_core.reports.privacy import risky_rows_measured
from mdg_core.store import DatasetStore
from tests.reports.conftest import copy_generator, open_reports_page, split, store_generated


def _far_from(train: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """Real rows with every measurement moved three training ranges away: no row is near a training row."""
    out = rows.copy()
    for col in out.select_dtypes("number").columns:
        out[col] = out[col] + 3 * (train[col].max() - train[col].min())
    return out


def _privacy(store: DatasetStore, ids: dict[str, int]) -> dict:  # type: ignore[type-arg]
    result = jobs.run_inline(store, "report", {"kind": "privacy", "a": ids["real"], "b": ids["synth"]})
    report = load(store, result["key"])
    return next(s for s in report["sections"] if s["key"] == "distances")["metrics"]


def test_risky_rows_measured_counts_the_worst_measured_share() -> None:
    none = {"synthetic_rows": 300, "exact_match_share_synthetic": 0.0, "zero_distance_share_synthetic": 0.0,
            "synthetic_below_holdout_p5": 0.0}
    assert risky_rows_measured(none) == 0
    assert risky_rows_measured({**none, "synthetic_below_holdout_p5": 0.2}) == 60
    assert risky_rows_measured({**none, "exact_match_share_synthetic": 1 / 300}) == 1
    assert risky_rows_measured({"synthetic_rows": 300}) == 0  # a report without a holdout measured no closeness


def _page(db: Path, monkeypatch: pytest.MonkeyPatch, current: int) -> AppTest:
    at = open_reports_page(db, monkeypatch, current)
    at.button_group(key="mdg.reports.kind").set_value("privacy").run()
    assert not at.exception
    return at


def test_drop_is_hidden_at_zero_risky_rows_and_refused_by_the_job(tmp_path: Path, monkeypatch,  # type: ignore[no-untyped-def]
                                                                  penguins: pd.DataFrame) -> None:
    db = tmp_path / "mdg.db"
    store = DatasetStore(db)
    train, holdout = split(penguins, 0.6)
    ids = store_generated(store, penguins, _far_from(train, holdout), train, holdout, name="far away")
    metrics = _privacy(store, ids)
    assert risky_rows_measured(metrics) == 0
    at = _page(db, monkeypatch, ids["synth"])
    assert any(s.value == "Distance to closest record" for s in at.tabs[0].subheader)  # the report is on screen
    assert not [b for b in at.button if b.key and b.key.startswith("mdg.reports.drop.")]

    before = [d.id for d in store.list()]
    with pytest.raises(ReportError, match="nothing to drop"):
        jobs.run_inline(store, "report", {"kind": "privacy", "a": ids["real"], "b": ids["synth"],
                                          "drop_risky_threshold": metrics["dcr_holdout_p5"]})
    assert [d.id for d in store.list()] == before  # no duplicate version


def test_drop_is_offered_with_the_count_when_rows_copy_training(tmp_path: Path, monkeypatch,  # type: ignore[no-untyped-def]
                                                                penguins: pd.DataFrame) -> None:
    db = tmp_path / "mdg.db"
    store = DatasetStore(db)
    train, holdout = split(penguins, 0.6)
    ids = store_generated(store, penguins, copy_generator(train), train, holdout, name="copies")
    count = risky_rows_measured(_privacy(store, ids))
    assert count == len(train)
    at = _page(db, monkeypatch, ids["synth"])
    assert at.button(key=f"mdg.reports.drop.{ids['synth']}").label == "Drop risky rows and re-run"
    assert any(c.value.startswith(f"About {count:,} risky rows") for c in at.caption)
