"""Small real data for generator tests: the customers sample (dates, PII, a key, gaps) and penguins."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def customers() -> pd.DataFrame:
    df = pd.read_csv(ROOT / "data" / "customers.csv", parse_dates=["signup_date", "last_active"]).head(200)
    df["support_tickets"] = df["support_tickets"].astype("int64")
    return df


@pytest.fixture(scope="session")
def penguins() -> pd.DataFrame:
    df = pd.read_csv(ROOT / "data" / "penguins.csv")
    df["year"] = df["year"].astype("int64")
    return df.sample(200, random_state=1).reset_index(drop=True)
