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
