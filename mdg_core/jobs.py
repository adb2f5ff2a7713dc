"""Background jobs: long work runs in its own worker process, tracked in the ``jobs`` table.

A worker process (``python -m mdg_core.jobs DB JOB_ID``) keeps the Streamlit page responsive,
survives a browser refresh, gives honest peak-memory figures, and can always be cancelled: the
job function sees the request at its next ``ctx.progress`` call, and a worker stuck inside a
library call is killed after a grace period. Because every store write is one transaction, a
killed worker leaves no half-written dataset.

Register a job with one line in ``JOB_FUNCTIONS``: ``"kind": "module:function"``. The function
has the signature ``fn(ctx: JobContext, **params) -> dict`` and returns a JSON-able result.
"""

from __future__ import annotations

import importlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import psutil
from sqlalchemy import insert, select, update

from mdg_core.config import PROJECT_ROOT
from mdg_core.errors import CancelledError, JobError, MdgError, UnknownJobKindError
from mdg_core.store import DatasetStore
from mdg_core.store import schema
from mdg_core.store.catalog import now_iso

log = logging.getLogger(__name__)

JOB_FUNCTIONS: dict[str, str] = {
    "ingest": "mdg_core.ingest.job:run",
    "mock": "mdg_core.llm.mock:run_job",
    "generate": "mdg_core.generators.run:generate",
    "sample_model": "mdg_core.generators.run:sample_model",
    "compare_generators": "mdg_core.generators.run:compare",
    "report": "mdg_core.reports.job:run",
    "profile_report": "mdg_core.profiling.report_job:run",
}

ACTIVE = ("queued", "running")
PROGRESS_INTERVAL_S = 0.5
CANCEL_GRACE_S = 5.0
_workers: dict[int, subprocess.Popen[bytes]] = {}


@dataclass(frozen=True)
class JobInfo:
    id: int
    kind: str
    title: str
    params: dict[str, Any]
    status: str
    created_at: str
    started_at: str | None
    finished_at: str | None
    progress: float
    message: str | None
    eta_seconds: float | None
    cancel_requested: bool
    pid: int | None
    result: dict[str, Any] | None
    error: str | None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    @property
    def elapsed_seconds(self) -> float:
        if not self.started_at:
            return 0.0
        end = _parse(self.finished_at) if self.finished_at else datetime.now(timezone.utc)
        return max(0.0, (end - _parse(self.started_at)).total_seconds())


def _parse(ts: str) -> datetime:
    return datetime.fromisoformat(ts)


def _resolve(kind: str) -> Callable[..., dict[str, Any]]:
    target = JOB_FUNCTIONS.get(kind)
    if target is None:
        valid = ", ".join(sorted(JOB_FUNCTIONS))
        raise UnknownJobKindError(f"Unknown job kind '{kind}'. Valid kinds: {valid}.")
    module, _, func = target.partition(":")
    return getattr(importlib.import_module(module), func)


class JobContext:
    """What a job function gets: the store, and a throttled progress call that honours cancel."""

    def __init__(self, store: DatasetStore, job_id: int | None, on_progress: Callable[[float, str], None] | None = None):
        self.store = store
        self.job_id = job_id
        self._on_progress = on_progress
        self._last_write = 0.0
        self._started = time.monotonic()

    def cancelled(self) -> bool:
        if self.job_id is None:
            return False
        with self.store.read() as conn:
            flag = conn.execute(
                select(schema.jobs.c.cancel_requested).where(schema.jobs.c.id == self.job_id)
            ).scalar()
        return bool(flag)

    def progress(self, done: float, total: float, message: str = "", eta_seconds: float | None = None) -> None:
        """Report ``done`` of ``total``; raises CancelledError when the analyst cancelled."""
        fraction = 0.0 if total <= 0 else min(1.0, max(0.0, done / total))
        if self._on_progress:
            self._on_progress(fraction, message)
        now = time.monotonic()
        if now - self._last_write < PROGRESS_INTERVAL_S and fraction < 1.0:
            return  # the database (and the cancel check) is touched at most twice a second
        self._last_write = now
        if eta_seconds is None and fraction > 0.01:
            elapsed = now - self._started
            eta_seconds = elapsed * (1 - fraction) / fraction
        if self.job_id is not None:
            if not self.store.in_write():
                with self.store.write() as conn:
                    conn.execute(
                        update(schema.jobs).where(schema.jobs.c.id == self.job_id)
                        .values(progress=fraction, message=message, eta_seconds=eta_seconds)
                    )
            if self.cancelled():
                raise CancelledError("Cancelled by the analyst; nothing was saved.")


