"""Applying suggestions to stored datasets: new transformed versions with lineage and a replayable recipe."""

from __future__ import annotations

import pandas as pd
import pytest

from mdg_core.errors import RecipeError
from mdg_core.features.datasets import (
    SUGGESTIONS_VERSION,
    apply_recipe_to_dataset,
    apply_to_dataset,
    pick,
    recipes,
    suggestions_for,
)
from tests.features.planted import planted


def test_apply_saves_a_transformed_version_with_recipe_and_replays_on_a_sibling(store) -> None:  # type: ignore[no-untyped-def]
    src = store.save(planted(300), "planted")
    found = suggestions_for(store, src.id)
    assert store.get_artifact("feature_suggestions", f"{src.id}:v{SUGGESTIONS_VERSION}:") is not None  # no target
    assert [s.id for s in suggestions_for(store, src.id)] == [s.id for s in found]  # from the artifact
    chosen = pick(found, ["impute_median:age", "pii:email", "drop_constant:source"], {"pii:email": {"action": "drop"}})
    new = apply_to_dataset(store, src.id, chosen, "planted v2")
    assert new.kind == "transformed" and new.parent_id == src.id and new.name == "planted v2"
    assert [s["id"] for s in new.recipe["steps"]] == ["drop_constant:source", "pii:email", "impute_median:age"]
    stored = store.load(new.id)
    assert "email" not in stored and "source" not in stored and stored["age"].notna().all()
    assert [d.id for d in store.lineage(new.id)] == [new.id, src.id]
    assert store.load(src.id)["age"].isna().sum() > 0  # the parent is untouched: roll back = choose it

    sibling = store.save(planted(120, seed=5), "planted batch 2")
    replayed = apply_recipe_to_dataset(store, sibling.id, new.recipe)
    assert replayed.parent_id == sibling.id and replayed.recipe["replayed_from"] == src.id
    assert recipes(store)[0].id == replayed.id
    again = apply_recipe_to_dataset(store, sibling.id, new.recipe)
    pd.testing.assert_frame_equal(store.load(again.id), store.load(replayed.id))


def test_unknown_suggestion_lists_the_valid_ones(store) -> None:  # type: ignore[no-untyped-def]
    src = store.save(pd.DataFrame({"a": [1.0, None, 3.0] * 5}), "tiny")
    with pytest.raises(RecipeError, match="Valid: impute_median:a"):
        pick(suggestions_for(store, src.id), ["log_transform:a"])
