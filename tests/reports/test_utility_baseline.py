"""A model that learned nothing (predicts the majority class) is never judged "good"."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mdg_core.reports.common import align
from mdg_core.reports.utility import utility_section
from tests.reports.conftest import split


def test_majority_class_model_is_not_good(penguins: pd.DataFrame) -> None:
    df = penguins.dropna(subset=["species"]).reset_index(drop=True)
    train, test = split(df, 0.7)
    synth = train.copy()
    synth["species"] = synth["species"].mode()[0]  # every row the majority class but two
    synth.loc[:1, "species"] = ["Gentoo", "Chinstrap"]
    sec = utility_section(train, synth, "species", align(train, synth).kinds, real_test=test, seed=0)
    m = sec.metrics
    assert m["balanced_accuracy_synthetic"] < 0.5 < m["balanced_accuracy_reference"]
    assert m["majority_share"] == float(test["species"].value_counts(normalize=True).max())
    assert m["balanced_accuracy_chance"] == 1 / 3
    assert sec.verdict == "risky"
    assert any("majority class" in r for r in sec.reasons)


def test_a_model_trained_on_real_rows_is_good(penguins: pd.DataFrame) -> None:
    train, test = split(penguins.dropna(subset=["species"]).reset_index(drop=True), 0.7)
    half = np.arange(len(train)) % 2 == 0
    a, b = train[half].reset_index(drop=True), train[~half].reset_index(drop=True)
    sec = utility_section(a, b, "species", align(a, b).kinds, real_test=test, seed=0)
    assert sec.verdict == "good", sec.reasons
