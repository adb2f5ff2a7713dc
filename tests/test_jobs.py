"""Background jobs: real worker processes, progress, cancel, and nothing half-saved."""

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
import psutil
import pytest
from sqlalchemy import insert

from mdg_core import jobs
from mdg_core.errors import IngestError, JobError
from mdg_core.ingest import ingest_file
from mdg_core.store import DatasetStore, schema

ROOT = Path(__file__).resolve().parents[1]


def _csv(path: Path, rows: int) -> Path:
    rng = np.random.default_rng(1)
    pd.DataFrame({"a": rng.integers(0, 9, rows), "b": rng.normal(size=rows),
                  "c": rng.choice(["x", "y"], rows)}).to_csv(path, index=False)
    return path


def test_an_ingest_job_runs_in_a_worker_and_reports_its_result(store: DatasetStore, tmp_path: Path) -> None:
    job_id = jobs.submit(store, "ingest", {"path": str(_csv(tmp_path / "a.csv", 5000)), "name": "bg"}, "Ingest")
    info = jobs.wait(store, job_id, timeout_s=120)
    assert info.status == "done", info.error
    assert info.progress == 1.0 and info.pid is not None
    dataset = store.get(info.result["dataset_id"])
    assert dataset.name == "bg" and dataset.n_rows == 5000


