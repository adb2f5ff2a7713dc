"""Grammar building and the positional row codec (no model needed: llama.cpp parses the grammar)."""

from __future__ import annotations

import json

from mdg_core.llm.grammar import compile_grammar, decode, encode, fix_ranges, header, rows_grammar
from mdg_core.llm.schema import infer_schema, is_valid

SHAPES = [
    [{"a": 1, "b": "x"}, {"a": 2, "b": "yy"}],
    [{"user": {"name": "Ann", "tags": ["a", "b"]}, "n": None}, {"user": {"name": "Bo", "tags": []}, "n": 2.5}],
    [{"items": [{"sku": "A-1", "qty": 1}, {"sku": "B-2", "qty": 2, "note": "gift"}]}, {"items": []}],
    [{"when": "2024-01-02T10:00:00Z", "day": "2024-01-02", "mail": "a@b.com", "web": "https://x.org/p"},
     {"when": "2024-02-03T11:30:00Z", "day": "2024-03-04", "mail": "c.d@e.co.uk", "web": "http://y.com"}],
    [{"v": 1}, {"v": "text"}, {"v": True}, {"w": "only here"}],
    [{"s": "He said \"hi\" \\ ok", "p": "+1 555-010-0100"}, {"s": "Zoë – naïve]", "p": "+44 20 7946 0958"}],
]


def test_every_shape_compiles_and_round_trips() -> None:
    for examples in SHAPES:
        schema = infer_schema(examples)
        text = rows_grammar(schema, 3)
        compile_grammar(text)  # raises on a malformed grammar
        assert text.startswith("root ::=")
        for e in examples:
            row = encode(e, schema)
            assert decode(json.loads(json.dumps(row)), schema) == e


def test_header_shows_nesting() -> None:
    schema = infer_schema(SHAPES[1])
    assert header(schema) == "[user:[name, tags], n]"


def test_grammar_has_bounded_strings_enums_and_ranges() -> None:
    schema = infer_schema([{"plan": p, "age": a} for p, a in [("pro", 30), ("free", 41), ("pro", 52), ("team", 60)]])
    text = rows_grammar(schema, 2)
    assert '"\\"pro\\"" | "\\"free\\"" | "\\"team\\""' in text
    assert "{2}" not in text.split("\n")[0] and '("\\n" row-obj){1}' in text


def test_fix_ranges_wraps_numbers_and_repairs_dates() -> None:
    schema = infer_schema([{"n": 10, "x": 1.5, "d": "2024-01-01"}, {"n": 20, "x": 2.5, "d": "2024-12-31"}])
    fixed = fix_ranges({"n": 99, "x": 7.25, "d": "2024-02-30"}, schema)
    assert 10 <= fixed["n"] <= 20 and 1.5 <= fixed["x"] <= 2.5 and fixed["d"] == "2024-02-29"
    assert is_valid(fixed, schema)
    assert fix_ranges({"n": 15, "x": 2.0, "d": "2024-05-05"}, schema) == {"n": 15, "x": 2.0, "d": "2024-05-05"}


def test_forced_suffix_between_values() -> None:
    from mdg_core.llm.forced import forced_suffix

    schema = infer_schema([{"name": n, "age": 3 + i, "addr": {"city": n[::-1], "cc": "FR"}, "plan": p}
                           for i, (n, p) in enumerate(zip(("Ann", "Bo", "Cy", "Di"), ("pro", "free", "pro", "team"), strict=True))])
    assert forced_suffix("", schema, 1) == '["'
    assert forced_suffix('["Ann', schema, 1) == ""  # inside a string: the model decides
    assert forced_suffix('["Ann"', schema, 1) == ","
    assert forced_suffix('["Ann",3', schema, 1) == ""  # a number may go on
    assert forced_suffix('["Ann",3,', schema, 1) == '["'
    assert forced_suffix('["Ann",3,["X","FR"', schema, 1) == '],"'
    assert forced_suffix('["Ann",3,["X","FR"],"pro"', schema, 1) == ']\n["'
    assert forced_suffix('["Ann",3,["X","FR"],"pro"', schema, 0) == "]"
