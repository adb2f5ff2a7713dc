"""Kill, terminate and interrupt CLI commands at random points: no job is left running or queued
after the next open, the database stays whole, and what the job record and the CLI say is true."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import pytest

from mdg_core.store import DatasetStore
from tests.reliability._kill import (
    ROOT,
    SEED,
    STOP_REASONS,
    after_next_open,
    cli,
    handles_stops,
    last_line,
    process_gone,
    progress_reached,
    rows,
    saved_line,
    stopped_line,
    worker_gone,
)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT], ids=["kill-9", "SIGTERM", "SIGINT"])
def test_generate_stopped_at_random_points_leaves_no_job_active(penguins_db: tuple[Path, int], sig: int) -> None:
    db, dataset_id = penguins_db
    rng = random.Random(f"{SEED}-generate-{sig}")
    stopped = 0
    for attempt, stage in enumerate([0.0, rng.choice([0.02, 0.85, 0.96])]):
        n_before = rows(db, "SELECT count(*) FROM jobs")[0][0]
        datasets_before = rows(db, "SELECT count(*) FROM datasets")
        proc = cli(db, "generate", str(dataset_id), "--generator", "copy_rows", "--rows", "100000", "--no-model")
        assert handles_stops(proc)
        # the first attempt stops it while loading, the second at a random later stage: fitting,
        # sampling or saving (progress 0.96 and on); that one may finish first
        progress_reached(db, proc, n_before, stage)
        time.sleep(rng.uniform(0.0, 0.3))
        if proc.poll() is None:
            proc.send_signal(sig)
        out, err = proc.communicate(timeout=120)
        worker_gone(db, n_before)  # the worker stops with its command, even one killed by -9
        jobs_after = after_next_open(db)
        assert len(jobs_after) == n_before + 1, err
        job_id, status, error, owner, pid = jobs_after[-1]
        assert owner == "worker" or (owner, pid) == ("command", proc.pid)  # fitting runs in a worker process
        if proc.returncode == 0 or status == "done":  # the job finished; a signal may still land during exit
            assert status == "done", (attempt, error)
            assert rows(db, f"SELECT result IS NOT NULL FROM jobs WHERE id = {job_id}")[0][0] == 1
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
            assert err.strip().splitlines()[-1] == stopped_line(sig)
            reason = "Stopped by SIGTERM" if sig == signal.SIGTERM else "Interrupted (Ctrl-C)"
            assert (status, error) == ("failed" if sig == signal.SIGTERM else "cancelled",
                                       f"{reason}; nothing was saved.")
        assert rows(db, "SELECT count(*) FROM datasets") == datasets_before  # no split, no output
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
        stored_before = {i for (i,) in rows(db, "SELECT id FROM datasets")}
        proc = cli(db, "ingest", str(csv), "--name", "big")
        assert handles_stops(proc)
        time.sleep(pick.uniform(0.0, 3.0))  # from loading the code through parsing to the insert
        if proc.poll() is None:
            proc.send_signal(sig)
        _, err = proc.communicate(timeout=120)
        after_next_open(db)
        assert proc.returncode in (0, 2, -signal.SIGKILL), err
        new = sorted({i for (i,) in rows(db, "SELECT id FROM datasets")} - stored_before)
        if proc.returncode == 2:  # the line says whether this attempt stored the file
            assert last_line(err) == (saved_line(sig, f"dataset #{new[0]} 'big' was stored") if new
                                      else stopped_line(sig))
        stored = rows(db, "SELECT n_rows FROM datasets WHERE name = 'big'")
        assert all(r == (n,) for r in stored)  # each attempt stored the whole file or nothing
        assert len(stored) <= 3


def _mock_with_worker(db: Path, stage: str) -> tuple[subprocess.Popen[str], int, float]:
    """Start ``mock --count 50 --save m`` and wait for its worker, then for ``stage``: "starting" (the
    model is loading) or "writing" (the model has written its first rows); the worker's pid and start time."""
    proc = cli(db, "mock", str(ROOT / "data" / "mock_examples.json"), "--count", "50", "--save", "m",
               env={"MDG_LLM_THREADS": "1"})
    deadline = time.monotonic() + 120
    while not rows(db, "SELECT pid FROM jobs WHERE owner = 'worker'") or (
            stage == "writing" and not rows(db, "SELECT id FROM jobs WHERE message LIKE '%rows written%'")):
        assert time.monotonic() < deadline and proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        time.sleep(0.01)
    [(worker_pid, created)] = rows(db, "SELECT pid, pid_created FROM jobs")
    return proc, int(worker_pid), float(created)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_mock_stopped_while_its_worker_runs_stops_the_worker_too(tmp_path: Path, sig: int) -> None:
    db = tmp_path / "mdg.db"
    DatasetStore(db)
    proc, worker_pid, _ = _mock_with_worker(db, "starting")
    time.sleep(random.Random(f"{SEED}-mock-{sig}").uniform(0.0, 1.0))
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert last_line(err) == stopped_line(sig)
    assert not psutil.pid_exists(worker_pid) or psutil.Process(worker_pid).status() == psutil.STATUS_ZOMBIE
    [(_, status, error, _, _)] = after_next_open(db)
    assert (status, error) == ("failed" if sig == signal.SIGTERM else "cancelled",
                               f"{STOP_REASONS[sig]}; nothing was saved.")
    assert rows(db, "SELECT count(*) FROM datasets") == [(0,)]