def test_a_failing_job_records_the_analyst_readable_reason(store: DatasetStore, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1\n")
    info = jobs.wait(store, jobs.submit(store, "ingest", {"path": str(bad)}, "Ingest bad"), timeout_s=120)
    with pytest.raises(IngestError) as refused:  # the reason ingest gives (its wording: tests/ingest)
        ingest_file(store, bad)
    assert info.status == "failed" and info.error == str(refused.value)
    assert "2 fields" in (info.error or "")
    assert store.list() == []


def test_cancelling_a_running_job_leaves_no_dataset(store: DatasetStore, tmp_path: Path) -> None:
    path = _csv(tmp_path / "big.csv", 1_500_000)
    job_id = jobs.submit(store, "ingest", {"path": str(path)}, "Ingest big")
    deadline = time.monotonic() + 60
    while jobs.get(store, job_id).status != "running":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    jobs.cancel(store, job_id, grace_s=2.0)
    info = jobs.wait(store, job_id, timeout_s=60)
    assert info.status == "cancelled"
    assert store.list() == []


def test_inline_runs_are_recorded_like_background_ones(store: DatasetStore, tmp_path: Path) -> None:
    seen: list[float] = []
    result = jobs.run_inline(store, "ingest", {"path": str(_csv(tmp_path / "s.csv", 100))},
                             on_progress=lambda f, m: seen.append(f))
    assert store.get(result["dataset_id"]).n_rows == 100
    assert seen and seen[-1] == 1.0
    assert jobs.list_jobs(store)[0].status == "done"


# --- every job has an owner whose death is noticed ---------------------------------------------------
def _raw_job(store: DatasetStore, **values: object) -> int:
    """A job row as some process left it (a killed command, a worker that never started)."""
    row = dict(kind="ingest", title="Ingest", params={}, status="running", created_at="2024-01-01T00:00:00+00:00",
               started_at="2024-01-01T00:00:00+00:00", progress=0.3, cancel_requested=0)
    row.update(values)
    with store.write() as conn:
        return int(conn.execute(insert(schema.jobs).values(**row)).inserted_primary_key[0])


def _dead_pid() -> tuple[int, float]:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    created = psutil.Process(proc.pid).create_time()
    proc.wait()
    return proc.pid, created


def test_a_job_whose_command_was_killed_is_marked_failed_with_the_reason(store: DatasetStore) -> None:
    pid, created = _dead_pid()
    job_id = _raw_job(store, owner="command", pid=pid, pid_created=created)
    assert jobs.reap(store) == [job_id]
    info = jobs.get(store, job_id)
    assert info.status == "failed" and not info.active
    assert f"The command that ran this job (pid {pid}) stopped" in (info.error or "")
    assert jobs.list_jobs(store, active_only=True) == []


def test_a_reused_pid_is_not_the_owner(store: DatasetStore) -> None:
    me = psutil.Process()
    job_id = _raw_job(store, owner="command", pid=me.pid, pid_created=me.create_time() - 3600)
    assert jobs.get(store, job_id).status == "failed"
    alive = _raw_job(store, owner="command", pid=me.pid, pid_created=me.create_time())
    assert jobs.get(store, alive).status == "running"


def test_a_job_without_a_recorded_owner_is_not_taken_for_alive(store: DatasetStore) -> None:
    job_id = _raw_job(store, pid=None)
    info = jobs.get(store, job_id)
    assert info.status == "failed" and "older version" in (info.error or "")


def test_a_queued_job_whose_worker_died_is_not_left_queued(store: DatasetStore) -> None:
    pid, created = _dead_pid()
    job_id = _raw_job(store, status="queued", started_at=None, owner="worker", pid=pid, pid_created=created)
    cancelled = _raw_job(store, status="running", owner="worker", pid=pid, pid_created=created, cancel_requested=1)
    assert sorted(jobs.reap(store)) == [job_id, cancelled]
    assert jobs.get(store, job_id).status == "failed"
    assert "stopped without recording why" in (jobs.get(store, job_id).error or "")
    assert jobs.get(store, cancelled).status == "cancelled"


def test_a_job_whose_owner_died_after_it_saved_its_output_is_done_with_that_result(store: DatasetStore) -> None:
    pid, created = _dead_pid()
    saved = {"dataset_id": 7, "saved": "dataset #7 'x'"}
    by_command = _raw_job(store, owner="command", pid=pid, pid_created=created, result=saved)
    cancelled_late = _raw_job(store, owner="worker", pid=pid, pid_created=created, result=saved, cancel_requested=1)
    assert sorted(jobs.reap(store)) == [by_command, cancelled_late]
    for job_id, who in ((by_command, "The command that ran this job"), (cancelled_late, "The worker")):
        info = jobs.get(store, job_id)
        assert (info.status, info.result, info.progress) == ("done", saved, 1.0)
        assert info.error == info.stopped_after_saving == (
            f"{who} (pid {pid}) stopped after its output was saved; the output is whole and kept.")
    unsaved = _raw_job(store, owner="command", pid=pid, pid_created=created)
    assert jobs.get(store, unsaved).stopped_after_saving is None  # failed: nothing was saved


def test_a_result_is_saved_only_inside_the_transaction_that_stores_the_output(store: DatasetStore) -> None:
    job_id = jobs._insert(store, "ingest", {"path": "x.csv"}, "Ingest", "running", "command")
    ctx = jobs.JobContext(store, job_id)
    with pytest.raises(JobError, match="inside the transaction"):
        ctx.saved({"dataset_id": 1}, "dataset #1")
    assert jobs.get(store, job_id).result is None
    with store.transaction():
        assert ctx.saved({"dataset_id": 1}, "dataset #1 'a'") == {"dataset_id": 1, "saved": "dataset #1 'a'"}
        assert jobs.get(store, job_id, check_alive=False).result == {"dataset_id": 1, "saved": "dataset #1 'a'"}
    try:
        with store.transaction():
            ctx.saved({"dataset_id": 2}, "dataset #2 'b'")
            raise RuntimeError("the output failed to store")
    except RuntimeError:
        pass
    assert jobs.get(store, job_id, check_alive=False).result == {"dataset_id": 1, "saved": "dataset #1 'a'"}
    with store.transaction():  # a job run with no job id records nothing
        assert jobs.JobContext(store, None).saved({"n": 1}, "n")["saved"] == "n"


def test_a_progress_update_is_skipped_not_waited_for_while_another_program_writes(store: DatasetStore) -> None:
    job_id = jobs._insert(store, "ingest", {"path": "x.csv"}, "Ingest", "running", "command")
    ctx = jobs.JobContext(store, job_id)
    holder = sqlite3.connect(store.db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # a long ingest in another process holds the write lock
    try:
        started = time.monotonic()
        ctx.progress(0.25, "step one")  # neither raises nor waits for the busy timeout
        assert time.monotonic() - started < 5
    finally:
        holder.execute("COMMIT")
        holder.close()
    ctx.progress(1.0, "done")  # the lock is free again: this update lands
    info = jobs.get(store, job_id)
    assert info.message == "done" and info.progress == 1.0


def test_a_worker_that_finds_the_database_locked_does_not_leave_its_job_queued(store: DatasetStore) -> None:
    job_id = jobs._insert(store, "ingest", {"path": "x.csv"}, "Ingest", "queued", "worker")
    log_path = jobs.job_log_path(store, jobs.get(store, job_id, check_alive=False))
    log_path.parent.mkdir(parents=True, exist_ok=True)
    holder = sqlite3.connect(store.db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    try:
        code = ("import functools, sys; from mdg_core import jobs; "  # a lock held past the (shortened) wait
                "jobs.DatasetStore = functools.partial(jobs.DatasetStore, busy_timeout_s=1); "
                f"sys.exit(jobs.worker_main({str(store.db_path)!r}, {job_id}))")
        with open(log_path, "ab") as out:
            proc = subprocess.Popen([sys.executable, "-c", code], stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        # the row names the worker as its owner, as submit() does (written through the lock holder)
        holder.execute("UPDATE jobs SET pid = ?, pid_created = ? WHERE id = ?",
                       (proc.pid, psutil.Process(proc.pid).create_time(), job_id))
        assert proc.wait(timeout=60) == 2
    finally:
        holder.execute("COMMIT")
        holder.close()
    info = jobs.get(store, job_id)
    assert info.status == "failed"
    assert (info.error or "").startswith("The worker could not start: The database is busy")


def test_a_native_crash_in_a_worker_is_named_and_changes_nothing(store: DatasetStore, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(jobs.TEST_CRASH_ENV, "segv:ingest")
    job_id = jobs.submit(store, "ingest", {"path": str(_csv(tmp_path / "a.csv", 50))}, "Ingest")
    info = jobs.wait(store, job_id, timeout_s=120)
    assert info.status == "failed" and info.exit_code == -signal.SIGSEGV
    assert info.error.startswith("The worker crashed in native code (segmentation fault) in mdg_core.jobs")
    assert "Fatal Python error: Segmentation fault" in jobs.job_log_path(store, info).read_text()
    assert store.list() == []


def test_a_crash_of_the_language_model_says_what_to_do(store: DatasetStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(jobs.TEST_CRASH_ENV, "segv:mock")
    job_id = jobs.submit(store, "mock", {"examples": [{"a": 1}], "count": 2}, "Mock")
    info = jobs.wait(store, job_id, timeout_s=120)
    assert info.error == ("The local language model crashed (segmentation fault in llama.cpp) on this CPU — run "
                          "`python -m mdg_core doctor` or Settings → Test the model.")


def test_a_crash_is_named_from_the_log_by_a_process_that_did_not_start_the_worker(
        store: DatasetStore, tmp_path: Path) -> None:
    job_id = jobs._insert(store, "ingest", {"path": str(_csv(tmp_path / "a.csv", 50))}, "Ingest", "queued", "worker")
    log_path = jobs.job_log_path(store, jobs.get(store, job_id, check_alive=False))
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as out:
        rc = subprocess.run([sys.executable, "-m", "mdg_core.jobs", str(store.db_path), str(job_id)],
                            stdout=out, stderr=subprocess.STDOUT, cwd=ROOT, timeout=120,
                            env=dict(os.environ, **{jobs.TEST_CRASH_ENV: "abrt:ingest"})).returncode
    assert rc == -signal.SIGABRT
    info = jobs.get(store, job_id)  # this process never saw the exit status: the log names it
    assert info.status == "failed" and "(abort) in mdg_core.jobs" in (info.error or "")


def test_a_worker_killed_from_outside_is_told_from_one_that_ran_out_of_memory(
        store: DatasetStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = str(_csv(tmp_path / "a.csv", 50))
    monkeypatch.setenv(jobs.TEST_CRASH_ENV, "kill:ingest")
    killed = jobs.wait(store, jobs.submit(store, "ingest", {"path": path}, "Ingest"), timeout_s=120)
    assert killed.exit_code == -signal.SIGKILL
    assert killed.error == "The worker was stopped by a signal (SIGKILL) — killed from outside; nothing was saved."
    job_id = jobs.submit(store, "ingest", {"path": path}, "Ingest")
    monkeypatch.setattr(jobs, "_memory_limit", lambda: 1_000_000)  # a machine whose memory the worker filled
    info = jobs.wait(store, job_id, timeout_s=120)
    assert info.error.startswith("The worker ran out of memory (it used about ")
    assert store.list() == []


@pytest.mark.parametrize(("sig", "status", "reason"), [(signal.SIGTERM, "failed", "Stopped by SIGTERM"),
                                                       (signal.SIGINT, "cancelled", "Interrupted (Ctrl-C)")])
def test_an_inline_run_records_a_stop_signal_and_re_raises(store: DatasetStore, tmp_path: Path, sig: int,
                                                           status: str, reason: str) -> None:
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt):
        jobs.run_inline(store, "ingest", {"path": str(_csv(tmp_path / "s.csv", 100))},
                        on_progress=lambda f, m: os.kill(os.getpid(), sig))
    info = jobs.list_jobs(store)[0]
    assert info.status == status and info.error == f"{reason} before it finished; nothing was saved."
    assert store.list() == []
    assert signal.getsignal(signal.SIGTERM) is before


def test_logs_are_kept_per_database_and_per_run(tmp_path: Path) -> None:
    a, b = DatasetStore(tmp_path / "a.db"), DatasetStore(tmp_path / "b.db")
    path = str(_csv(tmp_path / "s.csv", 20))
    for s in (a, b):
        assert jobs.wait(s, jobs.submit(s, "ingest", {"path": path}, "Ingest"), timeout_s=120).status == "done"
    logs_a = list((tmp_path / "a.db-logs").glob("job-1-*.log"))
    logs_b = list((tmp_path / "b.db-logs").glob("job-1-*.log"))
    assert len(logs_a) == 1 and len(logs_b) == 1 and logs_a[0] != logs_b[0]


def test_unexpected_cli_errors_go_to_a_new_log_each_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    from mdg_core.cli import data, main

    def broken(args: object, store: DatasetStore) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(data, "cmd_list", broken)
    logs = []
    for _ in range(2):
        assert main(["--db", str(tmp_path / "x.db"), "list"]) == 2
        line = capsys.readouterr().err.strip().splitlines()[-1]
        assert line.startswith("error: unexpected RuntimeError: boom (details: ")
        logs.append(Path(line.split("details: ")[1].rstrip(")")))
    assert logs[0] != logs[1] and all(p.parent == tmp_path / "x.db-logs" and p.exists() for p in logs)


def test_a_database_from_an_older_version_gains_the_owner_columns(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE jobs (id INTEGER PRIMARY KEY, kind VARCHAR(48) NOT NULL, title TEXT NOT NULL, "
                 "params JSON NOT NULL, status VARCHAR(16) NOT NULL, created_at TEXT NOT NULL, started_at TEXT, "
                 "finished_at TEXT, progress FLOAT NOT NULL, message TEXT, eta_seconds FLOAT, "
                 "cancel_requested INTEGER NOT NULL, pid INTEGER, result JSON, error TEXT)")
    conn.execute("INSERT INTO jobs (kind, title, params, status, created_at, progress, cancel_requested) "
                 "VALUES ('ingest', 'Old', '{}', 'running', '2024-01-01T00:00:00+00:00', 0.5, 0)")
    conn.commit()
    conn.close()
    store = DatasetStore(db)
    [info] = jobs.list_jobs(store)
    assert info.title == "Old" and info.status == "failed"  # no owner was kept: not taken for alive


def test_a_crash_report_names_the_library_and_the_step(store: DatasetStore) -> None:
    pid, created = _dead_pid()
    job_id = _raw_job(store, owner="worker", pid=pid, pid_created=created, message="Reading rows 3/10")
    log_path = jobs.job_log_path(store, jobs.get(store, job_id, check_alive=False))
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_path.write_text(  # what faulthandler writes when a library crashes under the worker's main thread
        "Fatal Python error: Bus error\n\n"
        "Thread 0x00007f2 (most recent call first):\n"
        '  File "/v/lib/python3.11/site-packages/tqdm/_monitor.py", line 60 in run\n\n'
        "Current thread 0x00007f1 (most recent call first):\n"
        '  File "/usr/lib/python3.11/threading.py", line 320 in wait\n'
        '  File "/v/lib/python3.11/site-packages/pyarrow/csv.py", line 12 in read_next_batch\n'
        '  File "/w/mdg_core/ingest/reader.py", line 40 in _batches\n\n'
        "Extension modules: numpy.core._multiarray_umath\n")
    info = jobs.get(store, job_id)
    assert info.error == ("The worker crashed in native code (bus error) in pyarrow (step: Reading rows 3/10); "
                          f"nothing was saved. Details: {log_path}")


def test_remaining_time_is_only_what_the_job_measured(store: DatasetStore) -> None:
    """A step counter says nothing about time left (a 2 % 'preparing' step once promised 26 min)."""
    job_id = jobs._insert(store, "ingest", {"path": "x.csv"}, "Ingest", "running", "command")
    ctx = jobs.JobContext(store, job_id)
    time.sleep(0.6)
    ctx.progress(0.02, "Preparing")
    assert jobs.get(store, job_id).eta_seconds is None
    time.sleep(0.6)
    ctx.progress(0.2, "Epoch 10/50", eta_seconds=12.0)
    assert jobs.get(store, job_id).eta_seconds == 12.0
