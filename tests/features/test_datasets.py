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


def test_exported_script_runs_on_the_uploaded_file_and_names_columns_as_the_workbench(store, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import subprocess
    import sys

    from palmerpenguins import load_penguins

    from mdg_core.features.datasets import script_for
    from mdg_core.ingest import ingest_file

    penguins = load_penguins()
    penguins.insert(0, "tag", [f"{i:05d}" for i in range(len(penguins))])  # codes with leading zeros
    raw = tmp_path / "penguins.csv"  # two headers called 'length' (pandas reads length.1; ingest names it length_2)
    text = penguins.to_csv(index=False, sep=";").replace("bill_length_mm;bill_depth_mm", "length;length", 1)
    raw.write_text(text, encoding="cp1252")
    src = ingest_file(store, raw, "penguins")
    assert src.column_names[3:5] == ["length", "length_2"]
    found = suggestions_for(store, src.id)
    first = apply_to_dataset(store, src.id, pick(found, ["impute_median:length_2", "one_hot:island"]))
    second = apply_to_dataset(store, first.id, pick(suggestions_for(store, first.id), ["impute_median:length"]))

    script = tmp_path / "recipe.py"
    script.write_text(script_for(store, second.id), encoding="utf-8")
    out = tmp_path / "out.csv"
    run = subprocess.run([sys.executable, str(script), str(raw), str(out)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    result = pd.read_csv(out, dtype={"tag": str})
    expected = store.load(second.id)
    assert list(result.columns) == list(expected.columns)
    assert result["tag"].tolist()[:3] == ["00000", "00001", "00002"]
    for col in ("length", "length_2", "island=Biscoe"):
        assert result[col].tolist() == pytest.approx(expected[col].astype("float64").tolist()), col

    narrow = tmp_path / "narrow.csv"
    narrow.write_text("a;b\n1;2\n", encoding="utf-8")
    run = subprocess.run([sys.executable, str(script), str(narrow), str(out)], capture_output=True, text=True)
    assert run.returncode != 0 and "expects 9" in run.stderr
