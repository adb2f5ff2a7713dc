"""``store.transaction()``: several saves, artifacts and runs commit together or not at all."""

from __future__ import annotations

import sqlite3
import threading

import pandas as pd
import pytest

from mdg_core.store import DatasetStore, catalog


def _counts(store: DatasetStore) -> tuple[int, int, int, int]:
    con = sqlite3.connect(store.db_path)
    try:
        return (
            con.execute("SELECT count(*) FROM datasets").fetchone()[0],
            con.execute("SELECT count(*) FROM artifacts").fetchone()[0],
            con.execute("SELECT count(*) FROM runs").fetchone()[0],
            con.execute("SELECT count(*) FROM sqlite_master WHERE type='table' AND name LIKE 'ds_%'").fetchone()[0],
        )
    finally:
        con.close()


def _frame(n: int = 5) -> pd.DataFrame:
    return pd.DataFrame({"a": range(n), "b": [f"v{i}" for i in range(n)]})


def test_everything_inside_a_transaction_commits_together(store: DatasetStore) -> None:
    with store.transaction():
        parent = store.save(_frame(), "parent")
        child = store.save(_frame(3), "child", "synthetic", parent_id=parent.id)  # sees the uncommitted parent
        art = store.put_artifact("model", "k1", b"payload", dataset_id=parent.id)
        run = store.record_run(dataset_id=parent.id, generator="copy_rows", params={}, seed=1, n_rows=3,
                               versions={}, output_dataset_id=child.id, model_artifact_id=art)
        assert store.load(child.id)["a"].tolist() == [0, 1, 2]  # reads inside see the transaction's writes
        assert _counts(store) == (0, 0, 0, 0)  # another connection sees nothing before the commit
    assert _counts(store) == (2, 1, 1, 2)
    assert store.run_for_output(child.id)["id"] == run  # type: ignore[index]
    assert store.get_artifact_by_id(art).payload == b"payload"  # type: ignore[union-attr]


def test_an_error_inside_a_transaction_stores_nothing(store: DatasetStore) -> None:
    store.save(_frame(), "existing")
    before = _counts(store)
    with pytest.raises(RuntimeError, match="model would not pickle"), store.transaction():
        info = store.save(_frame(), "train split", "split")
        store.save(_frame(), "synthetic", "synthetic", parent_id=info.id)
        raise RuntimeError("model would not pickle")
    assert _counts(store) == before
    assert [d.name for d in store.list()] == ["existing"]


def test_a_failed_save_caught_inside_a_transaction_is_undone_alone(store: DatasetStore,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Each store call inside a transaction is a savepoint: a failure half-way through writing rows
    leaves no table or catalogue entry, while the transaction's other writes still commit."""
    monkeypatch.setattr(catalog, "WRITE_CHUNK_ROWS", 10)
    real_encode = catalog.encode
    calls = {"n": 0}

    def failing_encode(series, spec):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] > 8:
            raise RuntimeError("disk on fire")
        return real_encode(series, spec)

    with store.transaction():
        kept = store.save(_frame(), "kept")  # 2 columns, 1 chunk: 2 encode calls
        monkeypatch.setattr(catalog, "encode", failing_encode)
        with pytest.raises(RuntimeError, match="disk on fire"):
            store.save(_frame(100), "doomed")  # fails in its 4th chunk, after rows were inserted
        assert calls["n"] > 8
    assert [d.id for d in store.list()] == [kept.id]
    assert _counts(store) == (1, 0, 0, 1)


def test_other_threads_do_not_join_a_transaction(store: DatasetStore) -> None:
    """The Streamlit server shares one store between sessions: one session's transaction is its own."""
    seen: dict[str, object] = {}
    with store.transaction():
        store.save(_frame(), "inside")

        def other() -> None:
            seen["names"] = [d.name for d in store.list()]
            seen["in_write"] = store.in_write()

        worker = threading.Thread(target=other)
        worker.start()
        worker.join(timeout=30)
        assert store.in_write()
    assert seen == {"names": [], "in_write": False}
    assert not store.in_write()