@pytest.mark.parametrize("killed", ["command", "worker"])
def test_mock_killed_by_kill_9_leaves_no_worker_no_active_job_and_no_dataset(tmp_path: Path, killed: str) -> None:
    """kill -9 of the command: its worker notices (parent-death signal), stops and says why; kill -9 of
    the worker: the command notices, says why in one line and exits 2. Nothing is saved either way."""
    db = tmp_path / "mdg.db"
    DatasetStore(db)
    rng = random.Random(f"{SEED}-mock-kill-9-{killed}")
    proc, worker_pid, created = _mock_with_worker(db, rng.choice(["starting", "writing"]))
    time.sleep(rng.uniform(0.0, 1.0))
    os.kill(proc.pid if killed == "command" else worker_pid, signal.SIGKILL)
    out, err = proc.communicate(timeout=120)
    process_gone(worker_pid, created)  # the worker never outlives its command
    [(_, status, error, owner, _)] = after_next_open(db)
    [(exit_code,)] = rows(db, "SELECT exit_code FROM jobs")
    if killed == "command":
        assert (proc.returncode, out) == (-signal.SIGKILL, "")
        assert (status, owner, error) == ("failed", "worker", f"The command that ran this job (pid {proc.pid}) "
                                                              "stopped before it finished; nothing was saved. Run it again.")
    else:
        reason = "The worker was stopped by a signal (SIGKILL) — killed from outside; nothing was saved."
        assert (proc.returncode, out, last_line(err)) == (2, "", f"error: {reason}")
        assert (status, owner, error, exit_code) == ("failed", "worker", reason, -signal.SIGKILL)
    assert rows(db, "SELECT count(*) FROM datasets") == [(0,)]  # no mock dataset, whole or partial


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT], ids=["kill-9", "SIGTERM", "SIGINT"])
def test_report_stopped_at_random_points_stores_no_report_and_leaves_no_job_active(
        penguins_run: tuple[Path, int, int], sig: int) -> None:
    db, real_id, synth_id = penguins_run
    rng = random.Random(f"{SEED}-report-{sig}")
    for stage in (0.0, rng.uniform(0.05, 0.9)):
        n_before = rows(db, "SELECT count(*) FROM jobs")[0][0]
        reports_before = rows(db, "SELECT count(*) FROM artifacts WHERE kind = 'report'")[0][0]
        proc = cli(db, "report", "quality", str(real_id), str(synth_id))
        assert handles_stops(proc)
        progress_reached(db, proc, n_before, stage)  # loading the code, then a random section
        time.sleep(rng.uniform(0.0, 0.3))
        if proc.poll() is None:
            proc.send_signal(sig)
        _, err = proc.communicate(timeout=300)
        jobs_after = after_next_open(db)
        reports = rows(db, "SELECT count(*) FROM artifacts WHERE kind = 'report'")[0][0]
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
            assert err.strip().splitlines()[-1] == stopped_line(sig)
            reason = "Stopped by SIGTERM" if sig == signal.SIGTERM else "Interrupted (Ctrl-C)"
            assert (status, error) == ("failed" if sig == signal.SIGTERM else "cancelled",
                                       f"{reason} before it finished; nothing was saved.")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT], ids=["kill-9", "SIGTERM", "SIGINT"])
def test_delete_stopped_at_random_points_deletes_all_or_nothing(penguins_run: tuple[Path, int, int],
                                                                 sig: int) -> None:
    db, real_id, _ = penguins_run
    names = dict(rows(db, "SELECT id, name FROM datasets"))
    family = set(names)
    assert len(family) == 4  # the real data, its train and holdout splits, the synthetic output
    pick = random.Random(f"{SEED}-delete-{sig}")
    for _ in range(3):
        proc = cli(db, "delete", str(real_id), "--cascade")
        assert handles_stops(proc)
        time.sleep(pick.uniform(0.0, 2.0))  # loading the code, opening the store, the delete itself
        if proc.poll() is None:
            proc.send_signal(sig)
        out, err = proc.communicate(timeout=120)
        after_next_open(db)
        assert proc.returncode in (0, 2, -signal.SIGKILL), err
        left = {i for (i,) in rows(db, "SELECT id FROM datasets")}
        assert left in (family, set()), left  # the whole family or none of it
        if proc.returncode == 0:
            assert set(json.loads(out)["deleted"]) == family and left == set()
            return
        if proc.returncode == 2:  # the line says whether the delete was committed before the stop
            assert sig != signal.SIGKILL, f"the delete failed by itself before the kill landed: {err}"
            listed = ", ".join(f"#{i} '{names[i]}'" for i in sorted(family))
            assert last_line(err) == (stopped_line(sig) if left else saved_line(sig, f"datasets {listed} were deleted")), err
        if not left:  # the delete committed before the stop (a kill -9 says nothing): there is nothing left to delete
            return
