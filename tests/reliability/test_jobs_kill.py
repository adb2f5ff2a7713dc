"""Kill, terminate and interrupt CLI commands at random points: no job is left running or queued
after the next open, the database stays whole, and what the job record and the CLI say is true."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import pytest

from mdg_core import jobs
from mdg_core.ingest import ingest_file
from mdg_core.store import DatasetStore

ROOT = Path(__file__).resolve().parents[2]
SEED = int(os.environ.get("MDG_RELIABILITY_SEED", "20240611"))


def _cli(db: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "mdg_core", "--db", str(db), "--quiet", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, **(env or {})))


def _rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=60)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _handles_stops(proc: subprocess.Popen[str]) -> bool:
    """True once the command catches SIGTERM (its handlers are the first thing ``main`` installs)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            status = Path(f"/proc/{proc.pid}/status").read_text()
        except OSError:
            return False
        caught = int(next(ln.split()[1] for ln in status.splitlines() if ln.startswith("SigCgt:")), 16)
        if caught & (1 << (signal.SIGTERM - 1)):
            return True
        time.sleep(0.01)
    raise AssertionError("the command never started")


def _progress_reached(db: Path, proc: subprocess.Popen[str], n_before: int, fraction: float) -> None:
    """Wait until this command's job exists and has reported ``fraction`` (or the command ended)."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        rows = _rows(db, f"SELECT progress FROM jobs WHERE id > {n_before}")
        if rows and rows[0][0] >= fraction:
            return
        time.sleep(0.01)


def _after_next_open(db: Path) -> list[tuple[object, ...]]:
    """Open the database as the app does next, then check it is whole; returns the jobs."""
    jobs.reap(DatasetStore(db))
    assert _rows(db, "PRAGMA integrity_check") == [("ok",)]
    assert _rows(db, "SELECT id, status FROM jobs WHERE status IN ('queued', 'running')") == []
    catalogue = _rows(db, "SELECT table_name, n_rows FROM datasets")
    tables = {t for (t,) in _rows(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'ds_%'")}
    assert {t for t, _ in catalogue} == tables
    for table, n_rows in catalogue:
        assert _rows(db, f'SELECT count(*) FROM "{table}"')[0][0] == n_rows, table
    return _rows(db, "SELECT id, status, error, owner, pid FROM jobs ORDER BY id")


def _worker_gone(db: Path, n_before: int) -> None:
    """Wait (up to a minute) until the worker of the newest job has exited."""
    rows = _rows(db, f"SELECT pid, pid_created FROM jobs WHERE id > {n_before} AND owner = 'worker'")
    if not rows:
        return
    [(pid, created)] = rows
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            proc = psutil.Process(pid)
            if abs(proc.create_time() - created) > 1 or proc.status() == psutil.STATUS_ZOMBIE:
                return
        except psutil.Error:
            return
        time.sleep(0.05)
    raise AssertionError(f"the worker {pid} outlived its command by a minute")


def _stopped_line(sig: int) -> str:
    return {signal.SIGTERM: "error: Stopped by SIGTERM; nothing was saved.",
            signal.SIGINT: "error: Interrupted (Ctrl-C); nothing was saved."}[sig]


@pytest.fixture()
def penguins_db(tmp_path: Path) -> tuple[Path, int]:
    db = tmp_path / "mdg.db"
    info = ingest_file(DatasetStore(db), ROOT / "data" / "penguins.csv", name="penguins")
    return db, info.id


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT], ids=["kill-9", "SIGTERM", "SIGINT"])
def test_generate_stopped_at_random_points_leaves_no_job_active(penguins_db: tuple[Path, int], sig: int) -> None:
    db, dataset_id = penguins_db
    rng = random.Random(f"{SEED}-generate-{sig}")
    stopped = 0
    for attempt, stage in enumerate([0.0, rng.choice([0.02, 0.85, 0.96])]):
        n_before = _rows(db, "SELECT count(*) FROM jobs")[0][0]
        datasets_before = _rows(db, "SELECT count(*) FROM datasets")
        proc = _cli(db, "generate", str(dataset_id), "--generator", "copy_rows", "--rows", "100000", "--no-model")
        assert _handles_stops(proc)
        # the first attempt stops it while loading, the second at a random later stage: fitting,
        # sampling or saving (progress 0.96 and on); that one may finish first
        _progress_reached(db, proc, n_before, stage)
        time.sleep(rng.uniform(0.0, 0.3))
        if proc.poll() is None:
            proc.send_signal(sig)
        out, err = proc.communicate(timeout=120)
        _worker_gone(db, n_before)  # the worker stops with its command, even one killed by -9
        jobs_after = _after_next_open(db)
        assert len(jobs_after) == n_before + 1, err
        job_id, status, error, owner, pid = jobs_after[-1]
        assert owner == "worker" or (owner, pid) == ("command", proc.pid)  # fitting runs in a worker process
        if proc.returncode == 0 or status == "done":  # the job finished; a signal may still land during exit
            assert status == "done", (attempt, error)
            assert _rows(db, f"SELECT result IS NOT NULL FROM jobs WHERE id = {job_id}")[0][0] == 1
            continue
        stopped += 1
        if sig == signal.SIGKILL:
            assert proc.returncode == -signal.SIGKILL
            assert status == "failed"
            # said by the worker when it noticed, or by the reaper when the command died before a worker began
            assert error.startswith(f"The command that ran this job (pid {proc.pid}) stopped"), error
            assert "nothing was saved. Run it again." in error
        else:
            assert proc.returncode == 2, err
            assert err.strip().splitlines()[-1] == _stopped_line(sig)
            reason = "Stopped by SIGTERM" if sig == signal.SIGTERM else "Interrupted (Ctrl-C)"
            assert (status, error) == ("failed" if sig == signal.SIGTERM else "cancelled",
                                       f"{reason}; nothing was saved.")
        assert _rows(db, "SELECT count(*) FROM datasets") == datasets_before  # no split, no output
    assert stopped >= 1  # loading takes seconds: the first attempt is always stopped mid-run


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT], ids=["kill-9", "SIGTERM", "SIGINT"])
def test_ingest_stopped_at_random_points_stores_all_or_nothing(tmp_path: Path, sig: int) -> None:
    rng = np.random.default_rng(7)
    n = 300_000
    csv = tmp_path / "big.csv"
    pd.DataFrame({"id": np.arange(n), "x": rng.normal(size=n), "c": rng.choice(["red", "green", "blue"], n),
                  "when": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 10**6, n), "s")}
                 ).to_csv(csv, index=False)
    db = tmp_path / "mdg.db"
    DatasetStore(db)
    pick = random.Random(f"{SEED}-ingest-{sig}")
    for _ in range(3):
        proc = _cli(db, "ingest", str(csv), "--name", "big")
        assert _handles_stops(proc)
        time.sleep(pick.uniform(0.0, 3.0))  # from loading the code through parsing to the insert
        if proc.poll() is None:
            proc.send_signal(sig)
        _, err = proc.communicate(timeout=120)
        _after_next_open(db)
        assert proc.returncode in (0, 2, -signal.SIGKILL), err
        if proc.returncode == 2:
            assert err.strip().splitlines()[-1] == _stopped_line(sig)
        stored = _rows(db, "SELECT n_rows FROM datasets WHERE name = 'big'")
        assert all(r == (n,) for r in stored)  # each attempt stored the whole file or nothing
        assert len(stored) <= 3


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_mock_stopped_while_its_worker_runs_stops_the_worker_too(tmp_path: Path, sig: int) -> None:
    db = tmp_path / "mdg.db"
    DatasetStore(db)
    examples = ROOT / "data" / "mock_examples.json"
    proc = _cli(db, "mock", str(examples), "--count", "50", env={"MDG_LLM_THREADS": "1"})
    deadline = time.monotonic() + 60
    while not _rows(db, "SELECT pid FROM jobs WHERE owner = 'worker'"):
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.01)
    [(worker_pid,)] = _rows(db, "SELECT pid FROM jobs")
    time.sleep(random.Random(f"{SEED}-mock-{sig}").uniform(0.0, 1.0))
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert err.strip().splitlines()[-1] == _stopped_line(sig)
    assert not psutil.pid_exists(worker_pid) or psutil.Process(worker_pid).status() == psutil.STATUS_ZOMBIE
    [(_, status, error, _, _)] = _after_next_open(db)
    reason = "Stopped by SIGTERM" if sig == signal.SIGTERM else "Interrupted (Ctrl-C)"
    assert (status, error) == ("failed" if sig == signal.SIGTERM else "cancelled", f"{reason}; nothing was saved.")
    assert _rows(db, "SELECT count(*) FROM datasets") == [(0,)]


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT], ids=["kill-9", "SIGTERM", "SIGINT"])
def test_report_stopped_at_random_points_stores_no_report_and_leaves_no_job_active(
        penguins_db: tuple[Path, int], sig: int) -> None:
    db, real_id = penguins_db
    store = DatasetStore(db)
    synth_id = jobs.run_inline(store, "generate", {"dataset_id": real_id, "generator": "copy_rows", "seed": 1,
                                                  "n_rows": 300, "keep_model": False})["output_dataset_id"]
    rng = random.Random(f"{SEED}-report-{sig}")
    for stage in (0.0, rng.uniform(0.05, 0.9)):
        n_before = _rows(db, "SELECT count(*) FROM jobs")[0][0]
        reports_before = _rows(db, "SELECT count(*) FROM artifacts WHERE kind = 'report'")[0][0]
        proc = _cli(db, "report", "quality", str(real_id), str(synth_id))
        assert _handles_stops(proc)
        _progress_reached(db, proc, n_before, stage)  # loading the code, then a random section
        time.sleep(rng.uniform(0.0, 0.3))
        if proc.poll() is None:
            proc.send_signal(sig)
        _, err = proc.communicate(timeout=300)
        jobs_after = _after_next_open(db)
        reports = _rows(db, "SELECT count(*) FROM artifacts WHERE kind = 'report'")[0][0]
        if proc.returncode == 0:
            assert jobs_after[-1][1] == "done" and reports == reports_before + 1
            continue
        assert reports == reports_before  # a stopped report stores nothing
        if len(jobs_after) == n_before:  # stopped before its job was recorded
            assert proc.returncode != 0
            continue
        _, status, error, owner, pid = jobs_after[-1]
        assert (owner, pid) == ("command", proc.pid)
        if sig == signal.SIGKILL:
            assert proc.returncode == -signal.SIGKILL
            assert (status, error) == ("failed", f"The command that ran this job (pid {proc.pid}) stopped (killed or "
                                                 "crashed) before it finished; nothing was saved. Run it again.")
        elif status != "done":  # a signal during exit leaves a finished report done
            assert proc.returncode == 2, err
            assert err.strip().splitlines()[-1] == _stopped_line(sig)
            reason = "Stopped by SIGTERM" if sig == signal.SIGTERM else "Interrupted (Ctrl-C)"
            assert (status, error) == ("failed" if sig == signal.SIGTERM else "cancelled",
                                       f"{reason} before it finished; nothing was saved.")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT], ids=["kill-9", "SIGTERM", "SIGINT"])
def test_delete_stopped_at_random_points_deletes_all_or_nothing(penguins_db: tuple[Path, int], sig: int) -> None:
    db, real_id = penguins_db
    store = DatasetStore(db)
    jobs.run_inline(store, "generate", {"dataset_id": real_id, "generator": "copy_rows", "seed": 1, "n_rows": 300,
                                        "keep_model": False})
    family = {real_id, *(d.id for d in store.descendants(real_id))}
    assert len(family) == 4  # the real data, its train and holdout splits, the synthetic output
    pick = random.Random(f"{SEED}-delete-{sig}")
    for _ in range(3):
        proc = _cli(db, "delete", str(real_id), "--cascade")
        assert _handles_stops(proc)
        time.sleep(pick.uniform(0.0, 2.0))  # loading the code, opening the store, the delete itself
        if proc.poll() is None:
            proc.send_signal(sig)
        out, err = proc.communicate(timeout=120)
        _after_next_open(db)
        assert proc.returncode in (0, 2, -signal.SIGKILL), err
        left = {i for (i,) in _rows(db, "SELECT id FROM datasets")}
        assert left in (family, set()), left  # the whole family or none of it
        if proc.returncode == 0:
            assert set(json.loads(out)["deleted"]) == family and left == set()
            return
        if proc.returncode == 2:
            assert err.strip().splitlines()[-1] == _stopped_line(sig)
            assert left == family  # "nothing was saved": nothing was deleted
