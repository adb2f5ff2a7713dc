"""Readers never wait for writers: opening, listing and loading work while another process holds
the write lock; a writer that cannot get it is told which job holds it, in words."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from mdg_core.errors import DatabaseBusyError
from mdg_core.store import DatasetStore, schema

ROOT = Path(__file__).resolve().parents[2]

# A job that saves a large frame inside one transaction and keeps it open until told to finish,
# registered in the jobs table the way a CLI command registers its job.
HOLDER = """
import os, sys, time
from pathlib import Path
import numpy as np, pandas as pd
from sqlalchemy import insert
from mdg_core.store import DatasetStore, schema
from mdg_core.store.catalog import now_iso

db, ready, release = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
store = DatasetStore(db)
with store.write() as conn:
    conn.execute(insert(schema.jobs).values(kind="ingest", title="Ingest big.csv", params={}, status="running",
                                            created_at=now_iso(), progress=0.0, cancel_requested=0,
                                            pid=os.getpid()))
rng = np.random.default_rng(0)
big = pd.DataFrame({"x": rng.normal(size=300_000), "k": rng.integers(0, 9, 300_000)})
with store.transaction():
    store.save(big, "big")
    ready.write_text("holding")
    while not release.exists():
        time.sleep(0.02)
"""


def _wait_for(path: Path, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while not path.exists():
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else proc.returncode
        assert time.monotonic() < deadline, "the writer never took the lock"
        time.sleep(0.02)


@pytest.fixture()
def holder(tmp_path: Path):  # type: ignore[no-untyped-def]
    db = tmp_path / "mdg.db"
    store = DatasetStore(db)
    existing = store.save(pd.DataFrame({"a": [1, 2, 3]}), "existing")
    store.engine.dispose()
    ready, release = tmp_path / "ready", tmp_path / "release"
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(db), str(ready), str(release)], cwd=ROOT,
                            stderr=subprocess.PIPE)
    _wait_for(ready, proc)
    yield db, existing.id, proc, release
    release.write_text("done")
    if proc.poll() is None:
        try:
            proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)


def test_open_list_and_load_do_not_wait_while_another_process_writes(holder) -> None:  # type: ignore[no-untyped-def]
    db, existing, proc, _ = holder
    reader = DatasetStore(db, busy_timeout_s=0.2)  # would raise if opening needed the write lock
    assert [d.name for d in reader.list()] == ["existing"]  # the uncommitted "big" is not visible
    assert reader.load(existing)["a"].tolist() == [1, 2, 3]
    assert reader.get(existing).n_rows == 3
    assert proc.poll() is None  # the writer still holds its transaction: nothing above waited for it


def test_a_writer_that_cannot_get_the_lock_is_told_which_job_holds_it(holder) -> None:  # type: ignore[no-untyped-def]
    db, existing, proc, release = holder
    writer = DatasetStore(db, busy_timeout_s=0.3)
    with pytest.raises(DatabaseBusyError) as caught:
        writer.rename(existing, "renamed")
    message = str(caught.value)
    job_id = sqlite3.connect(db).execute("SELECT id FROM jobs WHERE title = 'Ingest big.csv'").fetchone()[0]
    assert message.startswith("The database is busy: waiting for 'Ingest big.csv'")
    assert f"(job #{job_id})" in message and "OperationalError" not in message
    assert writer.get(existing).name == "existing"
    release.write_text("done")
    assert proc.wait(timeout=120) == 0
    assert writer.rename(existing, "renamed").name == "renamed"  # once the writer is done, writes go through
    assert {d.name for d in writer.list()} == {"renamed", "big"}


def test_a_writer_queues_behind_a_short_write_instead_of_failing(holder) -> None:  # type: ignore[no-untyped-def]
    db, existing, proc, release = holder
    writer = DatasetStore(db, busy_timeout_s=60)
    subprocess.Popen([sys.executable, "-c", "import sys, time; time.sleep(1.0); open(sys.argv[1], 'w').write('x')",
                      str(release)])
    assert writer.rename(existing, "after the wait").name == "after the wait"
    assert proc.wait(timeout=120) == 0


def test_a_write_that_may_be_skipped_gives_up_sooner_than_one_that_must_happen(holder) -> None:  # type: ignore[no-untyped-def]
    """Progress updates ask for a short wait: while another job writes they are skipped, not queued."""
    db, existing, proc, release = holder
    writer = DatasetStore(db, busy_timeout_s=120)
    subprocess.Popen([sys.executable, "-c", "import sys, time; time.sleep(2.0); open(sys.argv[1], 'w').write('x')",
                      str(release)])
    with pytest.raises(DatabaseBusyError, match="gave up after 0.05 s"), writer.transaction(wait_s=0.05):
        pass
    assert writer.rename(existing, "waited").name == "waited"  # the full busy timeout outlasts the writer
    with writer.transaction(wait_s=0.05) as conn:  # and once it is done, a short wait is enough
        conn.exec_driver_sql("UPDATE datasets SET name = 'quick' WHERE id = ?", (existing,))
    assert writer.get(existing).name == "quick"
    assert proc.wait(timeout=120) == 0


def test_an_older_database_is_upgraded_once_and_a_current_one_is_opened_read_only(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    DatasetStore(db).save(pd.DataFrame({"a": [1]}), "kept")
    con = sqlite3.connect(db)
    con.execute("ALTER TABLE jobs DROP COLUMN error")  # a file from before a column was added
    con.execute("PRAGMA user_version = 0")
    con.commit()
    con.close()
    store = DatasetStore(db)
    con = sqlite3.connect(db)
    assert "error" in {r[1] for r in con.execute("PRAGMA table_info(jobs)")}
    assert con.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    assert [d.name for d in store.list()] == ["kept"]
    con.execute("BEGIN IMMEDIATE")  # hold the write lock: opening a current file must not need it
    try:
        assert [d.name for d in DatasetStore(db, busy_timeout_s=0.1).list()] == ["kept"]
    finally:
        con.rollback()
        con.close()


def test_the_cli_lists_datasets_while_another_process_holds_the_write_lock(holder) -> None:  # type: ignore[no-untyped-def]
    """The writer never lets go until told to: a listing that needed the lock would fail after the
    busy timeout instead of printing the catalogue."""
    db, _, proc, _ = holder
    listing = subprocess.run([sys.executable, "-m", "mdg_core", "--db", str(db), "--quiet", "list"], cwd=ROOT,
                             capture_output=True, text=True, timeout=300)
    assert listing.returncode == 0, listing.stderr
    assert [d["name"] for d in json.loads(listing.stdout)] == ["existing"]
    assert proc.poll() is None
