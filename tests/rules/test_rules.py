"""Rules: violation checks, candidates found in real data, reject-and-resample leaves none."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mdg_core.errors import InvalidParameterError
from mdg_core.generators import get, metadata as md
from mdg_core.rules import FixedCombination, Inequality, ValueRange, discover, from_dict, prepare
from mdg_core.rules.enforce import sample_with_rules

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def customers() -> pd.DataFrame:
    return pd.read_csv(ROOT / "data" / "customers.csv", parse_dates=["signup_date", "last_active"]).head(300)


def test_each_rule_flags_exactly_the_breaking_rows() -> None:
    df = pd.DataFrame({"start": [1, 5, None, 3], "end": [2, 4, 1, 3], "city": ["Paris", "Paris", "Lyon", "Berlin"],
                       "country": ["France", "Germany", "France", "Germany"]})
    assert Inequality("start", "end").violations(df).tolist() == [False, True, False, False]
    assert Inequality("start", "end", strict=True).violations(df).tolist() == [False, True, False, True]
    combo = FixedCombination(("city", "country")).learn(df.iloc[[0, 2, 3]])
    assert combo.violations(df).tolist() == [False, True, False, False]
    assert ValueRange("end", 2, 3).violations(df).tolist() == [False, True, True, False]
    assert from_dict(Inequality("start", "end").to_dict()) == Inequality("start", "end")


def test_bad_rules_are_refused_with_a_reason(customers: pd.DataFrame) -> None:
    with pytest.raises(InvalidParameterError, match="Unknown rule kind"):
        from_dict({"kind": "magic"})
    with pytest.raises(InvalidParameterError, match="unknown column"):
        prepare([{"kind": "inequality", "low": "nope", "high": "last_active"}], customers)
    with pytest.raises(InvalidParameterError, match="needs a min or a max"):
        from_dict({"kind": "range", "column": "monthly_spend"})


def test_discovery_proposes_the_rules_the_data_keeps(customers: pd.DataFrame) -> None:
    rules = {c.rule.describe() for c in discover(customers)}
    assert "signup_date ≤ last_active" in rules
    assert any("city" in r and "country" in r and "↔" in r for r in rules)
    assert any(r.endswith("≤ monthly_spend ≤ 124.6") for r in rules)
    # an inequality that does not hold is never proposed
    assert "last_active ≤ signup_date" not in rules


def test_discovery_proposes_no_rule_over_a_numeric_key() -> None:
    """SDMetrics' demo table: student_id is an integer key; generators make fresh keys, so a range or an
    order over it would refuse every sampled row."""
    import warnings

    import sdmetrics

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        real = sdmetrics.load_demo(modality="single_table")[0]["student_placements"]
    rules = [c.rule for c in discover(real)]
    assert not [r for r in rules if "student_id" in r.columns()]
    assert any(isinstance(r, ValueRange) and r.column == "high_perc" for r in rules)  # real ranges still found


def test_enforcement_removes_every_violation_and_reports_counts(customers: pd.DataFrame) -> None:
    rules = prepare([
        {"kind": "inequality", "low": "signup_date", "high": "last_active"},
        {"kind": "fixed_combination", "columns": ["city", "country"]},
        {"kind": "range", "column": "monthly_spend", "max": 40},
    ], customers)
    # the marginal model ignores dependencies, so it breaks the date order and city/country pairs
    gen = get("synthcity_marginal_distributions", random_state=0).fit(customers, md.detect_table_metadata(customers))
    out, report = sample_with_rules(gen, 100, 7, rules)
    assert len(out) == 100
    by_rule = {r["rule"]: r for r in report["rules"]}
    assert by_rule["signup_date ≤ last_active"]["before"] > 0
    assert by_rule["city ↔ country (combinations from the real data)"]["before"] > 0
    assert all(r["after"] == 0 for r in report["rules"])
    for rule in rules:
        assert not rule.violations(out).any()
    assert out["customer_id"].is_unique


def test_enforcement_is_reproducible(customers: pd.DataFrame) -> None:
    rules = prepare([{"kind": "range", "column": "monthly_spend", "max": 30}], customers)
    gen = get("copy_rows").fit(customers, md.detect_table_metadata(customers))
    a, _ = sample_with_rules(gen, 60, 3, rules)
    b, _ = sample_with_rules(gen, 60, 3, rules)
    pd.testing.assert_frame_equal(a, b)
