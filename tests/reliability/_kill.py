"""Helpers to stop CLI commands at random points and check what the next open finds.

Shared by the kill tests (``test_jobs_kill.py``) and the page tests (``test_jobs_pages.py``); the
random points come from ``MDG_RELIABILITY_SEED`` so a failure can be replayed.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil

from mdg_core import jobs
from mdg_core.store import DatasetStore

ROOT = Path(__file__).resolve().parents[2]
SEED = int(os.environ.get("MDG_RELIABILITY_SEED", "20240611"))
STOP_REASONS: dict[int, str] = {signal.SIGTERM: "Stopped by SIGTERM", signal.SIGINT: "Interrupted (Ctrl-C)"}


def cli(db: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """``python -m mdg_core --db DB --quiet ARGS`` started in the background."""
    return subprocess.Popen([sys.executable, "-m", "mdg_core", "--db", str(db), "--quiet", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ, **(env or {})))


def rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    """A read-only query that never takes a lock the command under test may need."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=60)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def handles_stops(proc: subprocess.Popen[str]) -> bool:
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


def progress_reached(db: Path, proc: subprocess.Popen[str], n_before: int, fraction: float) -> None:
    """Wait until this command's job exists and has reported ``fraction`` (or the command ended)."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        found = rows(db, f"SELECT progress FROM jobs WHERE id > {n_before}")
        if found and found[0][0] >= fraction:
            return
        time.sleep(0.01)


def stop(proc: subprocess.Popen[str], sig: int, timeout: float = 300) -> tuple[str, str]:
    """Send ``sig`` unless the command already ended; its stdout and stderr once it has."""
    if proc.poll() is None:
        proc.send_signal(sig)
    return proc.communicate(timeout=timeout)


def consistent(db: Path) -> None:
    """The file is whole and the catalogue matches the tables: every dataset's table, with its rows."""
    assert rows(db, "PRAGMA integrity_check") == [("ok",)]
    catalogue = rows(db, "SELECT table_name, n_rows FROM datasets")
    tables = {t for (t,) in rows(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'ds_%'")}
    assert {t for t, _ in catalogue} == tables
    for table, n_rows in catalogue:
        assert rows(db, f'SELECT count(*) FROM "{table}"')[0][0] == n_rows, table


def after_next_open(db: Path) -> list[tuple[Any, ...]]:
    """Open the database as the CLI does next, then check it is whole; returns the jobs."""
    jobs.reap(DatasetStore(db))
    consistent(db)
    assert rows(db, "SELECT id, status FROM jobs WHERE status IN ('queued', 'running')") == []
    return rows(db, "SELECT id, status, error, owner, pid FROM jobs ORDER BY id")


def process_gone(pid: int, created: float | None, within_s: float = 60) -> None:
    """Wait until the process that started at ``created`` has exited (a zombie counts as gone)."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            proc = psutil.Process(pid)
            if (created is not None and abs(proc.create_time() - created) > 1) or proc.status() == psutil.STATUS_ZOMBIE:
                return
        except psutil.Error:
            return
        time.sleep(0.05)
    raise AssertionError(f"the process {pid} still runs after {within_s:.0f} s")


def worker_gone(db: Path, n_before: int) -> None:
    """Wait (up to a minute) until the worker of the newest job has exited."""
    found = rows(db, f"SELECT pid, pid_created FROM jobs WHERE id > {n_before} AND owner = 'worker'")
    if found:
        [(pid, created)] = found
        process_gone(int(pid), float(created) if created is not None else None)


def stopped_line(sig: int) -> str:
    """The CLI's last line when a stop came before anything was saved."""
    return f"error: {STOP_REASONS[sig]}; nothing was saved."


def saved_line(sig: int, change: str) -> str:
    """The CLI's last line when a stop came after its change was committed."""
    return f"error: {STOP_REASONS[sig]} after the change was saved: {change}."


def last_line(err: str) -> str:
    return err.strip().splitlines()[-1]


def shown(texts: list[str]) -> list[str]:
    """Page text as the analyst reads it (the pages escape Markdown in data)."""
    return [re.sub(r"\\(.)", r"\1", t) for t in texts]
