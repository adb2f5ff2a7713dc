"""Planted PII is found in the right columns; numeric columns never are; verbatim leaks are counted."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mdg_core.reports.pii_leak import mask, pii_section, verbatim_leaks
from tests.reports.conftest import independent_generator


def _luhn(prefix: str, rng: np.random.Generator) -> str:
    digits = [int(c) for c in prefix] + list(rng.integers(0, 10, 15 - len(prefix)))
    total = 0
    for i, d in enumerate(reversed(digits)):
        d = d * 2 if i % 2 == 0 else d
        total += d - 9 if d > 9 else d
    number = "".join(map(str, digits)) + str((10 - total % 10) % 10)
    # grouped as printed on cards: mdg_core.pii skips digit-only text (it reads like codes or counts)
    return " ".join(number[i:i + 4] for i in range(0, 16, 4))


@pytest.fixture(scope="module")
def planted(penguins: pd.DataFrame, customers: pd.DataFrame) -> pd.DataFrame:
    """Real penguin measurements with PII planted (phones need their column name as context)."""
    rng = np.random.default_rng(0)
    n = 200
    df = penguins.head(n).reset_index(drop=True).copy()
    df["email"] = customers["email"].head(n).to_numpy()
    df["phone"] = customers["phone"].head(n).to_numpy()
    df["customer"] = customers["name"].head(n).to_numpy()
    df["card"] = [_luhn("4", rng) for _ in range(n)]
    return df


def _entities(sec) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {r["column"]: r["entities_real"] for r in sec.tables["columns"]}


def test_planted_pii_is_found_in_the_right_columns_and_not_in_numbers(planted: pd.DataFrame) -> None:
    synth = independent_generator(planted)
    sec = pii_section(planted, synth, sample_rows=100)
    found = _entities(sec)
    assert found["email"].startswith("EMAIL_ADDRESS")
    assert found["phone"].startswith("PHONE_NUMBER")
    assert found["customer"].startswith("PERSON")
    assert found["card"].startswith("CREDIT_CARD")
    for numeric in ("bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "year"):
        assert numeric not in found
    # resampled columns still carry every real value: each is a verbatim leak
    assert set(sec.metrics["leaking_columns"]) >= {"email", "phone", "customer", "card"}
    assert sec.verdict == "risky"


def test_fresh_fake_values_are_not_leaks(planted: pd.DataFrame) -> None:
    synth = planted.copy()
    synth["email"] = [f"user{i}@example.com" for i in range(len(synth))]
    synth["phone"] = [f"+1 555 01{i:04d}" for i in range(len(synth))]
    synth["customer"] = "Pat Doe"
    synth["card"] = synth["card"].str[::-1]
    sec = pii_section(planted, synth, sample_rows=50)
    assert sec.metrics["leaking_columns"] == []
    assert sec.verdict == "review"  # the real data holds PII, none of it reappears


def test_verbatim_leaks_count_only_values_unique_to_one_person() -> None:
    real = pd.Series(["ann@x.org", "bob@x.org", "London", "London"])
    synth = pd.Series(["ann@x.org", "London", "zed@x.org"])
    leak = verbatim_leaks(real, synth)
    assert leak["unique_real_values"] == 2 and leak["leaked_values"] == 1
    assert leak["synthetic_rows_with_leak"] == 1 and leak["examples"] == [mask("ann@x.org")]
    assert mask("ann@x.org") == "an*****rg"


@pytest.fixture(scope="module")
def senators() -> pd.DataFrame:
    """Canadian senators (lifelines ships the real table): names, 17 provinces (Nunavut has one senator) and a
    'Term (yyyy.mm.dd)' text column whose every value belongs to one person."""
    from lifelines.datasets import load_canadian_senators

    return load_canadian_senators()


def _three_parts(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Training rows (with Nunavut's only senator), a holdout, and fresh real rows the planted generator starts from."""
    order = np.random.default_rng(0).permutation(len(df))
    nunavut = int(np.flatnonzero(df["Province / Territory"].to_numpy() == "Nunavut")[0])
    order = np.r_[nunavut, order[order != nunavut]]
    cut1, cut2 = len(df) // 2, 3 * len(df) // 4
    parts = (order[:cut1], order[cut1:cut2], order[cut2:])
    return tuple(df.iloc[p].reset_index(drop=True) for p in parts)  # type: ignore[return-value]


def test_a_copied_term_column_is_flagged_and_a_rare_province_is_not_personal_data(senators: pd.DataFrame) -> None:
    """The Term column was left out as identifier-like and rated safe, while 'Nunavut' (a province that one
    training senator has) turned the PII verdict red."""
    train, holdout, fresh = _three_parts(senators)
    synth = fresh.copy()
    term = "Term (yyyy.mm.dd)"
    synth[term] = train[term].sample(len(synth), replace=True, random_state=1).to_numpy()  # every term copied
    synth.loc[0, "Province / Territory"] = "Nunavut"  # the generator learned the category
    sec = pii_section(train, synth, sample_rows=100, holdout=holdout)
    assert sec.metrics["leaking_columns"] == [term]
    assert sec.verdict == "risky"
    row = next(r for r in sec.tables["columns"] if r["column"] == term)
    assert row["synthetic_rows_share"] > 0.9 and row["holdout_rows_share"] < 0.1  # a few terms two senators share
    line = next(r for r in sec.reasons if term in r)
    assert f"{row['synthetic_rows_share'] * 100:.1f} % of" in line and "fresh holdout rows" in line and "+5%" in line and "+20%" in line
    province = next(r for r in sec.tables["columns"] if r["column"] == "Province / Territory")
    assert province["category"] and mask("Nunavut") in province["examples"] and province["replay_level"] == "good"
    assert "Province / Territory" not in sec.metrics["pii_columns"]


def test_fresh_real_rows_replay_nothing(senators: pd.DataFrame) -> None:
    train, holdout, fresh = _three_parts(senators)
    sec = pii_section(train, fresh, sample_rows=100, holdout=holdout)
    assert sec.metrics["leaking_columns"] == []
    assert sec.metrics["replay_columns"] >= 6  # every text column, names and dates as text included


def test_relationship_values_are_neither_places_nor_leaks(penguins: pd.DataFrame) -> None:
    """presidio's language model calls 'Husband' a LOCATION (the census table's relationship column)."""
    rng = np.random.default_rng(0)
    values = ["Husband", "Not-in-family", "Own-child", "Unmarried", "Wife", "Other-relative"]
    real = penguins.assign(relationship=rng.choice(values, len(penguins), p=[0.4, 0.26, 0.16, 0.1, 0.05, 0.03]))
    synth = independent_generator(real)
    sec = pii_section(real, synth, sample_rows=200)
    row = next(r for r in sec.tables["columns"] if r["column"] == "relationship")
    assert "LOCATION" not in row["entities_real"] and "relationship" not in sec.metrics["pii_columns"]
    assert sec.metrics["leaking_columns"] == [] and sec.verdict == "good", sec.reasons
