"""Exports: CSV that a spreadsheet cannot execute, Parquet with the same dtypes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from mdg_core.store import DatasetStore
from mdg_core.store.export import csv_bytes, export_csv, export_parquet, neutralise_formula


def test_formula_cells_are_neutralised_but_numbers_are_not(store: DatasetStore, tmp_path: Path) -> None:
    frame = pd.DataFrame({
        "cell": ["=SUM(A1:A9)", "+cmd|' /C calc'!A0", "-2+3", "@HYPERLINK(\"x\")", "-12.5", "+7", "plain", "\t=1"],
        "number": [-1.5, 2.0, -3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
    })
    info = store.save(frame, "evil")
    out = pd.read_csv(export_csv(store, info.id, tmp_path / "e.csv"), keep_default_na=False)
    assert out["cell"].tolist() == [
        "'=SUM(A1:A9)", "'+cmd|' /C calc'!A0", "'-2+3", "'@HYPERLINK(\"x\")", "-12.5", "+7", "plain", "'\t=1",
    ]
    assert out["number"].tolist() == frame["number"].tolist()
    assert csv_bytes(store, info.id) == (tmp_path / "e.csv").read_bytes()


def test_neutralise_leaves_non_text_alone() -> None:
    assert neutralise_formula(-3) == -3
    assert neutralise_formula("-3e5") == "-3e5"
    assert neutralise_formula("=1") == "'=1"


def test_parquet_export_keeps_dtypes(store: DatasetStore, tmp_path: Path) -> None:
    frame = pd.DataFrame({"i": pd.array([1, None], dtype="Int64"), "t": pd.to_datetime(["2020-01-01", None]),
                          "b": [True, False], "s": ["x", None]})
    info = store.save(frame, "p")
    back = pq.read_table(export_parquet(store, info.id, tmp_path / "p.parquet")).to_pandas()
    pd.testing.assert_frame_equal(back, frame, check_dtype=True)


def test_formula_column_names_are_neutralised_like_cells(store: DatasetStore, tmp_path: Path) -> None:
    frame = pd.DataFrame({'=HYPERLINK("http://evil","x")': ["a"], "@cmd": ["b"], "-5": [1], "plain": ["=1"]})
    info = store.save(frame, "evil header")
    header = export_csv(store, info.id, tmp_path / "h.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == '"\'=HYPERLINK(""http://evil"",""x"")",\'@cmd,-5,plain'
    assert csv_bytes(store, info.id).decode("utf-8").splitlines()[0] == header
