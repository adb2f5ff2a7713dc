"""CLI: profile (overview and full report to a file), suggest, apply (suggestions or a recipe file)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mdg_core.cli import main
from mdg_core.store import DatasetStore
from tests.features.planted import planted


def _run(capsys, *argv: str) -> object:  # type: ignore[no-untyped-def]
    code = main(["--quiet", *argv])
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


def test_profile_suggest_apply_and_recipe(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "mdg.db"
    store = DatasetStore(db)
    src = store.save(planted(200), "planted")
    overview = _run(capsys, "--db", str(db), "profile", str(src.id))
    assert overview["rows"] == 200 and any("constant" in w for w in overview["warnings"])
    ids = [s["id"] for s in _run(capsys, "--db", str(db), "suggest", str(src.id))]
    assert "impute_median:age" in ids and "pii:email" in ids
    script = tmp_path / "recipe.py"
    out = _run(capsys, "--db", str(db), "apply", str(src.id), "--suggestion", "impute_median:age",
               "--suggestion", "pii:email", "--option", "pii:email.action=mask", "--script", str(script))
    assert out["kind"] == "transformed" and out["parent_id"] == src.id
    assert [s["params"].get("action") for s in out["recipe"]["steps"]] == ["mask", None]
    assert "def apply_recipe" in script.read_text()
    recipe_file = tmp_path / "recipe.json"
    recipe_file.write_text(json.dumps(out["recipe"]))
    again = _run(capsys, "--db", str(db), "apply", str(src.id), "--recipe", str(recipe_file))
    assert again["parent_id"] == src.id and again["columns"] == out["columns"]


def test_errors_are_one_line(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "mdg.db"
    src = DatasetStore(db).save(planted(50), "planted")
    assert main(["--db", str(db), "apply", str(src.id), "--suggestion", "nope:x"]) == 2
    assert "error: No suggestion nope:x" in capsys.readouterr().err
    assert main(["--db", str(db), "apply", str(src.id)]) == 2
    assert main(["--db", str(db), "profile", "999"]) == 2


@pytest.mark.slow
def test_profile_full_writes_the_report(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "mdg.db"
    src = DatasetStore(db).save(planted(100), "planted")
    target = tmp_path / "report.html"
    out = _run(capsys, "--db", str(db), "profile", str(src.id), "--full", "--mode", "minimal", "--out", str(target))
    assert out["report"]["mode"] == "minimal" and target.read_text().lower().count("<html") >= 1