def _insert(store: DatasetStore, kind: str, params: dict[str, Any], title: str, status: str) -> int:
    _resolve(kind)
    with store.write() as conn:
        return int(
            conn.execute(
                insert(schema.jobs).values(
                    kind=kind, title=title, params=params, status=status, created_at=now_iso(),
                    started_at=now_iso() if status == "running" else None, progress=0.0,
                    cancel_requested=0,
                )
            ).inserted_primary_key[0]
        )


def _finish(store: DatasetStore, job_id: int, status: str, result: dict[str, Any] | None = None,
            error: str | None = None) -> None:
    values: dict[str, Any] = dict(status=status, finished_at=now_iso(), result=result, error=error)
    if status == "done":
        values["progress"] = 1.0
        values["eta_seconds"] = 0.0
    with store.write() as conn:
        conn.execute(update(schema.jobs).where(schema.jobs.c.id == job_id).values(**values))


def submit(store: DatasetStore, kind: str, params: dict[str, Any], title: str) -> int:
    """Start a job in a worker process; returns its id at once."""
    job_id = _insert(store, kind, params, title, "queued")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    log_dir = store.db_path.parent / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    with open(log_dir / f"job-{job_id}.log", "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "mdg_core.jobs", str(store.db_path), str(job_id)],
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
            cwd=str(PROJECT_ROOT), start_new_session=True,
        )
    _workers[job_id] = proc
    with store.write() as conn:
        conn.execute(update(schema.jobs).where(schema.jobs.c.id == job_id).values(pid=proc.pid))
    return job_id


def _execute(ctx: JobContext, kind: str, params: dict[str, Any]) -> dict[str, Any]:
    result = _resolve(kind)(ctx, **params)
    return result if isinstance(result, dict) else {"value": result}


def run_inline(store: DatasetStore, kind: str, params: dict[str, Any], title: str | None = None,
               on_progress: Callable[[float, str], None] | None = None) -> dict[str, Any]:
    """Run a job in this process (CLI, tests); recorded like a background job. Raises on failure."""
    job_id = _insert(store, kind, params, title or kind, "running")
    ctx = JobContext(store, job_id, on_progress)
    try:
        result = _execute(ctx, kind, params)
    except CancelledError as exc:
        _finish(store, job_id, "cancelled", error=str(exc))
        raise
    except MdgError as exc:
        _finish(store, job_id, "failed", error=str(exc))
        raise
    except Exception as exc:
        _finish(store, job_id, "failed", error=f"Unexpected error: {type(exc).__name__}: {exc}")
        raise JobError(f"{title or kind} failed unexpectedly: {type(exc).__name__}: {exc}") from exc
    _finish(store, job_id, "done", result=result)
    return result


def worker_main(db_path: str, job_id: int) -> int:
    """Entry point of a worker process."""
    store = DatasetStore(db_path)
    info = get(store, job_id, check_alive=False)
    with store.write() as conn:
        conn.execute(
            update(schema.jobs).where(schema.jobs.c.id == job_id)
            .values(status="running", started_at=now_iso(), pid=os.getpid())
        )
    ctx = JobContext(store, job_id)
    try:
        if ctx.cancelled():
            raise CancelledError("Cancelled before it started; nothing was saved.")
        result = _execute(ctx, info.kind, info.params)
    except CancelledError as exc:
        _finish(store, job_id, "cancelled", error=str(exc))
        return 1
    except MdgError as exc:
        _finish(store, job_id, "failed", error=str(exc))
        return 1
    except BaseException as exc:  # the worker must always record why it stopped
        traceback.print_exc()
        _finish(store, job_id, "failed", error=f"Unexpected error: {type(exc).__name__}: {exc}")
        return 1
    _finish(store, job_id, "done", result=result)
    return 0


