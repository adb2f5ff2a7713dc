"""Every write is one transaction: a kill or an error in the middle leaves the database as it was."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mdg_core.store import DatasetStore, catalog

ROOT = Path(__file__).resolve().parents[2]


def _snapshot(db: Path) -> tuple[list[tuple], list[str], list[tuple]]:
    con = sqlite3.connect(db)
    try:
        catalogue = con.execute("SELECT id, name, n_rows FROM datasets ORDER BY id").fetchall()
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        manifest = con.execute("SELECT * FROM dataset_columns ORDER BY dataset_id, position").fetchall()
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return catalogue, tables, manifest
    finally:
        con.close()


def _big_csv(path: Path, rows: int = 400_000) -> None:
    rng = np.random.default_rng(0)
    pd.DataFrame({
        "id": np.arange(rows), "x": rng.normal(size=rows), "y": rng.integers(0, 1000, rows),
        "cat": rng.choice(["alpha", "beta", "gamma"], rows), "day": "2024-01-02",
        "flag": rng.choice(["yes", "no"], rows),
    }).to_csv(path, index=False)


def test_killing_a_writing_process_leaves_catalogue_and_tables_as_before(tmp_path: Path) -> None:
    db = tmp_path / "mdg.db"
    store = DatasetStore(db)
    store.save(pd.DataFrame({"a": [1, 2]}), "existing")
    store.engine.dispose()
    before = _snapshot(db)
    csv = tmp_path / "big.csv"
    _big_csv(csv)
    proc = subprocess.Popen(
        [sys.executable, "-m", "mdg_core", "--db", str(db), "ingest", str(csv)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    seen = b""
    deadline = time.monotonic() + 120
    assert proc.stderr is not None
    os.set_blocking(proc.stderr.fileno(), False)
    wal = Path(str(db) + "-wal")
    while b"Saving" not in seen or not wal.exists() or wal.stat().st_size < 1_000_000:
        chunk = proc.stderr.read() or b""
        seen += chunk
        assert proc.poll() is None, f"ingest finished before it could be killed: {seen[-300:]!r}"
        assert time.monotonic() < deadline, "ingest never reached the writing phase"
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert _snapshot(db) == before
    reopened = DatasetStore(db)
    assert [d.name for d in reopened.list()] == ["existing"]
    assert reopened.save(pd.DataFrame({"b": [3]}), "after").n_rows == 1


def test_an_error_in_the_middle_of_a_write_rolls_everything_back(store: DatasetStore, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    store.save(pd.DataFrame({"a": [1]}), "existing")
    before = _snapshot(store.db_path)
    monkeypatch.setattr(catalog, "WRITE_CHUNK_ROWS", 10)
    calls = {"n": 0}
    real_encode = catalog.encode

    def failing_encode(series, spec):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] > 5:
            raise RuntimeError("disk on fire")
        return real_encode(series, spec)

    monkeypatch.setattr(catalog, "encode", failing_encode)
    with pytest.raises(RuntimeError, match="disk on fire"):
        store.save(pd.DataFrame({"v": range(100)}), "doomed")
    assert _snapshot(store.db_path) == before
