"""The instant overview: facts per column, planted warnings, binned charts, caching, comparisons."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mdg_core.profiling.overview import (
    DatasetOverview,
    column_figure,
    compare_figure,
    compare_table,
    compute_overview,
    overview_for,
)
from tests.features.planted import planted


def _codes(ov: DatasetOverview) -> set[tuple[str | None, str]]:
    return {(w.column, w.code) for w in ov.warnings}


def test_planted_problems_raise_warnings_and_clean_columns_none() -> None:
    df = planted()
    df["mostly_empty"] = np.where(np.arange(len(df)) % 2 == 0, None, "x")
    df["mixed"] = ["12", "abc", "7", "n/a", "5.5", "x"] * (len(df) // 6)
    df.loc[len(df)] = df.iloc[0]  # one exact duplicate row
    ov = compute_overview(df)
    codes = _codes(ov)
    assert {("source", "constant"), ("customer_id", "near_unique"), ("income", "skew"),
            ("signup", "dates_as_text"), ("amount", "numbers_as_text"), ("mostly_empty", "high_missing"),
            ("mixed", "mixed_types"), ("email", "pii_name"), (None, "duplicates")} <= codes
    assert not any(c in ("score", "visits") for c, _ in codes)
    assert ov.n_duplicates == 1 and ov.n_rows == len(df)
    income = ov.column("income")
    assert income.kind == "numeric" and income.skew > 2 and income.min > 0
    assert sum(income.chart["y"]) == len(df) and len(income.chart["x"]) == 21  # 20 bins, counts add up
    signup = ov.column("signup")
    assert signup.top and signup.chart["type"] == "bar"
    age = ov.column("age")
    assert age.n_missing == 100 and abs(age.missing_share - 100 / len(df)) < 1e-9


def test_pii_by_values_without_a_telling_name() -> None:
    df = pd.DataFrame({"c7": [f"user{i}@example.org" for i in range(40)], "n": range(40)})
    assert ("c7", "pii_values") in _codes(compute_overview(df))


def test_overview_is_cached_per_dataset_and_survives_json(store) -> None:  # type: ignore[no-untyped-def]
    info = store.save(planted(200), "planted")
    first = overview_for(store, info.id)
    assert store.get_artifact("profile_overview", f"{info.id}:v1") is not None
    again = overview_for(store, info.id)
    assert again.to_json() == first.to_json()
    assert again.column("income").top == first.column("income").top


def test_charts_and_comparison_from_binned_counts() -> None:
    a, b = compute_overview(planted(300, seed=1)), compute_overview(planted(300, seed=2).drop(columns=["email"]))
    fig = column_figure(a.column("score"))
    assert sum(fig.data[0].y) == 300
    table = compare_table(a, b)
    assert list(table["Column"]) == [c.name for c in a.columns]
    assert table.loc[table["Column"] == "email", "B type"].item() == "—"
    cmp = compare_figure(a.column("score"), b.column("score"))
    assert len(cmp.data) == 2 and abs(sum(cmp.data[0].y) - 1) < 1e-9


def test_empty_and_all_missing_columns() -> None:
    ov = compute_overview(pd.DataFrame({"x": [None, None], "y": [1, 1]}))
    assert ("x", "all_missing") in _codes(ov) and ("y", "constant") in _codes(ov)
    assert compute_overview(pd.DataFrame({"x": pd.Series([], dtype=float)})).n_rows == 0
