"""anonymeter attacks: copies are re-identifiable, awkward column names do not break it."""

from __future__ import annotations

import pandas as pd

from mdg_core.reports.reid import reid_section
from tests.reports.conftest import copy_generator, independent_generator, split


def test_copies_give_high_linkability_and_inference_risk(penguins: pd.DataFrame) -> None:
    df = penguins.rename(columns={"bill_length_mm": "bill length (mm)", "sex": "sex [m/f]"})
    train, holdout = split(df, 0.5)
    sec = reid_section(train, holdout, copy_generator(train))
    attacks = {r["attack"].split(" (")[0].split(" of ")[0]: r for r in sec.tables["attacks"]}
    assert attacks["linkability"]["risk"] > 0.5
    assert sec.verdict == "risky"
    for r in sec.tables["attacks"]:
        assert 0 <= r["ci_low"] <= r["risk"] <= r["ci_high"] <= 1


def test_resampled_columns_have_low_linkability(penguins: pd.DataFrame) -> None:
    train, holdout = split(penguins, 0.5)
    sec = reid_section(train, holdout, independent_generator(train))
    link = next(r for r in sec.tables["attacks"] if r["attack"].startswith("linkability"))
    assert link["risk"] < 0.2


def test_risk_levels_need_an_interval_above_zero() -> None:
    from mdg_core.reports.reid import risk_level

    assert risk_level(0.135, 0.0) == "good"      # could be no risk at all
    assert risk_level(0.12, 0.02) == "review"
    assert risk_level(0.7, 0.6) == "risky"
