"""Rules on a stored dataset: suggestions are on by default, edits are core functions, runs repair."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import plotly.data
import pytest

from mdg_core import jobs
from mdg_core.errors import InvalidParameterError
from mdg_core.rules import dataset as dr, discover
from mdg_core.store import DatasetStore

ROOT = Path(__file__).resolve().parents[2]
DATE_ORDER = {"kind": "inequality", "low": "signup_date", "high": "last_active", "strict": False}


@pytest.fixture()
def customers(store: DatasetStore) -> int:
    df = pd.read_csv(ROOT / "data" / "customers.csv", parse_dates=["signup_date", "last_active"])
    return store.save(df, "customers", "uploaded").id


def test_rules_the_data_keeps_are_on_until_the_analyst_unticks_one(store: DatasetStore, customers: int) -> None:
    state = dr.state(store, customers)
    assert not state.edited and DATE_ORDER in state.active
    assert state.active == [r for r, _ in state.suggestions]
    assert dr.active_rules(store, customers) == state.active

    dr.remove_rule(store, customers, DATE_ORDER)
    state = dr.state(store, customers)
    assert state.edited and not state.is_on(DATE_ORDER)
    assert DATE_ORDER in [r for r, _ in state.suggestions]  # still listed, unticked
    assert len(state.active) == len(state.suggestions) - 1

    dr.add_rule(store, customers, DATE_ORDER)
    dr.add_rule(store, customers, DATE_ORDER)  # twice changes nothing
    assert dr.active_rules(store, customers).count(DATE_ORDER) == 1
    dr.reset_rules(store, customers)
    assert not dr.state(store, customers).edited


def test_a_bad_rule_leaves_the_dataset_as_it_was(store: DatasetStore, customers: int) -> None:
    before = store.get(customers).meta
    with pytest.raises(InvalidParameterError, match="unknown column"):
        dr.add_rule(store, customers, {"kind": "inequality", "low": "nope", "high": "last_active"})
    with pytest.raises(InvalidParameterError, match="needs a min or a max"):
        dr.set_rules(store, customers, [DATE_ORDER, {"kind": "range", "column": "monthly_spend"}])
    assert store.get(customers).meta == before


def test_stale_rules_are_shown_but_never_run(store: DatasetStore, customers: int) -> None:
    gone = {"kind": "range", "column": "no_longer_here", "min": 0, "max": 1}
    store.update_meta(customers, **{dr.RULES_KEY: [DATE_ORDER, gone]})
    state = dr.state(store, customers)
    assert state.active == [DATE_ORDER] and state.stale == [gone]


def test_a_run_applies_the_suggested_rules_and_reports_what_they_repaired(store: DatasetStore,
                                                                         customers: int) -> None:
    # independent marginals break the date order and city/country pairs; no rule was ticked by hand
    result = jobs.run_inline(store, "generate", {"dataset_id": customers, "n_rows": 300, "seed": 1,
                                                 "generator": "synthcity_marginal_distributions"})
    by_rule = {v["rule"]: v for v in result["violations"]}
    assert by_rule["signup_date ≤ last_active"]["before"] > 0
    assert all(v["after"] == 0 for v in result["violations"])
    out = store.load(result["output_dataset_id"])
    assert (out["signup_date"] <= out["last_active"]).all()


def test_combination_discovery_finds_exact_pairs_with_a_numeric_code() -> None:
    gapminder = plotly.data.gapminder()  # iso_alpha ↔ iso_num is an exact 1:1 code
    found = {c.rule.describe(): c.evidence for c in discover(gapminder)}
    pair = next(k for k in found if "iso_alpha" in k and "iso_num" in k)
    assert "1:1" in found[pair]
    # a measurement that one category fixes (each country-year has one pop) is no combination
    assert not any("↔" in k and ("pop" in k or "lifeExp" in k) for k in found)
