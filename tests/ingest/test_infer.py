"""Inference batch by batch decides exactly as if it had seen each column whole."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pyarrow as pa
import pytest

from mdg_core.errors import TypeOverrideError
from mdg_core.ingest import infer, parse, store_parsed
from mdg_core.store import DatasetStore

N = 60
COLUMNS: dict[str, list[str | None]] = {
    "ints": [str(i) for i in range(N)],
    "zero_late": [str(i + 10) for i in range(N - 1)] + ["007"],
    "thousands": [f"{1000 * i:,}" for i in range(N)],
    "thousands_and_small": [str(i) for i in range(N - 1)] + ["1,234"],
    "floats": [f"{i}.5" for i in range(N)],
    "float_late": [str(i) for i in range(N - 1)] + ["2.5"],
    "big_late": [str(i) for i in range(N - 2)] + ["9007199254740993", "2.5"],
    "yes_no": ["yes" if i % 3 else "no" for i in range(N)],
    "dmy_late": [f"{1 + i % 12:02d}/03/2023" for i in range(N - 1)] + ["25/03/2023"],
    "mdy": [f"03/{1 + i % 28:02d}/2023" for i in range(N)],
    "iso": [f"2024-01-{1 + i % 28:02d}" for i in range(N)],
    "zoned": [f"2024-01-02T10:{i:02d}:00+02:00" for i in range(N)],
    "not_a_date_late": [f"2024-01-{1 + i % 28:02d}" for i in range(N - 1)] + ["2024-02-30"],
    "colour": (["red", "green", "blue"] * N)[:N],
    "gaps": [None if i % 4 == 0 else str(i) for i in range(N)],
    "empty": [None] * N,
    "free": [f"comment {i} on things" for i in range(N)],
}


@pytest.mark.parametrize("name", list(COLUMNS))
@pytest.mark.parametrize("batch", [1, 7, N])
def test_batches_decide_like_the_whole_column(name: str, batch: int) -> None:
    values = pa.array(COLUMNS[name], pa.string())
    whole = infer.guess(name, values)
    stats = infer.ColumnStats(name)
    for start in range(0, N, batch):
        stats.add(values.slice(start, batch))
    assert dataclasses.asdict(stats.guess()) == dataclasses.asdict(whole)


def test_late_values_change_the_decision() -> None:
    kinds = {name: infer.guess(name, pa.array(values, pa.string())).type for name, values in COLUMNS.items()}
    assert kinds["zero_late"] == "text" and kinds["float_late"] == "float" and kinds["big_late"] == "text"
    assert kinds["thousands_and_small"] == "integer" and kinds["not_a_date_late"] == "text"
    assert infer.guess("d", pa.array(COLUMNS["dmy_late"])).date_format == "%d/%m/%Y"


def test_a_value_arrow_refuses_when_storing_falls_back_to_text(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text("id,name\n1,x\n2,y\n")
    parsed = parse(path)
    # as if Arrow's reader had refused a value pass 1 accepted: storing starts over, all text
    parsed.plan = dataclasses.replace(parsed.plan, arrow_types={"name": pa.int64()})
    store = DatasetStore(tmp_path / "db.sqlite")
    assert store.load(store_parsed(store, parsed).id)["name"].tolist() == ["x", "y"]
    assert len(store.list()) == 1



def test_a_huge_value_is_text_and_never_given_to_a_cast(monkeypatch: pytest.MonkeyPatch) -> None:
    # a cast that fails copies the value into its error message: a 100 MB field cost 200 MB more
    cast, longest = infer.pc.cast, [0]

    def spy(values, *args, **kwargs):  # type: ignore[no-untyped-def]
        if isinstance(values, pa.Array) and pa.types.is_string(values.type) and len(values):
            longest[0] = max(longest[0], infer.pc.max(infer.pc.binary_length(values)).as_py() or 0)
        return cast(values, *args, **kwargs)

    monkeypatch.setattr(infer.pc, "cast", spy)
    stats = infer.ColumnStats("id")
    stats.add(pa.array(["12", "9" * 5_000_000]))  # digits, but far too long to be a number
    assert stats.guess().type == "text"
    assert longest[0] <= infer.MAX_NUMBER_BYTES
    with pytest.raises(TypeOverrideError, match="over 400 characters") as err:
        infer.convert(pa.array(["12", "9" * 5_000_000]), stats.guess(), "integer")
    assert len(str(err.value)) < 1000
