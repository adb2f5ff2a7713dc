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


@pytest.mark.parametrize("content", [
    b'id,name\n1,"Smith\n2,Jones\n3,Brown\n',  # the rest of the file became one value: 3 rows read as 1
    b'id,name,age\n1,"Smith,30\n2,Jones,40\n3,Brown,50\n',
    b'id,name\r\n1,"ok ""quoted"" value"\r\n2,"Smith\r\n3,Brown\r\n',
])
def test_a_quote_that_never_closes_is_refused_naming_its_line(
    store: DatasetStore, tmp_path: Path, content: bytes
) -> None:
    store.save(pd.DataFrame({"keep": [1]}), "existing")
    before = _state(store.db_path)
    path = tmp_path / "unclosed.csv"
    path.write_bytes(content)
    line = 3 if b"ok" in content else 2
    with pytest.raises(errors.IngestError, match=f"Line {line} opens a quoted value .* never closed"):
        ingest_file(store, path)
    assert _state(store.db_path) == before


def test_stray_quotes_inside_values_are_not_mistaken_for_an_open_quote(store: DatasetStore, tmp_path: Path) -> None:
    path = tmp_path / "inches.csv"
    path.write_text('id,height\n1,5\'11"\n2,"6\'0"""\n3,plain\n')  # three quotes in all: an odd count
    assert store.load(ingest_file(store, path).id)["height"].tolist() == ['5\'11"', '6\'0"', "plain"]


def test_quote_scan_follows_values_across_block_boundaries(tmp_path: Path) -> None:
    from mdg_core.ingest import reader, sniff

    path = tmp_path / "blocks.csv"
    good = 'a,"x, ""y""\nz",b\r\n' * 7
    path.write_bytes((good + '1,"never closed\n2,3\n').encode())
    dialect = sniff.Dialect(",", '"', "")
    for block in (1, 2, 3, 5, 7, 64):
        assert reader._unclosed_quote_line(path, 0, 1, dialect, block=block) == 15
    path.write_bytes(good.encode())
    assert all(reader._unclosed_quote_line(path, 0, 1, dialect, block=b) is None for b in (1, 2, 3, 64))


def test_more_columns_than_sqlite_allows_are_refused_by_name(store: DatasetStore, tmp_path: Path) -> None:
    for width in (2001, 50_000):  # SQLite stores 2,000 columns; 50,000 was called a ragged file
        path = tmp_path / f"wide{width}.csv"
        path.write_text(",".join(f"c{i}" for i in range(width)) + "\n" + ",".join("1" * width) + "\n")
        with pytest.raises(errors.IngestError, match=f"{width:,} columns; SQLite stores at most 2,000"):
            ingest_file(store, path)
    assert store.list() == []


def test_the_widest_table_sqlite_allows_is_stored(store: DatasetStore, tmp_path: Path) -> None:
    path = tmp_path / "wide2000.csv"
    path.write_text(",".join(f"c{i}" for i in range(2000)) + "\n" + ",".join(str(i) for i in range(2000)) + "\n")
    loaded = store.load(ingest_file(store, path).id)
    assert loaded.shape == (1, 2000) and loaded["c1999"].tolist() == [1999]


def test_a_full_disk_gets_a_plain_message_and_saves_nothing(store: DatasetStore, tmp_path: Path) -> None:
    from sqlalchemy import event

    store.save(pd.DataFrame({"keep": [1]}), "existing")
    before = _state(store.db_path)
    path = tmp_path / "big.csv"
    path.write_text("id,text\n" + "".join(f"{i},{'x' * 200}\n" for i in range(20_000)))

    @event.listens_for(store.engine, "connect")
    def _tiny_disk(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count={pages + 20}")  # SQLite then reports SQLITE_FULL

    store.engine.dispose()
    with pytest.raises(errors.StoreError, match="is full") as info:
        ingest_file(store, path)
    message = str(info.value)
    assert "sqlalche.me" not in message and "[SQL" not in message and "OperationalError" not in message
    event.remove(store.engine, "connect", _tiny_disk)
    store.engine.dispose()
    assert _state(store.db_path) == before


def test_a_title_line_above_the_header_is_skipped_and_said(store: DatasetStore, tmp_path: Path) -> None:
    path = tmp_path / "report.csv"
    path.write_text("Sales report 2024\nid,name,amount\n1,a,2.5\n2,b,3.5\n3,c,4.5\n")
    info = ingest_file(store, path)
    assert info.column_names == ["id", "name", "amount"]
    assert store.load(info.id)["amount"].tolist() == [2.5, 3.5, 4.5]
    assert any("Sales report 2024" in w for w in info.meta["warnings"])  # type: ignore[index]


def test_a_title_with_commas_above_the_header_is_named_as_the_likely_cause(store: DatasetStore, tmp_path: Path) -> None:
    path = tmp_path / "report.csv"
    path.write_text("Sales report, March 2024\nid,name,amount\n1,a,2\n2,b,3\n")
    with pytest.raises(errors.RaggedRowsError, match="do not have 2 fields like the header .line 1.: every row below it has 3.*title"):
        ingest_file(store, path)


def test_error_lines_are_counted_without_reading_the_prefix_at_once(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from mdg_core.ingest import sniff

    path = tmp_path / "lines.csv"
    path.write_bytes(b"a\r\nb\rc\nd\r\ne")
    monkeypatch.setattr(sniff, "DECODE_CHUNK", 2)  # CRLF pairs split across blocks
    assert [sniff._line_of(path, offset) for offset in (0, 3, 5, 7, 10, 11)] == [1, 2, 3, 4, 5, 5]
