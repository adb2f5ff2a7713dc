"""AppTest for the Data page: upload with typed preview, save, preview rows, delete."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from mdg_core.store import DatasetStore

ROOT = Path(__file__).resolve().parents[2]
CSV = b"id,when,amount,ok\n0001,2024-01-02,\"1,200\",yes\n0002,2024-01-03,15,no\n"


def _app(db: Path, monkeypatch) -> AppTest:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MDG_DB_PATH", str(db))
    monkeypatch.chdir(ROOT)
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)


def _choose(at: AppTest, dataset_id: int) -> None:
    """Make a dataset current the way the app does (AppTest cannot drive a formatted selectbox)."""
    at.session_state["mdg.pending_dataset_id"] = dataset_id
    at.run()


def test_first_run_shows_samples_and_upload_saves_a_typed_dataset(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "mdg.db"
    at = _app(db, monkeypatch).run()
    assert not at.exception
    assert at.title[0].value == "Data"
    store = DatasetStore(db)
    assert sorted(d.name for d in store.list()) == ["Customers (sample, fake people)", "Palmer penguins (sample)"]

    at.file_uploader[0].set_value(("orders.csv", CSV, "text/csv"))
    at.run()
    assert not at.exception and not at.error
    assert [m.value for m in at.metric][:2] == ["2", "4"]
    at.button(key=next(b.key for b in at.button if b.label == "Save as dataset")).click()
    at.run()
    assert not at.exception
    saved = next(d for d in store.list() if d.name == "orders")
    frame = store.load(saved.id)
    assert frame["id"].tolist() == ["0001", "0002"]
    assert frame["amount"].tolist() == [1200, 15]
    assert frame["when"].dtype == "datetime64[ns]" and frame["ok"].tolist() == [True, False]
    assert any("saved as dataset" in s.value for s in at.success)


def test_bad_upload_shows_a_message_and_saves_nothing(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "mdg.db"
    at = _app(db, monkeypatch).run()
    before = [d.id for d in DatasetStore(db).list()]
    at.file_uploader[0].set_value(("bad.csv", b"a,b\n1,2\n3\n", "text/csv"))
    at.run()
    assert not at.exception
    assert any("do not have 2 fields" in e.value for e in at.error)
    assert [d.id for d in DatasetStore(db).list()] == before


def test_current_dataset_preview_and_rename(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "mdg.db"
    store = DatasetStore(db)
    info = store.save(pd.DataFrame({"x": [1, 2, 3]}), "mine")
    at = _app(db, monkeypatch).run()
    _choose(at, info.id)
    assert any(h.value.startswith(f"Dataset #{info.id}") for h in at.subheader)
    at.text_input(key=f"mdg.data.rename.{info.id}").set_value("renamed").run()
    at.button[[b.label for b in at.button].index("Rename")].click().run()
    assert store.get(info.id).name == "renamed"


def test_delete_asks_for_confirmation_first(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "mdg.db"
    store = DatasetStore(db)
    keep = store.save(pd.DataFrame({"x": [1, 2, 3]}), "keep")
    doomed = store.save(pd.DataFrame({"x": [1]}), "doomed")  # newest: current by default
    at = _app(db, monkeypatch).run()
    at.button[[b.label for b in at.button].index("Delete…")].click().run()
    assert any("doomed" in m.value and "cannot be undone" in m.value for m in at.markdown)
    assert {d.id for d in store.list()} == {keep.id, doomed.id}
    # the confirming click runs inside the dialog's fragment, which AppTest does not replay:
    # tests/e2e/test_data_flow.py clicks it in a real browser
