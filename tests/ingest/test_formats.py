"""Encodings, dialects and type inference on the shapes analysts bring."""

from __future__ import annotations

import codecs
from pathlib import Path

import pandas as pd
import pytest

from mdg_core.errors import TypeOverrideError
from mdg_core.ingest import parse

TEXT = "name;city;amount\nZoë;Zürich;1,5\nÉmile;Besançon;2,25\nJosé;Málaga;3\n"


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16"), ("cp1252", "cp1252")],
)
def test_encodings_are_detected_and_text_survives(tmp_path: Path, encoding: str, expected: str) -> None:
    path = tmp_path / "e.csv"
    path.write_bytes(TEXT.encode(encoding))
    parsed = parse(path)
    assert parsed.encoding == expected
    frame = parsed.to_frame()
    assert frame.columns.tolist() == ["name", "city", "amount"]
    assert frame["city"].tolist() == ["Zürich", "Besançon", "Málaga"]
    assert frame["amount"].tolist() == [1.5, 2.25, 3.0]


@pytest.mark.parametrize(("delimiter", "name"), [(",", "comma"), (";", "semicolon"), ("\t", "tab"), ("|", "pipe")])
def test_dialects_are_detected(tmp_path: Path, delimiter: str, name: str) -> None:
    rows = [["id", "label", "value"], ["1", 'say "hi"', "3.5"], ["2", f"a{delimiter}b", "4"], ["3", "c", "5"]]
    path = tmp_path / "d.csv"
    pd.DataFrame(rows[1:], columns=rows[0]).to_csv(path, sep=delimiter, index=False)
    parsed = parse(path)
    assert parsed.dialect.delimiter_name == name
    assert parsed.to_frame()["label"].tolist() == ['say "hi"', f"a{delimiter}b", "c"]


