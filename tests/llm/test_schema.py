"""Schema inference from all examples: keys, optionality, nesting, types, enums, formats, ranges."""

from __future__ import annotations

from mdg_core.llm.schema import describe, detect_format, infer_schema, is_valid, validation_errors


def test_union_of_keys_and_optional_keys_from_all_examples() -> None:
    schema = infer_schema([{"a": 1, "b": "x"}, {"a": 2, "c": True}, {"a": 3, "b": "y", "c": False}])
    assert list(schema["properties"]) == ["a", "b", "c"]
    assert schema["required"] == ["a"]
    assert schema["properties"]["c"]["type"] == "boolean"


def test_nullable_and_mixed_types() -> None:
    schema = infer_schema([{"v": 1, "n": None}, {"v": "one", "n": 2.5}, {"v": 3, "n": 1.25}])
    assert schema["properties"]["v"]["type"] == ["integer", "string"]
    n = schema["properties"]["n"]
    assert n["type"] == ["number", "null"] and n["minimum"] == 1.25 and n["maximum"] == 2.5
    assert n["x-decimals"] == 2


def test_integer_vs_number() -> None:
    schema = infer_schema([{"i": 1, "f": 1.0}, {"i": 5, "f": 2.0}])
    assert schema["properties"]["i"]["type"] == "integer"
    assert schema["properties"]["f"]["type"] == "integer"  # whole floats carry no fraction
    schema = infer_schema([{"f": 1.5}, {"f": 2}])
    assert schema["properties"]["f"]["type"] == "number"
    assert schema["properties"]["i" if False else "f"]["minimum"] == 1.5


def test_nested_objects_and_arrays() -> None:
    examples = [
        {"user": {"name": "Ann", "tags": ["a", "b"]}, "items": [{"sku": "A1", "qty": 1}]},
        {"user": {"name": "Bo", "tags": []}, "items": [{"sku": "B2", "qty": 3}, {"sku": "C3", "qty": 2, "note": "x"}]},
    ]
    schema = infer_schema(examples)
    user = schema["properties"]["user"]
    assert user["type"] == "object" and user["required"] == ["name", "tags"]
    assert user["properties"]["tags"]["minItems"] == 0 and user["properties"]["tags"]["maxItems"] == 2
    items = schema["properties"]["items"]["items"]
    assert items["required"] == ["sku", "qty"] and "note" in items["properties"]
    assert items["properties"]["qty"] == {"minimum": 1, "maximum": 3, "type": "integer"}
    for e in examples:
        assert is_valid(e, schema)


def test_enums_for_repeated_low_cardinality_strings() -> None:
    rows = [{"plan": p} for p in ["pro", "free", "pro", "team", "free", "pro"]]
    assert infer_schema(rows)["properties"]["plan"]["enum"] == ["pro", "free", "team"]
    distinct = [{"name": n} for n in ["Ann", "Bob", "Cy", "Di"]]
    assert "enum" not in infer_schema(distinct)["properties"]["name"]


def test_string_formats() -> None:
    assert detect_format(["a@b.com", "x.y@corp.co.uk"]) == "email"
    assert detect_format(["2024-01-02", "2023-12-31"]) == "date"
    assert detect_format(["2024-01-02T10:00:00Z", "2024-01-03T11:30:00Z"]) == "date-time"
    assert detect_format(["https://example.com/a", "http://x.org"]) == "uri"
    assert detect_format(["3f2504e0-4f89-11d3-9a0c-0305e82c3301"]) == "uuid"
    assert detect_format(["+1 555-010-0100", "+44 20 7946 0958"]) == "phone"
    assert detect_format(["2024-02-30"]) is None  # not a real date
    assert detect_format(["hello", "a@b.com"]) is None


def test_date_range_and_validation_errors() -> None:
    schema = infer_schema([{"d": "2024-01-05"}, {"d": "2024-03-01"}])
    d = schema["properties"]["d"]
    assert d["format"] == "date" and d["formatMinimum"] == "2024-01-05" and d["formatMaximum"] == "2024-03-01"
    assert validation_errors({"d": "2025-01-01"}, schema)
    assert validation_errors({"d": "not a date"}, schema)
    assert not validation_errors({"d": "2024-02-10"}, schema)
    assert validation_errors({"d": "2024-02-10", "extra": 1}, schema)  # no unknown keys


def test_describe_lists_nested_fields() -> None:
    rows = describe(infer_schema([{"a": {"b": 1}, "c": [{"d": "x"}]}]))
    assert [r["field"] for r in rows] == ["a", "a.b", "c", "c[].d"]
