"""The LLM table generator through the generator registry, on the penguins table with the real model."""

from __future__ import annotations

import pandas as pd
import pytest
from palmerpenguins import load_penguins

from mdg_core.errors import InvalidParameterError, ModelLoadError
from mdg_core.generators.registry import GENERATORS, get


def test_registered_and_validates_parameters() -> None:
    assert "llm_table" in GENERATORS
    with pytest.raises(InvalidParameterError):
        get("llm_table", temperature=5.0)


def test_rows_respect_types_categories_and_ranges_and_are_not_copies() -> None:
    real = load_penguins().head(120)
    gen = get("llm_table", random_state=1, few_shot=6).fit(real)
    out = gen.sample(4, seed=2)
    assert list(out.columns) == list(real.columns) and len(out) == 4
    for col in ("species", "island", "sex"):
        assert set(out[col].dropna()) <= set(real[col].dropna())
    for col in ("bill_length_mm", "flipper_length_mm", "body_mass_g"):
        values = out[col].dropna()
        assert ((values >= real[col].min()) & (values <= real[col].max())).all()
    assert set(out["year"]) <= set(real["year"])
    real_rows = {tuple(map(str, r)) for r in real.itertuples(index=False)}
    assert not any(tuple(map(str, r)) in real_rows for r in out.itertuples(index=False))
    assert str(out["year"].dtype) == str(real["year"].dtype)


def test_bad_model_path_fails_at_fit() -> None:
    with pytest.raises(ModelLoadError, match="does not exist"):
        get("llm_table", model_path="/no/such.gguf").fit(pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]}))
