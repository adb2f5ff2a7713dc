"""Compare generators and the reports measure a run the same way: their numbers are equal."""

from __future__ import annotations

from pathlib import Path

import pytest

from mdg_core import jobs
from mdg_core.ingest import ingest_file
from mdg_core.reports.job import build
from mdg_core.store import DatasetStore

ROOT = Path(__file__).resolve().parents[2]
ROWS = 300


def _metrics(report: dict, key: str) -> dict:  # type: ignore[type-arg]
    return next(s for s in report["sections"] if s["key"] == key)["metrics"]


@pytest.mark.parametrize("generator", ["copy_rows", "sdv_gaussian_copula"])
def test_compare_numbers_equal_the_quality_and_privacy_reports_of_the_same_run(store: DatasetStore,
                                                                                generator: str) -> None:
    real = ingest_file(store, ROOT / "data" / "customers.csv", name="customers").id
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
    assert row["quality"] == _metrics(quality, "quality")["overall_score"]
    distances = _metrics(privacy, "distances")
    assert row["privacy_closer_to_train"] == distances["dcr_share"]
    assert row["privacy_baseline"] == distances["dcr_share_baseline"]
    assert row["privacy_excess"] == distances["dcr_share_excess"]
    if generator == "copy_rows":  # the planted leak is visible in both, as the same number
        assert distances["dcr_share"] > 0.95 and row["privacy_excess"] > 0.8
