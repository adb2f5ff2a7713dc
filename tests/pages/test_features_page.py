"""AppTest for the Features page: suggestions with evidence, inspect code + preview, apply → new version."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from mdg_core.store import DatasetStore
from tests.features.planted import planted

ROOT = Path(__file__).resolve().parents[2]


def test_tick_apply_and_reapply(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "mdg.db"
    monkeypatch.setenv("MDG_DB_PATH", str(db))
    monkeypatch.chdir(ROOT)
    store = DatasetStore(db)
    info = store.save(planted(300), "planted")  # the newest dataset is current by default
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.run()
    at.switch_page("pages/features.py").run()
    assert not at.exception and not at.error
    pick = f"mdg.features.pick.{info.id}"
    keys = {c.key for c in at.checkbox}
    assert {f"{pick}.impute_median:age", f"{pick}.pii:email", f"{pick}.parse_dates:signup"} <= keys
    assert any("50 missing" in m.value for m in at.markdown)
    assert at.code and "df" in at.code[0].value  # the inspected suggestion's code
    assert any("column is removed" in i.value for i in at.info)  # drop_constant is inspected first

    at.selectbox(key=f"mdg.features.inspect.{info.id}").set_value("impute_median:age").run()
    assert "fillna" in at.code[0].value
    before, after = at.dataframe[0].value, at.dataframe[1].value
    assert before["age"].isna().any() and after["age"].notna().all() and "age_missing" in after

    at.checkbox(key=f"{pick}.impute_median:age").check()
    at.checkbox(key=f"{pick}.pii:email").check()
    at.selectbox(key=f"{pick}.pii:email.action").set_value("drop")
    at.run()
    apply = next(b for b in at.button if b.label.startswith("Apply 2"))
    apply.click().run()
    assert not at.exception and not at.error
    new = store.list(kinds=["transformed"])[0]
    assert new.parent_id == info.id and "email" not in new.column_names
    assert [s["id"] for s in new.recipe["steps"]] == ["pii:email", "impute_median:age"]
    assert any(f"Saved as dataset #{new.id}" in s.value for s in at.success)

    next(b for b in at.button if b.label == f"Compare with #{info.id}").click().run()
    assert not at.exception and at.title[0].value == "Profile"
    assert any(f"**B** = #{info.id} planted" in m.value for m in at.markdown)  # the parent, side by side
    at.switch_page("pages/features.py").run()

    at.session_state["mdg.features.tab"] = "Recipe & versions"
    at.run()
    assert not at.exception and not at.error
    assert {b.label for b in at.get("download_button")} >= {"Download recipe (JSON)", "Export as Python script"} \
        or len(at.get("download_button")) == 2
    # the recipe cannot run on its own output (email is gone): a readable error, nothing saved
    at.file_uploader(key=f"mdg.features.recipe_file.{new.id}").set_value(
        ("recipe.json", json.dumps(new.recipe).encode(), "application/json")).run()
    next(b for b in at.button if b.label == "Apply recipe").click().run()
    assert any("needs column(s) email" in e.value for e in at.error)
    assert len(store.list(kinds=["transformed"])) == 1

    # back to the source version (AppTest does not keep the sidebar widget after the first run)
    at.session_state["mdg.sidebar_dataset"] = at.session_state["mdg.current_dataset_id"] = info.id
    at.run()
    at.selectbox(key=f"mdg.features.reuse.{info.id}").set_value(new.id).run()
    next(b for b in at.button if b.label == "Apply recipe").click().run()
    assert not at.exception and not at.error
    replay = store.list(kinds=["transformed"])[0]
    assert replay.id != new.id and replay.parent_id == info.id and replay.column_names == new.column_names


def test_target_is_guessed_shown_and_changeable_and_outliers_name_their_thresholds(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from palmerpenguins import load_penguins

    db = tmp_path / "mdg.db"
    monkeypatch.setenv("MDG_DB_PATH", str(db))
    monkeypatch.chdir(ROOT)
    store = DatasetStore(db)
    info = store.save(load_penguins(), "penguins")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.run()
    at.switch_page("pages/features.py").run()
    assert not at.exception and not at.error
    assert at.selectbox(key=f"mdg.target.{info.id}").value == "species"
    assert any("guessed from its name" in c.value for c in at.caption)
    pick = f"mdg.features.pick.{info.id}"
    keys = {c.key for c in at.checkbox}
    assert f"{pick}.one_hot:island" in keys and f"{pick}.one_hot:species" not in keys  # the label is left alone

    at.selectbox(key=f"mdg.target.{info.id}").select_index(0).run()  # "(none)"
    assert not at.exception and not at.error
    assert store.get(info.id).meta["target"] is None  # the analyst's choice is kept with the dataset
    assert f"{pick}.one_hot:species" in {c.key for c in at.checkbox}

    at.session_state["mdg.features.tab"] = "Outliers"
    at.run()
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    assert {"IQR (1.5×)", "z-score (>3)", "IsolationForest (score ≥ 0.75)", "IQR fences"} <= set(table.columns)
