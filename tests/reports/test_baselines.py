"""Honest quality numbers: a run's summary and its baselines equal the Quality and Privacy reports'
numbers for the same rows, are stored once per split, and never call copying "excellent"."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mdg_core import jobs
from mdg_core.errors import ReportError
from mdg_core.generators import registry
from mdg_core.ingest import ingest_file
from mdg_core.reports import baselines
from mdg_core.reports.job import build
from mdg_core.store import DatasetStore

ROOT = Path(__file__).resolve().parents[2]
ROWS = 150


@pytest.fixture()
def customers(store: DatasetStore) -> int:
    return ingest_file(store, ROOT / "data" / "customers.csv", name="customers").id


def _section(report: dict, key: str) -> dict:  # type: ignore[type-arg]
    return next(s for s in report["sections"] if s["key"] == key)


def test_independent_marginals_keep_each_column_and_its_gaps_but_no_row(penguins: pd.DataFrame) -> None:
    out = baselines.independent_marginals(penguins, 2000, seed=4)
    assert list(out.columns) == list(penguins.columns) and len(out) == 2000
    for col in penguins.columns:  # every value is one of the column's own real values
        assert set(out[col].dropna()) <= set(penguins[col].dropna())
    gaps = penguins["sex"].isna().mean()
    assert gaps > 0 and abs(out["sex"].isna().mean() - gaps) < 0.02  # missing values drawn like any value
    assert abs(out["species"].eq("Adelie").mean() - penguins["species"].eq("Adelie").mean()) < 0.04
    # the relation between columns is gone: Gentoo's heavy bodies are no longer Gentoo's
    real_gap = penguins.groupby("species")["body_mass_g"].mean()
    out_gap = out.groupby("species")["body_mass_g"].mean()
    assert real_gap["Gentoo"] - real_gap["Adelie"] > 1000 and abs(out_gap["Gentoo"] - out_gap["Adelie"]) < 300
    pd.testing.assert_frame_equal(out, baselines.independent_marginals(penguins, 2000, seed=4))  # seeded


def test_a_runs_numbers_equal_the_quality_and_privacy_reports_and_baselines_are_computed_once(
        store: DatasetStore, customers: int) -> None:
    assert baselines.GAUSSIAN_COPULA == registry.BASELINE
    run = jobs.run_inline(store, "generate", {"dataset_id": customers, "generator": "sdv_gaussian_copula",
                                              "seed": 3, "n_rows": ROWS})
    synth = run["output_dataset_id"]
    assert baselines.load_run_scores(store, synth) is None
    scored = jobs.run_inline(store, "honest_scores", {"synthetic_id": synth})
    own = scored["own"]

    quality = _section(build(store, "quality", customers, synth), "quality")["metrics"]
    distances = _section(build(store, "privacy", customers, synth), "distances")["metrics"]
    assert own["quality"] == quality["overall_score"]
    assert own["holdout_ceiling"] == quality["holdout_ceiling"] == scored["split"]["holdout_ceiling"]
    assert own["exact_copies"] == quality["exact_match_share_synthetic"] == distances["exact_match_share_synthetic"]
    assert own["privacy_closer_to_train"] == distances["dcr_share"] == quality["dcr_share"]
    assert own["exact_copies_holdout"] == distances["exact_match_share_holdout"]

    # Compare generators, same generator, seed and rows: the same numbers, the ceiling and copies included
    row = jobs.run_inline(store, "compare_generators", {"dataset_id": customers, "generators": ["sdv_gaussian_copula"],
                                                        "seed": 3, "n_rows": ROWS})["results"][0]
    assert row["quality"] == own["quality"] and row["holdout_ceiling"] == quality["holdout_ceiling"]
    assert row["exact_copies"] == quality["exact_match_share_synthetic"]
    assert row["privacy_closer_to_train"] == distances["dcr_share"] and row["copying_level"] == own["copying_level"]

    split = scored["split"]
    assert (split["train_id"], split["holdout_id"]) == (run["train_dataset_id"], run["holdout_dataset_id"])
    marg, copula = split["baselines"]["independent_marginals"], split["baselines"]["sdv_gaussian_copula"]
    assert 0 < marg["quality"] < 1 and 0 < copula["quality"] < 1
    # resampled columns sit on no training row: their DCR share is at the no-memorisation baseline
    assert marg["exact_copies"] < 0.05 and marg["privacy_excess"] < 0.2 and marg["copying_level"] == "good"
    # the Gaussian copula baseline is this very run's generator and seed: the same rows, the same score
    # up to the rules the run enforced (the baseline runs without rules) and the rows sampled
    assert abs(copula["quality"] - own["quality"]) < 0.1
    # the Quality report shows the same baselines (read from the split's stored numbers, not recomputed)
    again = _section(build(store, "quality", customers, synth), "quality")
    assert again["metrics"]["baseline_independent_marginals"] == marg["quality"]
    assert again["metrics"]["baseline_sdv_gaussian_copula"] == copula["quality"]
    assert [r["baseline"] for r in again["tables"]["baselines"]] == ["Independent marginals", "Gaussian copula"]
    assert any("baseline" in r for r in again["reasons"])

    # stored once per split and seed: a second run on the same split reuses them
    stored = store.list_artifacts(baselines.BASELINES_KIND, dataset_id=customers)
    assert len(stored) == 1
    again = jobs.run_inline(store, "generate", {"dataset_id": customers, "generator": "sequential_trees",
                                                "seed": 3, "n_rows": ROWS})
    assert again["train_dataset_id"] == run["train_dataset_id"]
    second = baselines.run_scores(store, again["output_dataset_id"])
    assert second["split"] == split and len(store.list_artifacts(baselines.BASELINES_KIND, dataset_id=customers)) == 1
    assert baselines.load_split_baselines(store, customers, 3) == split
    assert baselines.load_split_baselines(store, customers, 4) is None
    assert baselines.load_run_scores(store, synth) == scored


def test_copying_is_never_excellent(store: DatasetStore, customers: int) -> None:
    run = jobs.run_inline(store, "generate", {"dataset_id": customers, "generator": "copy_rows", "seed": 1,
                                              "n_rows": 300})
    scored = baselines.run_scores(store, run["output_dataset_id"])
    own = scored["own"]
    assert own["exact_copies"] > 0.9 and own["privacy_excess"] > 0.8
    assert own["quality"] > scored["split"]["holdout_ceiling"]  # copies beat fresh real data…
    assert scored["verdict"] == "possible copying"  # …and are called what they are
    assert "copying" in scored["verdict_text"].lower()


def test_verdict_reads_a_score_against_the_ceiling_and_the_baselines() -> None:
    split = {"baselines": {"independent_marginals": {"quality": 0.80}, "sdv_gaussian_copula": {"quality": 0.75}}}
    clean = {"copying_level": "good", "copying_reason": "No sign of copying"}
    assert baselines.verdict({"quality": 0.95, "holdout_ceiling": 0.96, **clean}, split)[0] == "excellent"
    # above fresh real data with clean distances: flagged, never "excellent"
    level, words = baselines.verdict({"quality": 0.97, "holdout_ceiling": 0.95, "privacy_closer_to_train": 0.8,
                                      "privacy_baseline": 0.8, "exact_copies": 0.0, **clean}, split)
    assert level == "above the ceiling" and "possible copying" in words and "excellent" not in level
    assert baselines.verdict({"quality": 0.85, "holdout_ceiling": 0.96, **clean}, split)[0] == "good"
    weak = baselines.verdict({"quality": 0.78, "holdout_ceiling": 0.96, **clean}, split)
    assert weak[0] == "weak" and "independent marginals" in weak[1]
    # a generator is not measured against itself: the copula run is read against the marginals only
    assert baselines.verdict({"quality": 0.78, "holdout_ceiling": 0.96, **clean}, split, "sdv_gaussian_copula")[0] == "weak"
    assert baselines.verdict({"quality": 0.77, "holdout_ceiling": 0.96, **clean},
                             {"baselines": {"sdv_gaussian_copula": {"quality": 0.77}}}, "sdv_gaussian_copula")[0] == "good"
    above = {"quality": 0.99, "holdout_ceiling": 0.90, "copying_level": "review",
             "copying_reason": "Possible copying: scores above what fresh real data reaches"}
    assert baselines.verdict(above, split) == ("possible copying", above["copying_reason"])
    assert baselines.verdict({"quality": None})[0] == "unscored"


def test_a_dataset_not_made_by_a_run_is_refused_with_a_reason(store: DatasetStore, customers: int) -> None:
    with pytest.raises(ReportError, match="not made by a generation run"):
        baselines.run_scores(store, customers)