def _row_to_info(row: Any) -> JobInfo:
    return JobInfo(
        id=row["id"], kind=row["kind"], title=row["title"], params=row["params"] or {},
        status=row["status"], created_at=row["created_at"], started_at=row["started_at"],
        finished_at=row["finished_at"], progress=row["progress"] or 0.0, message=row["message"],
        eta_seconds=row["eta_seconds"], cancel_requested=bool(row["cancel_requested"]),
        pid=row["pid"], result=row["result"], error=row["error"],
    )


def _alive(job_id: int, pid: int | None) -> bool:
    proc = _workers.get(job_id)
    if proc is not None:
        return proc.poll() is None
    if pid is None:
        return True
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def get(store: DatasetStore, job_id: int, check_alive: bool = True) -> JobInfo:
    """A job's state; a worker that died without a word is marked failed here."""
    with store.read() as conn:
        row = conn.execute(select(schema.jobs).where(schema.jobs.c.id == job_id)).mappings().first()
    if row is None:
        raise JobError(f"No job has id {job_id}.")
    info = _row_to_info(row)
    if check_alive and info.status == "running" and not _alive(job_id, info.pid):
        status = "cancelled" if info.cancel_requested else "failed"
        error = "Cancelled; nothing was saved." if info.cancel_requested else (
            "The worker process stopped unexpectedly (out of memory or killed); nothing was saved."
        )
        _finish(store, job_id, status, error=error)
        return get(store, job_id, check_alive=False)
    return info


def list_jobs(store: DatasetStore, kinds: list[str] | None = None, active_only: bool = False,
              limit: int = 50) -> list[JobInfo]:
    query = select(schema.jobs.c.id).order_by(schema.jobs.c.id.desc()).limit(limit)
    if kinds:
        query = query.where(schema.jobs.c.kind.in_(kinds))
    if active_only:
        query = query.where(schema.jobs.c.status.in_(ACTIVE))
    with store.read() as conn:
        ids = conn.execute(query).scalars().all()
    return [get(store, i) for i in ids]


def cancel(store: DatasetStore, job_id: int, grace_s: float = CANCEL_GRACE_S) -> None:
    """Ask a job to stop; a worker that does not stop within ``grace_s`` seconds is killed."""
    with store.write() as conn:
        conn.execute(update(schema.jobs).where(schema.jobs.c.id == job_id).values(cancel_requested=1))
    info = get(store, job_id)
    if info.status == "queued" and info.pid is None:
        _finish(store, job_id, "cancelled", error="Cancelled before it started.")
        return
    if info.pid is None or info.status not in ACTIVE:
        return

    def _enforce() -> None:
        deadline = time.monotonic() + grace_s
        while time.monotonic() < deadline:
            if not _alive(job_id, info.pid):
                return
            time.sleep(0.2)
        try:
            os.killpg(info.pid, signal.SIGKILL)  # type: ignore[arg-type]
        except (ProcessLookupError, PermissionError):
            return
        proc = _workers.get(job_id)
        if proc is not None:
            proc.wait(timeout=10)
        get(store, job_id)

    threading.Thread(target=_enforce, daemon=True).start()


def wait(store: DatasetStore, job_id: int, timeout_s: float = 600.0, poll_s: float = 0.2) -> JobInfo:
    """Block until a job ends (tests and scripts)."""
    deadline = time.monotonic() + timeout_s
    while True:
        info = get(store, job_id)
        if not info.active:
            return info
        if time.monotonic() > deadline:
            raise JobError(f"Job {job_id} did not finish within {timeout_s:.0f} s.")
        time.sleep(poll_s)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    sys.exit(worker_main(sys.argv[1], int(sys.argv[2])))
