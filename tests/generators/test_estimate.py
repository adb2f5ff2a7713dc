"""Estimates before a run: from the data's shape, honest about slow neural defaults, with a way out."""

from __future__ import annotations

from pathlib import Path

import pytest

from mdg_core.config import save_settings
from mdg_core.errors import InvalidParameterError, UnknownGeneratorError
from mdg_core.generators import estimate, registry
from mdg_core.generators.run import prepare_training
from mdg_core.ingest import ingest_file
from mdg_core.store import DatasetStore

ROOT = Path(__file__).resolve().parents[2]
CENSUS = (26_049, 15, 32_561)  # the adult table: training rows, columns, rows to sample


@pytest.mark.parametrize("name", list(registry.GENERATORS))
def test_every_generator_gets_a_finite_estimate_that_grows_with_the_table(name: str) -> None:
    small = estimate.estimate(name, 300, 8, 344)
    big = estimate.estimate(name, *CENSUS)
    assert 0 < small.seconds < big.seconds < 3 * 24 * 3600
    assert 0 < small.memory_mb <= big.memory_mb < 16_000
    assert big.title == (registry.spec(name).title or name) and name in estimate.COSTS  # measured, not guessed


@pytest.mark.parametrize("name", ["sdv_ctgan", "sdv_tvae", "sdv_copulagan"])
def test_default_epochs_of_sdv_neural_generators_warn_of_hours_and_suggest_epochs_and_a_budget(name: str) -> None:
    est = estimate.estimate(name, *CENSUS)
    assert est.epochs == 300 and est.seconds > 10 * 60  # a census-sized table: many minutes, not seconds
    assert est.warning is not None and "can take hours on a CPU" in est.warning and "300 epochs" in est.warning
    assert est.suggested_epochs is not None and 1 <= est.suggested_epochs < 300
    assert f"Try {est.suggested_epochs:,} epochs" in est.warning and "time budget" in est.warning
    shorter = estimate.estimate(name, *CENSUS, params={"epochs": est.suggested_epochs})
    assert shorter.fit_seconds <= estimate.SUGGEST_SECONDS + 1 and shorter.warning is None
    budgeted = estimate.estimate(name, *CENSUS, params={"time_budget_minutes": 5})
    assert budgeted.warning is None and budgeted.fit_seconds < 7 * 60  # the budget bounds the estimate


def test_fast_generators_say_seconds_and_nothing_alarming() -> None:
    trees = estimate.estimate("sequential_trees", *CENSUS)
    assert trees.seconds < 30 and trees.warning is None and trees.epochs is None
    assert "training rows" in trees.text() and "26,049" in trees.text() and "MB" in trees.text()
    tiny = estimate.estimate("sdv_ctgan", 275, 8, 344)  # default epochs on penguins: the warning says how long here
    assert tiny.warning is not None and tiny.suggested_epochs is None and "about" in tiny.warning


def test_epochs_scale_a_neural_estimate_and_diffusion_counts_steps_not_rows() -> None:
    ten = estimate.estimate("sdv_ctgan", *CENSUS, params={"epochs": 10})
    hundred = estimate.estimate("sdv_ctgan", *CENSUS, params={"epochs": 100})
    assert 8 < (hundred.fit_seconds - 3) / (ten.fit_seconds - 3) < 12
    ddpm = estimate.estimate("synthcity_ddpm", *CENSUS)
    assert ddpm.epochs_label == "training steps" and "1,000 training steps" in (ddpm.warning or "")


def test_bad_parameters_and_unknown_generators_are_refused_as_a_run_refuses_them() -> None:
    with pytest.raises(InvalidParameterError):
        estimate.estimate("sdv_ctgan", *CENSUS, params={"epochs": 0})
    with pytest.raises(UnknownGeneratorError, match="Valid generators"):
        estimate.estimate("nope", *CENSUS)


def test_for_dataset_uses_the_split_a_run_trains_on(store: DatasetStore) -> None:
    real = ingest_file(store, ROOT / "data" / "customers.csv", name="customers").id
    prep = prepare_training(store, real, seed=0)
    est = estimate.for_dataset(store, real, "sequential_trees", 100)
    assert (est.train_rows, est.columns, est.sample_rows) == (len(prep.train), store.get(real).n_cols, 100)
    save_settings(store.db_path, holdout_share=0.0)
    assert estimate.for_dataset(store, real, "sequential_trees", 100).train_rows == store.get(real).n_rows


def test_compare_trains_every_neural_generator_for_the_same_epochs(store: DatasetStore) -> None:
    chosen = ["sequential_trees", "sdv_ctgan", "synthcity_tvae", "synthcity_ddpm"]
    assert estimate.epoch_params(chosen, 7) == {"sdv_ctgan": {"epochs": 7}, "synthcity_tvae": {"n_iter": 7},
                                               "synthcity_ddpm": {"n_iter": 7}}
    real = ingest_file(store, ROOT / "data" / "customers.csv", name="customers").id
    ests = estimate.for_comparison(store, real, chosen, 7)
    assert [e.generator for e in ests] == chosen and [e.epochs for e in ests] == [None, 7, 7, 7]
    assert all(e.sample_rows == e.train_rows for e in ests)


def test_durations_read_in_words() -> None:
    assert estimate.duration(2) == "a few seconds" and estimate.duration(42) == "42 s"
    assert estimate.duration(12 * 60) == "12 min" and estimate.duration(3.5 * 3600) == "3.5 h"
