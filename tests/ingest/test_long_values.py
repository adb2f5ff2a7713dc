"""Values of a megabyte or more are read around Arrow and stored exactly as Arrow would read them."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from mdg_core.errors import IngestError, TypeOverrideError
from mdg_core.ingest import ingest_file, long_values, parse
from mdg_core.ingest.sniff import Dialect
from mdg_core.store import DatasetStore

MB = 1024 * 1024
QUOTED = ('He said ""no, not this"", then left.\r\nZürich, 5 € — 🚀 ' * 60_000)  # about 3.6 MB once written
UNQUOTED = "plain-ascii-without-separators-" * 70_000  # about 2.2 MB


def _value(written: str) -> str:
    return written.replace('""', '"')


def _rows() -> tuple[str, list[list[str]]]:
    """A CSV with long values in a middle column, in the last column, twice in one row and at the
    very end of the file (no final line break), between short rows; and the values it holds."""
    text = (
        "id,before,text,after\n"
        "1,a,short,x\n"
        f'2,b,"{QUOTED}",y\n'
        "3,c,plain,z\r\n"
        f'4,"{QUOTED[:-3]}",{UNQUOTED},w\n'
        "5,e,again,v\n"
        f"6,f,g,{UNQUOTED[:-7]}"
    )
    values = [
        ["1", "a", "short", "x"],
        ["2", "b", _value(QUOTED), "y"],
        ["3", "c", "plain", "z"],
        ["4", _value(QUOTED[:-3]), UNQUOTED, "w"],
        ["5", "e", "again", "v"],
        ["6", "f", "g", UNQUOTED[:-7]],
    ]
    return text, values


def _expected(values: list[list[str]]) -> pd.DataFrame:
    frame = pd.DataFrame(values, columns=["id", "before", "text", "after"])
    frame["id"] = frame["id"].astype("int64")
    return frame


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_long_values_round_trip_exactly(tmp_path: Path, store: DatasetStore, encoding: str) -> None:
    text, values = _rows()
    if encoding == "cp1252":  # cp1252 has no emoji
        text = text.replace("🚀", "ß")
        values = [[v.replace("🚀", "ß") for v in row] for row in values]
    path = tmp_path / "long.csv"
    path.write_bytes(text.encode(encoding))
    parsed = parse(path)
    assert parsed.encoding == encoding
    assert parsed.plan.long_values is not None and len(parsed.plan.long_values.values) == 4
    assert parsed.types == ["integer", "text", "text", "text"]
    pd.testing.assert_frame_equal(parsed.to_frame(), _expected(values))
    pd.testing.assert_frame_equal(parsed.to_frame(limit=2), _expected(values[:2]))
    info = ingest_file(store, path)
    loaded = store.load(info.id)
    pd.testing.assert_frame_equal(loaded, _expected(values))
    assert all(type(v) is str for v in loaded["text"])


def test_long_values_store_what_arrow_itself_reads(tmp_path: Path, store: DatasetStore,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    text, _ = _rows()
    path = tmp_path / "long.csv"
    path.write_text(text, encoding="utf-8")
    around = ingest_file(store, path, name="around Arrow")
    monkeypatch.setattr(long_values, "find", lambda *args, **kwargs: None)
    assert parse(path).plan.long_values is None
    plain = ingest_file(store, path, name="Arrow alone")
    pd.testing.assert_frame_equal(store.load(around.id), store.load(plain.id))
    assert around.columns == plain.columns
    assert around.n_rows == plain.n_rows == 6


def test_an_uploaded_file_with_long_values_round_trips(store: DatasetStore) -> None:
    text, values = _rows()
    info = ingest_file(store, text.encode("utf-8"), source_name="upload.csv")
    pd.testing.assert_frame_equal(store.load(info.id), _expected(values))


def test_the_examples_and_messages_show_the_value_not_its_stand_in(tmp_path: Path) -> None:
    text, _ = _rows()
    path = tmp_path / "long.csv"
    path.write_text(text, encoding="utf-8")
    guess = parse(path).guesses[2]
    assert guess.examples[1].startswith('He said "no, not this", then left.')
    assert not any(long_values.MARK in example for example in guess.examples)
    with pytest.raises(TypeOverrideError) as caught:
        parse(path, overrides={"after": "integer"})
    assert "plain-ascii-without" in str(caught.value) and long_values.MARK not in str(caught.value)


def test_quoting_outside_the_scan_rules_is_read_by_arrow_as_it_is(tmp_path: Path, store: DatasetStore) -> None:
    long = "y" * (2 * MB)
    path = tmp_path / "inch.csv"
    path.write_text(f'id,screen,note\n1,15" wide,{long}\n2,13" wide,short\n', encoding="utf-8")
    parsed = parse(path)
    assert parsed.plan.long_values is None  # a quote inside an unquoted value: the scan steps aside
    loaded = store.load(ingest_file(store, path).id)
    assert loaded["screen"].tolist() == ['15" wide', '13" wide']
    assert loaded["note"].tolist() == [long, "short"]


def _random_csv(rng: random.Random) -> tuple[str, list[str]]:
    """A CSV of random fields (quoted or not, with quotes, separators and line breaks inside
    quotes) and the values of its fields of at least 8 bytes, in file order."""
    pieces = ["a", "é", "🚀", ",", '"', "\n", "\r\n", "b ", ";"]
    lines, long = [], []
    for _ in range(200):
        fields = []
        for _ in range(rng.randint(1, 4)):
            value = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 6)))
            special = any(c in value for c in ',"\r\n')
            written = f'"{value.replace(chr(34), chr(34) * 2)}"' if special or rng.random() < 0.3 else value
            fields.append(written)
            if len(written.encode()) >= 8:
                long.append(value)
        lines.append(",".join(fields) + rng.choice(["\n", "\r\n"]))
    return "".join(lines), long


@pytest.mark.parametrize("seed", range(5))
def test_the_scan_finds_each_long_field_whole(tmp_path: Path, seed: int) -> None:
    text, expected = _random_csv(random.Random(seed))
    path = tmp_path / "random.csv"
    path.write_text(text, encoding="utf-8")
    found = long_values.find(path, 0, Dialect(",", '"', ""), min_bytes=8)
    assert found is not None
    assert [long_values.read(path, v, '"') for v in found.values] == expected
    assert [v.size for v in found.values] == [len(v.encode()) for v in expected]


def test_the_scan_steps_aside_for_a_quote_inside_a_value(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text('a,b\n1,"closed"then more\n', encoding="utf-8")
    assert long_values.find(path, 4, Dialect(",", '"', ""), min_bytes=2) is None
    path.write_text('a,b\n1,"quoted, fine",x" y\n', encoding="utf-8")
    assert long_values.find(path, 4, Dialect(",", '"', ""), min_bytes=2) is None
    path.write_text('a,b\n1,"quoted, fine"\n', encoding="utf-8")
    found = long_values.find(path, 4, Dialect(",", '"', ""), min_bytes=2)
    assert found is not None and [long_values.read(path, v, '"') for v in found.values] == ["quoted, fine"]


def test_a_value_longer_than_sqlite_stores_is_refused_by_name(tmp_path: Path) -> None:
    text, _ = _rows()
    path = tmp_path / "long.csv"
    path.write_text(text, encoding="utf-8")
    found = parse(path).plan.long_values
    assert found is not None
    raw = sqlite3.connect(":memory:")
    raw.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 3_000_000)
    with pytest.raises(IngestError, match=r"Row 2 holds a value of 4 MB; SQLite stores values of at most 3 MB"):
        long_values.write(raw, "t", ["c0", "c1", "c2", "c3"], path, found, '"')
