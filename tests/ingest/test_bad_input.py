"""Every bad input gets a clear, specific error and saves nothing."""

from __future__ import annotations

import io
import sqlite3
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from mdg_core import errors
from mdg_core.ingest import ingest_file
from mdg_core.store import DatasetStore

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


def _xlsx_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
    return buf.getvalue()


CASES = [
    ("empty", b"", errors.EmptyFileError, "empty"),
    ("blank lines", b"\n\n  \n", errors.EmptyFileError, "empty"),
    ("png image", PNG, errors.NotCsvError, "PNG"),
    ("excel workbook", _xlsx_bytes(), errors.NotCsvError, "not a CSV"),
    ("nul bytes", b"a,b\n1,\x00\x00\x002\n" * 50, errors.NotCsvError, "binary"),
    ("header only", b"a,b,c\n", errors.HeaderOnlyError, "no data rows"),
    ("ragged rows", b"a,b,c\n1,2,3\n4,5\n6,7,8\n9,10,11,12\n", errors.RaggedRowsError, "line 3"),
    ("colon separated", b"a:b:c\n1:2:3\n4:5:6\n", errors.SingleColumnError, "colon"),
    ("broken utf-8", "name,city\nZoë,Zürich\n".encode() + b"Bad,\xff\xfeX\n", errors.EncodingError, "line 3"),
]


@pytest.mark.parametrize(("label", "content", "error", "message"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_refused_clearly_and_saves_nothing(
    store: DatasetStore, tmp_path: Path, label: str, content: bytes, error: type, message: str
) -> None:
    store.save(pd.DataFrame({"keep": [1]}), "existing")
    before = _state(store.db_path)
    path = tmp_path / "input.csv"
    path.write_bytes(content)
    with pytest.raises(error, match=message):
        ingest_file(store, path)
    assert _state(store.db_path) == before


def test_ragged_rows_message_lists_every_bad_line(store: DatasetStore, tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("a,b,c\n1,2,3\n4,5\n6,7,8\n9,10,11,12\n")
    with pytest.raises(errors.RaggedRowsError) as info:
        ingest_file(store, path)
    text = str(info.value)
    assert "2 row(s)" in text and "line 3 (2 fields)" in text and "line 5 (4 fields)" in text


def test_oversize_upload_is_refused_before_reading(store: DatasetStore, tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text("a,b\n" + "1,2\n" * 300_000)
    with pytest.raises(errors.FileTooLargeError, match="limit is 1 MB"):
        ingest_file(store, path, max_mb=1)
    assert store.list() == []


def test_oversize_limit_comes_from_settings(store: DatasetStore, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MDG_MAX_UPLOAD_MB", "0.001")
    path = tmp_path / "small.csv"
    path.write_text("a,b\n" + "1,2\n" * 1000)
    with pytest.raises(errors.FileTooLargeError, match="MDG_MAX_UPLOAD_MB"):
        ingest_file(store, path)


def test_missing_file_is_a_clear_error(store: DatasetStore, tmp_path: Path) -> None:
    with pytest.raises(errors.IngestError, match="not found"):
        ingest_file(store, tmp_path / "nope.csv")


def test_a_true_single_column_file_is_accepted(store: DatasetStore, tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    path.write_text("score\n1\n2\n3\n")
    assert store.load(ingest_file(store, path).id)["score"].tolist() == [1, 2, 3]


def _state(db: Path) -> tuple[list[tuple], list[str]]:
    con = sqlite3.connect(db)
    try:
        return (con.execute("SELECT * FROM datasets ORDER BY id").fetchall(),
                [r[0] for r in con.execute("SELECT name FROM sqlite_master ORDER BY name")])
    finally:
        con.close()