def test_type_inference_on_planted_columns(tmp_path: Path) -> None:
    n = 60
    frame = pd.DataFrame({
        "as_text_number": [f"{i}.5" for i in range(n)],
        "thousands": [f"{1000 * i:,}" for i in range(n)],
        "yes_no": ["yes" if i % 3 else "no" for i in range(n)],
        "true_false": ["TRUE" if i % 2 else "False" for i in range(n)],
        "iso_date": [f"2024-01-{1 + i % 28:02d}" for i in range(n)],
        "dmy_date": [f"{1 + i % 28:02d}/03/2023" for i in range(n)],
        "timestamp": [f"2024-02-03T10:{i % 60:02d}:00" for i in range(n)],
        "zip_code": [f"{i:05d}" for i in range(n)],
        "free_text": [f"comment number {i} about things" for i in range(n)],
        "colour": ["red", "green", "blue"] * (n // 3),
        "int01": [i % 2 for i in range(n)],
    })
    path = tmp_path / "types.csv"
    frame.to_csv(path, index=False)
    parsed = parse(path)
    types = dict(zip(parsed.names, parsed.types, strict=True))
    assert types == {
        "as_text_number": "float", "thousands": "integer", "yes_no": "boolean", "true_false": "boolean",
        "iso_date": "datetime", "dmy_date": "datetime", "timestamp": "datetime", "zip_code": "text",
        "free_text": "text", "colour": "category", "int01": "integer",
    }
    out = parsed.to_frame()
    assert out["thousands"].iloc[2] == 2000
    assert out["dmy_date"].iloc[0] == pd.Timestamp("2023-03-01")
    assert out["zip_code"].iloc[7] == "00007"
    assert out["yes_no"].dtype == bool


def test_overrides_change_the_type_or_explain_why_not(tmp_path: Path) -> None:
    path = tmp_path / "o.csv"
    path.write_text("code,when,amount\n0012,2024-01-02,5\n0013,2024-01-03,x\n")
    parsed = parse(path, overrides={"code": "integer", "when": "text"})
    assert parsed.to_frame()["code"].tolist() == [12, 13]
    assert parsed.to_frame()["when"].tolist() == ["2024-01-02", "2024-01-03"]
    with pytest.raises(TypeOverrideError, match="'amount' cannot be read as numbers: 1 value"):
        parse(path, overrides={"amount": "float"})
    with pytest.raises(TypeOverrideError, match="No column named nope"):
        parse(path, overrides={"nope": "text"})


def test_ambiguous_dates_are_flagged(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("d\n01/02/2024\n03/04/2024\n05/06/2024\n")
    parsed = parse(path)
    assert parsed.types == ["datetime"]
    assert any("ambiguous" in w for w in parsed.warnings)


def test_duplicate_and_empty_headers_get_unique_names(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("a,a,,b\n1,2,3,4\n")
    parsed = parse(path)
    assert parsed.names == ["a", "a_2", "column_3", "b"]
    assert any("Duplicate" in w for w in parsed.warnings)


def test_quoted_newlines_are_values_not_rows(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text('id,note\n1,"first\nline"\n2,plain\n')
    assert parse(path).to_frame()["note"].tolist() == ["first\nline", "plain"]


def test_utf16_without_bom_is_read(tmp_path: Path) -> None:
    path = tmp_path / "u.csv"
    path.write_bytes(codecs.encode("a,b\n1,x\n2,y\n", "utf-16-le"))
    assert parse(path).to_frame()["b"].tolist() == ["x", "y"]


def test_dates_with_gaps_and_time_zones(tmp_path: Path) -> None:
    path = tmp_path / "tz.csv"
    path.write_text("d,z\n2024-01-02,2024-01-02T10:00:00+02:00\n,2024-01-03T00:00:00Z\n2024-02-03,\n")
    frame = parse(path).to_frame()
    assert frame["d"].isna().tolist() == [False, True, False]
    assert frame["d"].iloc[2] == pd.Timestamp("2024-02-03")
    assert str(frame["z"].dtype) == "datetime64[ns, UTC]"
    assert frame["z"].iloc[0] == pd.Timestamp("2024-01-02T08:00:00Z")
    assert frame["z"].isna().tolist() == [False, False, True]


def test_a_value_late_in_a_big_file_still_decides_the_type(tmp_path: Path) -> None:
    path = tmp_path / "late.csv"
    body = "".join(f"{i},{i * 0.5},2024-01-{1 + i % 28:02d}\n" for i in range(250_000))
    path.write_text("n,x,d\n" + body + "oops,1.5,2024-02-30\n")
    parsed = parse(path)
    assert parsed.types == ["text", "float", "category"]
    frame = parsed.to_frame()
    assert frame["n"].iloc[-1] == "oops" and frame["n"].iloc[0] == "0"
    assert frame["d"].iloc[-1] == "2024-02-30"


def test_legacy_cyrillic_is_not_mistaken_for_western(tmp_path: Path) -> None:
    path = tmp_path / "cy.csv"
    path.write_bytes(("name,n\n" + "Привет мир,1\nЗдравствуйте,2\n" * 20).encode("cp1251"))
    assert parse(path).to_frame()["name"].iloc[0] == "Привет мир"


@pytest.mark.parametrize("text", ["Ü\nü\n", "name\nüü\n", "n\nçà\n", "name,city\nMüller,Zürich\n", "v\nété\n"])
def test_short_latin1_files_are_read_as_western_text(tmp_path: Path, text: str) -> None:
    # detectors guessed cp1251 ("ь"), UTF-16 and Big5 for these few bytes
    path = tmp_path / "l1.csv"
    path.write_bytes(text.encode("latin-1"))
    parsed = parse(path)
    assert parsed.encoding == "cp1252"
    assert parsed.to_frame().iloc[:, -1].tolist() == [text.splitlines()[1].split(",")[-1]]


@pytest.mark.parametrize(("text", "encoding"), [
    ("a,b\nон,да\n", "cp1251"), ("ad,şehir\nçiğ,İstanbul\n", "cp1254"), ("שם,עיר\nדוד,חיפה\n", "cp1255"),
    ("Łódź,Gdańsk\nźdźbło,1\n", "cp1250"), ("姓名,城市\n张三,北京\n", "gb18030"), ("名前,都市\n山田,東京\n", "cp932"),
])
def test_short_files_in_other_legacy_encodings_keep_their_script(tmp_path: Path, text: str, encoding: str) -> None:
    path = tmp_path / "legacy.csv"
    path.write_bytes(text.encode(encoding))
    parsed = parse(path)
    assert parsed.names + parsed.to_frame().iloc[0].astype(str).tolist() == text.replace("\n", ",").split(",")[:4]


@pytest.mark.parametrize("first", ["sep=;", '"sep=;"', "SEP=;"])
def test_excel_sep_line_names_the_delimiter_and_is_not_the_header(tmp_path: Path, first: str) -> None:
    path = tmp_path / "excel.csv"
    path.write_text(f"{first}\nname;amount\nx,y;1,5\nz;2\n")  # commas inside values: no sniffing needed
    parsed = parse(path)
    assert parsed.dialect.delimiter == ";" and parsed.names == ["name", "amount"]
    assert parsed.to_frame().to_dict("list") == {"name": ["x,y", "z"], "amount": [1.5, 2.0]}


@pytest.mark.parametrize("newline", ["\r", "\r\n", "\n"])
def test_any_line_ending_is_read(tmp_path: Path, newline: str) -> None:
    path = tmp_path / "eol.csv"
    path.write_bytes(newline.join(["id,note", '1,"two', 'lines"', "2,plain", ""]).encode())
    frame = parse(path).to_frame()
    assert frame["id"].tolist() == [1, 2] and frame["note"].tolist() == [f"two{newline}lines", "plain"]


def test_blank_lines_before_the_header_are_not_read_as_a_row(tmp_path: Path) -> None:
    path = tmp_path / "blank.csv"
    path.write_text("\n\nid,name\n1,a\n2,b\n")
    parsed = parse(path)
    assert parsed.types == ["integer", "text"] and parsed.to_frame()["id"].tolist() == [1, 2]


def test_integers_beyond_float_precision_stay_exact(tmp_path: Path) -> None:
    path = tmp_path / "ids.csv"
    path.write_text(
        "id,huge,mixed\n"
        "9007199254740993,9007199254740993,9007199254740993\n"
        "9007199254740995,99999999999999999999,1.5\n"
    )
    parsed = parse(path)
    assert parsed.types == ["integer", "text", "text"]  # never a float: that rounded ...993 to ...992
    frame = parsed.to_frame()
    assert frame["id"].tolist() == [9007199254740993, 9007199254740995]
    assert frame["huge"].tolist() == ["9007199254740993", "99999999999999999999"]
    assert frame["mixed"].tolist() == ["9007199254740993", "1.5"]
    assert "2^53" in parsed.guesses[2].note and "64 bits" in parsed.guesses[1].note


def test_types_come_from_every_batch_of_a_file_read_in_pieces(tmp_path: Path) -> None:
    path = tmp_path / "pieces.csv"  # about 3 MB: read in several 1 MB blocks
    rows = [f"{i},{i % 7},2024-01-{1 + i % 28:02d},{'yes' if i % 2 else 'no'}\n" for i in range(150_000)]
    path.write_text("n,code,day,flag\n" + "".join(rows) + "-5,07,2024-02-29,no\n")
    parsed = parse(path)
    assert parsed.types == ["integer", "text", "datetime", "boolean"]  # a leading zero in the last row only
    assert parsed.n_rows == 150_001 and len(parsed.preview[0]) < parsed.n_rows
    assert parsed.to_frame(limit=3)["code"].tolist() == ["0", "1", "2"]
    frame = parsed.to_frame()
    assert len(frame) == 150_001 and frame["n"].iloc[-1] == -5 and frame["code"].iloc[-1] == "07"


def test_a_file_changed_after_reading_is_not_stored(tmp_path: Path) -> None:
    from mdg_core.errors import IngestError
    from mdg_core.ingest import store_parsed
    from mdg_core.store import DatasetStore

    path = tmp_path / "c.csv"
    path.write_text("a,b\n1,2\n")
    parsed = parse(path)
    path.write_text("a,b\n1,2\n3,4\n")
    store = DatasetStore(tmp_path / "db.sqlite")
    with pytest.raises(IngestError, match="changed after it was read"):
        store_parsed(store, parsed)
    assert store.list() == []
