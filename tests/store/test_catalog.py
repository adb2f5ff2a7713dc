"""Catalogue behaviour: lineage, rename, delete with dependents, artifacts with hashes."""

from __future__ import annotations

import sqlite3

import pandas as pd
import pytest

from mdg_core.errors import ArtifactIntegrityError, DatasetNotFoundError, HasDependentsError, StoreError
from mdg_core.store import DatasetStore


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]})


def test_lineage_and_delete_lists_derived_datasets_first(store: DatasetStore) -> None:
    root = store.save(_frame(), "root")
    child = store.save(_frame(), "child", "transformed", parent_id=root.id, recipe={"steps": ["x"]})
    grandchild = store.save(_frame(), "gc", "synthetic", parent_id=child.id)
    assert [d.id for d in store.lineage(grandchild.id)] == [grandchild.id, child.id, root.id]
    assert [d.id for d in store.descendants(root.id)] == [child.id, grandchild.id]
    with pytest.raises(HasDependentsError, match="2 derived"):
        store.delete(root.id)
    assert {d.id for d in store.list()} == {root.id, child.id, grandchild.id}
    assert store.delete(root.id, cascade=True) == [grandchild.id, child.id, root.id]
    assert store.list() == []
    tables = sqlite3.connect(store.db_path).execute(
        "SELECT name FROM sqlite_master WHERE type='table' AND name LIKE 'ds_%'").fetchall()
    assert tables == []


def test_rename_keeps_data_and_rejects_empty_names(store: DatasetStore) -> None:
    info = store.save(_frame(), "old")
    assert store.rename(info.id, "  new name ").name == "new name"
    with pytest.raises(StoreError):
        store.rename(info.id, "  ")
    pd.testing.assert_frame_equal(store.load(info.id), _frame())


def test_unknown_dataset_gives_a_named_error(store: DatasetStore) -> None:
    with pytest.raises(DatasetNotFoundError, match="id 42"):
        store.load(42)


def test_each_dataset_is_a_real_sqlite_table(store: DatasetStore) -> None:
    info = store.save(_frame(), "plain")
    rows = sqlite3.connect(store.db_path).execute(f'SELECT * FROM "{info.table_name}"').fetchall()
    assert rows == [(1, "x"), (2, "y"), (3, "z")]


def test_artifacts_are_replaced_by_key_and_checked_against_their_hash(store: DatasetStore) -> None:
    store.put_artifact("report", "k", b"one")
    art_id = store.put_artifact("report", "k", b"two", summary={"score": 1})
    art = store.get_artifact("report", "k")
    assert art is not None and art.payload == b"two" and art.id == art_id
    con = sqlite3.connect(store.db_path)
    con.execute("UPDATE artifacts SET payload = ? WHERE id = ?", (b"tampered", art_id))
    con.commit()
    with pytest.raises(ArtifactIntegrityError):
        store.get_artifact("report", "k")


def test_database_uses_wal_and_full_sync(store: DatasetStore) -> None:
    with store.engine.connect() as conn:
        raw = conn.connection.driver_connection
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("PRAGMA synchronous").fetchone()[0] == 2
