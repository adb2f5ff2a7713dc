"""A small table with one planted problem per column, plus clean columns that must stay untouched."""

from __future__ import annotations

import numpy as np
import pandas as pd

N = 600


def planted(n: int = N, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.normal(40, 12, n).round(1)
    age[rng.choice(n, n // 6, replace=False)] = np.nan  # missing values
    income = rng.lognormal(10, 1.1, n).round(2)  # heavy right skew, large scale
    dates = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 900, n), unit="D")
    amounts = rng.uniform(10, 5000, n).round(2)
    latency = rng.normal(100, 10, n).round(2)
    latency[rng.choice(n, 5, replace=False)] = [900.0, 1200.0, 1500.0, -700.0, 2000.0]  # outliers
    first = ["Anna", "Ben", "Chloe", "David", "Emma", "Farid", "Grace", "Hugo", "Ines", "Jonas"]
    return pd.DataFrame({
        "customer_id": [f"CUST-{i:06d}" for i in rng.permutation(n)],  # ID-like
        "age": age,
        "income": income,
        "signup": dates.strftime("%d/%m/%Y"),  # dates as text
        "amount": [f"{a:,.2f}" for a in amounts],  # numbers as text
        "source": "web",  # constant
        "latency_ms": latency,
        "email": [f"{first[i % 10].lower()}.{i}@example.com" for i in range(n)],  # PII
        "score": rng.normal(50, 10, n).round(2),  # clean numeric
        "visits": rng.poisson(4, n),  # clean count
    })
