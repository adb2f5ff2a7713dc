"""Compare generators and the reports measure a run the same way: their numbers are equal."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from mdg_core import jobs
from mdg_core.ingest import ingest_file
from mdg_core.reports.job import build
from mdg_core.store import DatasetStore

ROOT = Path(__file__).resolve().parents[2]
ROWS = 150  # fewer than the real rows: a regenerated key stays inside the key's range rule


def _customers(store: DatasetStore, tmp_path: Path) -> int:
    return ingest_file(store, ROOT / "data" / "customers.csv", name="customers").id


def _placements(store: DatasetStore, tmp_path: Path) -> int:
    """SDMetrics' demo table: its integer student_id is the key, so only the dataset's metadata (not
    the values) says it is an identifier; Compare must judge it the way the reports do."""
    import sdmetrics

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        real, _, _ = sdmetrics.load_demo(modality="single_table")
    real["student_placements"].to_csv(tmp_path / "placements.csv", index=False)
    return ingest_file(store, tmp_path / "placements.csv", name="student_placements").id


def _section(report: dict, key: str) -> dict:  # type: ignore[type-arg]
    return next(s for s in report["sections"] if s["key"] == key)


@pytest.mark.parametrize(("load", "generator"), [(_customers, "copy_rows"), (_customers, "sdv_gaussian_copula"),
                                                 (_placements, "sdv_gaussian_copula")])
def test_compare_numbers_equal_the_quality_and_privacy_reports_of_the_same_run(
        store: DatasetStore, tmp_path: Path, load, generator: str) -> None:  # type: ignore[no-untyped-def]
    real = load(store, tmp_path)
    compared = jobs.run_inline(store, "compare_generators", {"dataset_id": real, "generators": [generator],
                                                             "seed": 3, "n_rows": ROWS})
    row = compared["results"][0]
    assert "error" not in row, row.get("error")
    # the same generator, seed, rows and split as a stored run: the reports judge exactly that output
    run = jobs.run_inline(store, "generate", {"dataset_id": real, "generator": generator, "seed": 3,
                                              "n_rows": ROWS})
    synth = run["output_dataset_id"]

    quality = build(store, "quality", real, synth)
    privacy = build(store, "privacy", real, synth)
    assert quality["resolved"] == privacy["resolved"] == {"train_id": run["train_dataset_id"],
                                                          "holdout_id": run["holdout_dataset_id"]}
    assert row["quality"] == _section(quality, "quality")["metrics"]["overall_score"]
    distances = _section(privacy, "distances")["metrics"]
    assert row["privacy_closer_to_train"] == distances["dcr_share"]
    assert row["privacy_baseline"] == distances["dcr_share_baseline"]
    assert row["privacy_excess"] == distances["dcr_share_excess"]
    if generator == "copy_rows":  # the planted leak is visible in both, as the same number
        assert distances["dcr_share"] > 0.95 and row["privacy_excess"] > 0.8
    if load is _placements:  # the key was judged by the metadata in both, not scored as a number
        shapes = {r["Column"] for r in _section(quality, "quality")["tables"]["column_scores"]}
        assert "student_id" not in shapes and "gender" in shapes
