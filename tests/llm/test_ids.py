"""ID pattern detection and generation: padding, prefixes, hex, UUIDs, embedded dates, uniqueness."""

from __future__ import annotations

import re

import pytest

from mdg_core.llm.ids import IdGenerator, detect_id_fields, detect_pattern


def _make(values: list, n: int = 5, key: str = "id", seed: int = 0) -> list:
    pattern = detect_pattern((key,), values)
    assert pattern is not None, values
    gen = IdGenerator(pattern, values, seed)
    out = [gen.new() for _ in range(n)]
    assert len(set(map(str, out + values))) == len(out) + len(values)
    assert all(pattern.regex().match(str(v)) for v in out)
    return out


@pytest.mark.parametrize("values, expected", [
    (["user-007", "user-003", "user-004"], ["user-008", "user-009"]),
    (["A0001", "A0002"], ["A0003", "A0004"]),
    (["ORD7", "ORD12"], ["ORD13", "ORD14"]),
    (["cust_0098", "cust_0099"], ["cust_0100", "cust_0101"]),
    (["INV-2024-001-X", "INV-2024-002-X"], ["INV-2024-003-X", "INV-2024-004-X"]),
    (["10", "20", "30"], ["40", "50"]),
])
def test_counters_keep_prefix_suffix_and_padding(values: list, expected: list) -> None:
    assert _make(values, 2) == expected


def test_padding_overflow_grows_but_never_loses_zeros() -> None:
    out = _make(["u-98", "u-99"], 3)
    assert out == ["u-100", "u-101", "u-102"]
    assert _make(["x-007"], 1) == ["x-008"]  # a single example still keeps its width


def test_integer_ids_continue_with_their_step() -> None:
    assert _make([10, 20, 30], 2) == [40, 50]
    assert detect_pattern(("age",), [30, 40]) is None  # numbers need an id-like name


def test_hex_and_uuid() -> None:
    out = _make(["a3f9c2d1", "ff01bb23"], 20, key="token")
    assert all(re.fullmatch(r"[0-9a-f]{8}", v) for v in out)
    uuids = _make(["3f2504e0-4f89-11d3-9a0c-0305e82c3301", "6fa459ea-ee8a-3ca4-894e-db77e160355e"], 20, key="ref")
    assert all(v[14] == "4" for v in uuids)
    upper = _make(["3F2504E0-4F89-11D3-9A0C-0305E82C3301", "6FA459EA-EE8A-3CA4-894E-DB77E160355E"], 2, key="ref")
    assert all(v == v.upper() for v in upper)


def test_embedded_dates_stay_in_range() -> None:
    out = _make(["INV-20240105-0001", "INV-20240301-0002"], 10, key="invoice_no")
    for v in out:
        day = v.split("-")[1]
        assert "20240105" <= day <= "20240301"
    assert [v.rsplit("-", 1)[1] for v in out][:2] == ["0003", "0004"]


def test_not_ids() -> None:
    assert detect_pattern(("city",), ["Paris", "Berlin"]) is None
    assert detect_pattern(("id",), ["a-1", "a-1"]) is None  # repeated values are not identifiers
    assert detect_pattern(("zip",), ["75001", "10115"]) is None  # digits without an id-like name


def test_detect_id_fields_finds_nested_paths_only_through_objects() -> None:
    examples = [{"id": "u-01", "meta": {"ref": "R-100"}, "tags": [{"id": "t-1"}]},
                {"id": "u-02", "meta": {"ref": "R-101"}, "tags": [{"id": "t-2"}]}]
    paths = [p.path for p in detect_id_fields(examples)]
    assert paths == [("id",), ("meta", "ref")]


def test_generation_is_seeded_and_bounded() -> None:
    pattern = detect_pattern(("code",), ["ab12", "cd34"])
    assert pattern is not None
    a = IdGenerator(pattern, ["ab12"], 7)
    b = IdGenerator(pattern, ["ab12"], 7)
    assert [a.new() for _ in range(3)] == [b.new() for _ in range(3)]
    tiny = detect_pattern(("kind_id",), ["ab", "ba"])  # only letters: no counter, so not an ID pattern
    assert tiny is None
