"""Round trips: what goes into the store comes back with the same values and dtypes."""

from __future__ import annotations

import datetime as dt

import numpy as np
import palmerpenguins
import pandas as pd
import plotly.data
import pytest

from mdg_core.ingest import ingest_file, parse
from mdg_core.store import DatasetStore

ROOT_DATA = __import__("pathlib").Path(__file__).resolve().parents[2] / "data"


@pytest.mark.parametrize(
    "frame",
    [
        pytest.param(palmerpenguins.load_penguins(), id="penguins"),
        pytest.param(plotly.data.gapminder(), id="gapminder"),
        pytest.param(plotly.data.tips(), id="tips"),
        pytest.param(plotly.data.stocks(), id="stocks"),
    ],
)
def test_real_dataframes_round_trip_with_dtypes(store: DatasetStore, frame: pd.DataFrame) -> None:
    info = store.save(frame, "real")
    pd.testing.assert_frame_equal(store.load(info.id), frame.reset_index(drop=True))


def test_every_supported_dtype_round_trips(store: DatasetStore) -> None:
    frame = pd.DataFrame({
        "int": np.array([1, -2, 3], dtype="int64"),
        "small_uint": np.array([1, 2, 255], dtype="uint8"),
        "nullable_int": pd.array([1, None, 3], dtype="Int64"),
        "float": [1.5, np.nan, np.inf],
        "float32": np.array([0.5, 1.5, 2.5], dtype="float32"),
        "bool": [True, False, True],
        "nullable_bool": pd.array([True, None, False], dtype="boolean"),
        "naive_dt": pd.to_datetime(["2020-01-01", "2021-05-06 10:11:12.123456", None], format="ISO8601"),
        "tz_dt": pd.to_datetime(["2020-01-01 12:00", "2021-07-06 00:00", None]).tz_localize("Europe/Paris"),
        "text": ["a", np.nan, "00123"],
        "string": pd.array(["x", None, "z"], dtype="string"),
        "category": pd.Categorical(["lo", "hi", "lo"], categories=["lo", "hi"], ordered=True),
        "int_category": pd.Categorical([3, 1, 3]),
        "mixed": [1, "a", 2.5],
        "date_objects": [dt.date(2020, 1, 1), np.nan, dt.date(2021, 2, 3)],
        "duration": pd.to_timedelta([1, 2.5, None], unit="s"),
    })
    info = store.save(frame, "types")
    pd.testing.assert_frame_equal(store.load(info.id), frame)


def test_missing_values_stay_missing_never_zero_or_empty(store: DatasetStore) -> None:
    frame = pd.DataFrame({"n": pd.array([None, 0, None], dtype="Int64"), "f": [np.nan, 0.0, np.nan],
                          "s": [np.nan, "", "b"]})
    out = store.load(store.save(frame, "gaps").id)
    assert out["n"].isna().tolist() == [True, False, True]
    assert out["f"].isna().tolist() == [True, False, True]
    assert out["s"].isna().tolist() == [True, False, False]
    assert out["s"][1] == ""


def test_awkward_column_names_are_kept_and_stored_safely(store: DatasetStore) -> None:
    names = ["order id", "Ünïcödé 名前", "select", "a-b", "a_b", "a b", "x" * 300, "[weird] (name)", "", "1st"]
    frame = pd.DataFrame([list(range(len(names)))], columns=names)
    info = store.save(frame, "names")
    assert store.load(info.id).columns.tolist() == names
    storage = [c.storage_name for c in info.columns]
    assert len(set(storage)) == len(storage)
    assert all(s.isascii() and len(s) <= 48 for s in storage)


def test_csv_ingest_round_trip_equals_parse(store: DatasetStore) -> None:
    for sample in ("penguins.csv", "customers.csv"):
        info = ingest_file(store, ROOT_DATA / sample)
        pd.testing.assert_frame_equal(store.load(info.id), parse(ROOT_DATA / sample).to_frame())


def test_csv_ingest_agrees_with_pandas_where_pandas_is_right(store: DatasetStore) -> None:
    path = ROOT_DATA / "penguins.csv"
    expected = pd.read_csv(path)
    loaded = store.load(ingest_file(store, path).id)
    pd.testing.assert_frame_equal(loaded, expected)


def test_whole_numbers_with_gaps_stay_integers(store: DatasetStore, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "gaps.csv"
    path.write_text("n,zip\n1,00123\n,04567\n3,10001\n")
    loaded = store.load(ingest_file(store, path).id)
    # pandas would give float64 [1.0, nan, 3.0] and zip codes 123, 4567, 10001
    assert str(loaded["n"].dtype) == "Int64" and loaded["n"].tolist()[0] == 1 and loaded["n"].isna()[1]
    assert loaded["zip"].tolist() == ["00123", "04567", "10001"]


def test_partial_loads_by_columns_and_rows(store: DatasetStore) -> None:
    frame = plotly.data.tips()
    info = store.save(frame, "tips")
    part = store.load(info.id, columns=["day", "tip"], limit=5, offset=10)
    pd.testing.assert_frame_equal(part, frame[["day", "tip"]].iloc[10:15].reset_index(drop=True))
