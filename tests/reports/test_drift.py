"""Drift: a dataset against itself shows nothing; a shifted column is flagged and the others are not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mdg_core.errors import ReportError
from mdg_core.reports.common import align
from mdg_core.reports.drift import drift_section, psi
from tests.reports.conftest import split


def _flagged(section) -> set[str]:  # type: ignore[no-untyped-def]
    return {r["column"] for r in section.tables["columns"] if r["drifted"]}


def test_dataset_against_itself_shows_no_drift(penguins: pd.DataFrame) -> None:
    sec = drift_section(align(penguins, penguins.copy()))
    assert _flagged(sec) == set()
    assert sec.verdict == "good"
    rows = {r["column"]: r for r in sec.tables["columns"]}
    assert rows["body_mass_g"]["ks_statistic"] == 0 and rows["body_mass_g"]["psi"] == pytest.approx(0, abs=1e-9)
    assert rows["species"]["js_distance"] == pytest.approx(0, abs=1e-9)
    assert sec.metrics["classifier"]["auc"] < 0.6


def test_two_random_halves_of_real_data_do_not_drift(penguins: pd.DataFrame) -> None:
    a, b = split(penguins, 0.5, seed=3)
    sec = drift_section(align(a, b))
    assert _flagged(sec) == set()
    assert sec.metrics["classifier"]["auc"] < 0.65


def test_shifted_numeric_and_reweighted_category_are_flagged_and_nothing_else(penguins: pd.DataFrame) -> None:
    a, b = split(penguins, 0.5, seed=3)
    b = b.copy()
    b["body_mass_g"] = b["body_mass_g"] + b["body_mass_g"].std()          # mean moved by one std
    rng = np.random.default_rng(0)
    b["island"] = np.where(rng.random(len(b)) < 0.5, "Torgersen", b["island"])  # category re-weighted
    sec = drift_section(align(a, b))
    assert _flagged(sec) == {"body_mass_g", "island"}
    rows = {r["column"]: r for r in sec.tables["columns"]}
    assert rows["body_mass_g"]["ks_pvalue"] < 0.001 and rows["body_mass_g"]["psi"] > 0.2
    assert rows["island"]["chi2_pvalue"] < 0.001 and rows["island"]["js_distance"] > 0.1
    assert sec.verdict in ("review", "risky")
    assert any("body_mass_g" in r and "island" in r for r in sec.reasons)
    assert sec.metrics["classifier"]["auc"] > 0.75


def test_missing_value_share_change_counts_as_drift(penguins: pd.DataFrame) -> None:
    b = penguins.copy()
    b.loc[b.sample(frac=0.3, random_state=0).index, "flipper_length_mm"] = np.nan
    sec = drift_section(align(penguins, b))
    row = next(r for r in sec.tables["columns"] if r["column"] == "flipper_length_mm")
    assert row["drifted"] and "missing share" in row["reasons"]


def test_psi_is_zero_for_equal_shares_and_grows_with_shift() -> None:
    assert psi(np.array([0.5, 0.5]), np.array([0.5, 0.5])) == 0
    assert psi(np.array([0.5, 0.5]), np.array([0.9, 0.1])) > 0.2


def test_no_common_columns_and_too_few_rows_are_explained() -> None:
    with pytest.raises(ReportError, match="no column in common"):
        align(pd.DataFrame({"x": range(30)}), pd.DataFrame({"y": range(30)}))
    with pytest.raises(ReportError, match="at least 20"):
        align(pd.DataFrame({"x": range(5)}), pd.DataFrame({"x": range(30)}))
