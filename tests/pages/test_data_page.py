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


def test_an_impossible_type_is_refused_next_to_its_column_and_the_editor_stays(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import hashlib

    db = tmp_path / "mdg.db"
    raw = (ROOT / "data" / "customers.csv").read_bytes()
    key = f"mdg.data.types.{hashlib.sha256(raw).hexdigest()[:12]}"
    at = _app(db, monkeypatch).run()
    at.session_state[key] = {"name": "integer", "support_tickets": "float"}  # as chosen in the type editor
    at.file_uploader[0].set_value(("customers.csv", raw, "text/csv")).run()
    assert not at.exception and not at.error  # no error in place of the table
    assert any("name" in w.value and "does not fit its values" in w.value for w in at.warning)
    editor = next(d for d in at.dataframe if d.key and d.key.startswith(f"{key}.editor"))
    table = editor.value.set_index("Column")
    assert table.loc["name", "Type"] == "text" and table.loc["name", "Note"].startswith("⚠ Column 'name' cannot be read")
    assert table.loc["support_tickets", "Type"] == "float"  # the other choice stands
    assert at.session_state[key] == {"support_tickets": "float"}

    at.file_uploader[0].set_value(None).run()  # remove the file, upload it again: no error survives
    at.file_uploader[0].set_value(("customers.csv", raw, "text/csv")).run()
    assert not at.exception and not at.error
    at.button(key=f"{key}.save").click().run()
    assert not at.exception and not at.error
    saved = next(d for d in DatasetStore(db).list() if d.name == "customers")
    types = {c.name: c.logical_type for c in saved.columns}
    assert types["name"] == "text" and types["support_tickets"] == "float"


def test_save_upload_goes_to_the_background_above_the_size_limit(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from mdg_core import jobs
    from mdg_core.uploads import preview_upload, save_upload

    raw = (ROOT / "data" / "penguins.csv").read_bytes()
    preview = preview_upload(raw, {"year": "text"})
    inline = save_upload(store, preview, raw, "penguins.csv", "inline")
    assert inline.job_id is None and inline.dataset is not None and inline.dataset.n_rows == 344
    background = save_upload(store, preview, raw, "penguins.csv", "background", background_above=1_000)
    assert background.dataset is None and background.job_id is not None
    info = jobs.wait(store, background.job_id, timeout_s=120)
    assert info.status == "done", info.error
    saved = store.get(info.result["dataset_id"])
    assert saved.name == "background" and {c.name: c.logical_type for c in saved.columns}["year"] == "text"
    assert not any((Path(store.db_path).parent / "uploads").glob("*.csv"))  # the temporary copy is gone
