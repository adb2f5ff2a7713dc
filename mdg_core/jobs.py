"""Background jobs: long work runs in its own worker process, tracked in the ``jobs`` table.

A worker process (``python -m mdg_core.jobs DB JOB_ID``) keeps the Streamlit page responsive,
survives a browser refresh, gives honest peak-memory figures, and can always be cancelled: the
job function sees the request at its next ``ctx.progress(fraction, message)`` call, and a worker stuck inside a
library call is killed after a grace period. Because every store write is one transaction, a
killed worker leaves no half-written dataset.

Every job has an owner whose death is noticed: the row records the owner's pid *and* its process
start time (a pid reused by another program is not the owner). The owner is the app until a worker
takes the job, then the worker, or the CLI command that runs it in-process. Whoever reads a job
whose owner is gone (``get``, ``list_jobs``, ``reap``; the CLI reaps on every start) marks it
failed with the reason: a native crash named by its signal, out of memory only when the worker was
SIGKILLed near the memory limit, otherwise a kill from outside. No job stays "running" or "queued"
after its owner died, so the pages that show it are freed.

A job's result is written in the transaction that stores its output (``JobContext.saved``): a job
stopped after that commit, by anything, ends "done" with that result and a note of what stopped it,
never "nothing was saved".

Register a job with one line in ``JOB_FUNCTIONS``: ``"kind": "module:function"``. The function
has the signature ``fn(ctx: JobContext, **params) -> dict`` and returns a JSON-able result.
"""

from __future__ import annotations

import faulthandler
import importlib
import logging
import os
import re
import resource
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import insert, select, update

from mdg_core.config import PROJECT_ROOT
from mdg_core.crashes import NATIVE_CRASH_SIGNALS as CRASH_SIGNALS, describe_exit
from mdg_core.errors import CancelledError, DatabaseBusyError, JobError, MdgError, UnknownJobKindError
from mdg_core.interrupts import (
    StopSignal,
    defer_stops,
    signal_name,
    stop_reason,
    stop_signal,
    stop_signals,
    stopped_by_analyst,
)
from mdg_core.progress import Progress
from mdg_core.store import DatasetStore, schema
from mdg_core.store.catalog import new_id, now_iso

log = logging.getLogger(__name__)

JOB_FUNCTIONS: dict[str, str] = {
    "ingest": "mdg_core.ingest.job:run",
    "mock": "mdg_core.llm.mock:run_job",
    "generate": "mdg_core.generators.run:generate",
    "sample_model": "mdg_core.generators.run:sample_model",
    "compare_generators": "mdg_core.generators.run:compare",
    "honest_scores": "mdg_core.reports.baselines:run",
    "report": "mdg_core.reports.job:run",
    "profile_report": "mdg_core.profiling.report_job:run",
}

ACTIVE = ("queued", "running")
PROGRESS_INTERVAL_S = 0.5
PROGRESS_WAIT_S = 0.05  # how long a progress update waits for another writer before it is skipped
CANCEL_GRACE_S = 5.0
OWNER_APP, OWNER_WORKER, OWNER_COMMAND = "app", "worker", "command"
PID_TIME_TOLERANCE_S = 1.0  # process start times are kept in clock ticks; one tick is 10 ms
OOM_SHARE = 0.5  # a SIGKILLed worker that held this share of the memory limit ran out of memory
TEST_CRASH_ENV = "MDG_TEST_CRASH"  # "segv:mock": the worker of a mock job kills itself with SIGSEGV
COMMAND_ENV = "MDG_JOB_COMMAND_PID"  # set for a worker that a CLI command waits for: the command's pid
_PR_SET_PDEATHSIG = 1  # Linux prctl option: a signal this process gets when its parent dies
PARENT_GONE_WAIT_S = 2.0  # how long a worker stopped by SIGTERM waits to see whether its command died
LLM_GENERATOR = "llm_table"

# the first line faulthandler writes to the job log for each crash signal
_FAULTHANDLER_NAMES: dict[str, int] = {
    "Segmentation fault": signal.SIGSEGV,
    "Aborted": signal.SIGABRT,
    "Illegal instruction": signal.SIGILL,
    "Bus error": signal.SIGBUS,
    "Floating point exception": signal.SIGFPE,
}
_TEST_SIGNALS: dict[str, int] = {"segv": signal.SIGSEGV, "abrt": signal.SIGABRT, "ill": signal.SIGILL,
                                 "bus": signal.SIGBUS, "kill": signal.SIGKILL}

# workers this process started: pid -> (process, start time), so their exit status is known
_workers: dict[int, tuple[subprocess.Popen[bytes], float | None]] = {}
_peak_seen: dict[tuple[int, float | None], int] = {}  # RSS this process saw its workers use


@dataclass(frozen=True)
class JobInfo:
    """A job's record. ``error`` says why it failed or was cancelled; on a "done" job it is set only
    when the job was stopped after its output was saved, and says what stopped it."""

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
    owner: str | None = None
    pid_created: float | None = None
    peak_rss: int | None = None
    exit_code: int | None = None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    @property
    def stopped_after_saving(self) -> str | None:
        """What stopped a job after its output was saved (the output is whole); None otherwise."""
        return self.error if self.status == "done" else None

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


# --- logs ------------------------------------------------------------------------------------------
def log_dir(store: DatasetStore) -> Path:
    """Logs of one database: ``<db file name>-logs/`` beside it, so two databases never share one."""
    return store.db_path.parent / f"{store.db_path.name}-logs"


def job_log_path(store: DatasetStore, info: JobInfo) -> Path:
    """One log per run: the job id and its creation time (ids restart when a database is recreated)."""
    stamp = re.sub(r"[^0-9T]", "", info.created_at.split("+")[0])
    return log_dir(store) / f"job-{info.id}-{stamp}.log"


def run_log_path(store: DatasetStore | None, what: str) -> Path:
    """A fresh file for one command's crash details (never overwrites an earlier run's)."""
    folder = log_dir(store) if store is not None else Path.home() / ".cache" / "mdg"
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%f")
    return folder / f"{what}-{stamp}-{os.getpid()}.log"


# --- owners ----------------------------------------------------------------------------------------
def _start_time(pid: int) -> float | None:
    try:
        return psutil.Process(pid).create_time()
    except psutil.Error:
        return None


def _peak_rss_self() -> int:
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024  # Linux reports KiB


def _same_process(pid: int, created: float | None) -> psutil.Process | None:
    """The process with this pid if it is still the one that started at ``created``."""
    try:
        proc = psutil.Process(pid)
        if created is not None and abs(proc.create_time() - created) > PID_TIME_TOLERANCE_S:
            return None  # the pid was reused by another program
        return proc
    except psutil.Error:
        return None


def _collect_child(pid: int) -> int | None:
    """Exit status of a dead child of this process (negative: the signal), else None."""
    try:
        done, status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return None
    if done == 0:
        return None
    return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


def _owner_state(info: JobInfo) -> tuple[bool, int | None]:
    """Is the owner alive? If dead, its exit status when this process can know it."""
    started = _workers.get(info.pid) if info.pid is not None else None
    if started is not None and (info.pid_created is None or started[1] is None
                                or abs(started[1] - info.pid_created) <= PID_TIME_TOLERANCE_S):
        code = started[0].poll()
        if code is not None:
            return False, code
        _sample_rss(info)
        return True, None
    if info.pid is None:
        return False, None  # recorded by an older version that kept no owner
    proc = _same_process(info.pid, info.pid_created)
    if proc is None:
        return False, None
    try:
        if proc.status() == psutil.STATUS_ZOMBIE:
            return False, _collect_child(info.pid)
    except psutil.Error:
        return False, None
    _sample_rss(info)
    return True, None


def _sample_rss(info: JobInfo) -> None:
    if info.owner != OWNER_WORKER or info.pid is None:
        return
    try:
        rss = psutil.Process(info.pid).memory_info().rss
    except psutil.Error:
        return
    key = (info.pid, info.pid_created)
    _peak_seen[key] = max(rss, _peak_seen.get(key, 0))


def _memory_limit() -> int:
    """Bytes this machine (or its container's cgroup) lets processes use."""
    limit = int(psutil.virtual_memory().total)
    try:
        raw = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if raw != "max":
            limit = min(limit, int(raw))
    except (OSError, ValueError):
        pass
    return limit


def _gb(n: float) -> str:
    return f"{n / 1e9:.1f} GB"


def _uses_llm(kind: str, params: dict[str, Any]) -> bool:
    """Jobs that run llama.cpp: a native crash there has a known cause and a known check."""
    return kind == "mock" or params.get("generator") == LLM_GENERATOR or LLM_GENERATOR in (
        params.get("generators") or [])


def _read_tail(path: Path, limit: int = 65536) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(max(0, f.seek(0, os.SEEK_END) - limit))
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _crash_from_log(text: str) -> tuple[int | None, str | None]:
    """The crash signal, and the library of the innermost frame of the crashing thread, that
    faulthandler wrote to a job log (None, None when the log has no crash report)."""
    reports = list(re.finditer(r"Fatal Python error: ([A-Za-z ]+)", text))
    if not reports:
        return None, None
    match = reports[-1]
    sig = _FAULTHANDLER_NAMES.get(match.group(1).strip())
    report = text[match.end():]
    header = report.find("Current thread")
    header = header if header >= 0 else report.find("(most recent call first)")
    for line in report[max(header, 0):].splitlines()[1:]:
        frame = re.match(r'\s+File "([^"]+)"', line)
        if frame is None:
            if line.strip():
                continue
            break  # the end of this thread's stack
        path = frame.group(1).replace("\\", "/")
        if "/site-packages/" in path:
            return sig, path.split("/site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
        if "/mdg_core/" in path:
            return sig, "mdg_core." + path.rsplit("/mdg_core/", 1)[1].removesuffix(".py").replace("/", ".")
    return sig, None


def _last_error_line(text: str) -> str | None:
    lines = [ln.strip() for ln in text.splitlines() if ln.startswith("error: ")]
    return lines[-1].removeprefix("error: ") if lines else None


def _crash_message(info: JobInfo, sig: int, where: str | None, log_path: Path) -> str:
    what = CRASH_SIGNALS.get(sig, signal_name(sig))
    if _uses_llm(info.kind, info.params):
        return describe_exit(-sig, llm=True)
    step = f" (step: {info.message})" if info.message else ""
    return (f"The worker crashed in native code ({what}) in {where or 'a native library'}{step}; "
            f"nothing was saved. Details: {log_path}")


def _after_saving(what_stopped: str) -> str:
    """The note of a job whose output was committed and that was then stopped before it ended."""
    return f"{what_stopped} after its output was saved; the output is whole and kept."


def _owner_stopped(info: JobInfo, code: int | None) -> str:
    """Who stopped, and how, for a job whose owner died after the job saved its output."""
    who = "The command that ran this job" if info.owner == OWNER_COMMAND else "The worker"
    how = f" by a signal ({signal_name(-code)})" if code is not None and code < 0 else (
        f" with code {code}" if code is not None else "")
    return f"{who} (pid {info.pid}) stopped{how}"


def _death_reason(store: DatasetStore, info: JobInfo, code: int | None) -> tuple[str, str]:
    """Status and analyst-readable reason for a job whose owner is gone (before it saved anything:
    one that did ends "done", see ``_finish``)."""
    if info.cancel_requested:
        return "cancelled", "Cancelled; nothing was saved."
    if info.pid is None:
        return "failed", ("This job was started by an older version that kept no owner, and it is no longer "
                          "running; nothing was saved. Start it again.")
    if info.owner == OWNER_COMMAND:
        how = f"by a signal ({signal_name(-code)})" if code is not None and code < 0 else "(killed or crashed)"
        return "failed", (f"The command that ran this job (pid {info.pid}) stopped {how} before it finished; "
                          "nothing was saved. Run it again.")
    if info.owner == OWNER_APP:
        return "failed", "The app stopped before a worker took this job; nothing was saved. Start it again."
    log_path = job_log_path(store, info)
    text = _read_tail(log_path)
    logged_sig, where = _crash_from_log(text)
    sig = -code if code is not None and code < 0 else logged_sig
    if sig is not None and sig in CRASH_SIGNALS:
        return "failed", _crash_message(info, sig, where, log_path)
    peak = max(info.peak_rss or 0, _peak_seen.get((info.pid, info.pid_created), 0))
    limit = _memory_limit()
    near_limit = peak >= OOM_SHARE * limit
    if near_limit and (sig == signal.SIGKILL or (sig is None and code is None)):
        likely = "" if sig == signal.SIGKILL else "probably "
        return "failed", (f"The worker {likely}ran out of memory (it used about {_gb(peak)} of {_gb(limit)}) "
                          "and the system stopped it; nothing was saved. Try fewer rows or columns, or a "
                          "lighter generator.")
    if sig is not None:
        return "failed", (f"The worker was stopped by a signal ({signal_name(sig)}) — killed from outside; "
                          "nothing was saved.")
    reason = _last_error_line(text)
    if reason:
        return "failed", f"{reason} (log: {log_path})"
    if code is not None:
        return "failed", (f"The worker exited with code {code} without recording an outcome. "
                          f"Details: {log_path}")
    return "failed", (f"The worker (pid {info.pid}) stopped without recording why: killed from outside, "
                      "or the machine restarted; nothing was saved.")


def _kill_worker(info: JobInfo) -> None:
    """SIGKILL a job's worker and its children, only if it still is that worker."""
    if info.owner != OWNER_WORKER or info.pid is None:
        return
    proc = _same_process(info.pid, info.pid_created)
    if proc is None:
        return
    try:
        if not any("mdg_core.jobs" in part for part in proc.cmdline()):
            return
        os.killpg(info.pid, signal.SIGKILL)  # the worker leads its own session
    except (psutil.Error, ProcessLookupError, PermissionError):
        return
    started = _workers.get(info.pid)
    try:
        if started is not None:
            started[0].wait(timeout=10)
        else:
            proc.wait(timeout=10)
    except (subprocess.TimeoutExpired, psutil.Error):
        pass


# --- progress --------------------------------------------------------------------------------------
class JobContext:
    """What a job function gets: the store, and a throttled progress call that honours cancel."""

    def __init__(self, store: DatasetStore, job_id: int | None, on_progress: Progress | None = None):
        self.store = store
        self.job_id = job_id
        self._on_progress = on_progress
        self._last_write = 0.0
        self._started = time.monotonic()

    def saved(self, result: dict[str, Any], what: str) -> dict[str, Any]:
        """Record the job's result inside the transaction that stores its output; returns the result
        with ``saved``: ``what`` (e.g. "synthetic dataset #12 'x' with its run #3").

        Why: a job stopped after that commit (a kill -9, a signal, a late cancel) still ends "done"
        with this result, and says what was stored, instead of "nothing was saved". Call it inside
        the ``store.transaction()`` that writes the output, after its last write."""
        if not self.store.in_write():
            raise JobError("JobContext.saved must be called inside the transaction that stores the output.")
        result = {**result, "saved": what}
        if self.job_id is not None:
            with self.store.write() as conn:
                conn.execute(update(schema.jobs).where(schema.jobs.c.id == self.job_id).values(result=result))
        return result

    def cancelled(self) -> bool:
        if self.job_id is None:
            return False
        with self.store.read() as conn:
            flag = conn.execute(
                select(schema.jobs.c.cancel_requested).where(schema.jobs.c.id == self.job_id)
            ).scalar()
        return bool(flag)

    def progress(self, fraction: float, message: str = "", /, eta_seconds: float | None = None) -> None:
        """A ``Progress`` (``mdg_core.progress``): report ``fraction`` (0–1) of the job; raises
        CancelledError when the analyst cancelled.

        ``eta_seconds`` is shown as remaining time only when the caller measured it (epochs, rows,
        columns done so far); nothing is extrapolated from the overall fraction, which for most jobs
        is a step counter whose steps take very different times."""
        fraction = min(1.0, max(0.0, float(fraction)))
        if self._on_progress:
            self._on_progress(fraction, message)
        now = time.monotonic()
        if now - self._last_write < PROGRESS_INTERVAL_S and fraction < 1.0:
            return  # the database (and the cancel check) is touched at most twice a second
        self._last_write = now
        if self.job_id is not None:
            if not self.store.in_write():
                try:  # a progress update may be skipped, never waited for: another writer holds the lock
                    with self.store.transaction(wait_s=PROGRESS_WAIT_S) as conn:
                        conn.execute(
                            update(schema.jobs).where(schema.jobs.c.id == self.job_id)
                            .values(progress=fraction, message=message, eta_seconds=eta_seconds,
                                    peak_rss=_peak_rss_self())
                        )
                except DatabaseBusyError:
                    self._last_write = 0.0  # try again at the next update
            if self.cancelled():
                raise CancelledError("Cancelled by the analyst; nothing was saved.")


# --- records ---------------------------------------------------------------------------------------
def _insert(store: DatasetStore, kind: str, params: dict[str, Any], title: str, status: str, owner: str) -> int:
    _resolve(kind)
    me = os.getpid()
    with store.write() as conn:
        return new_id(
            conn.execute(
                insert(schema.jobs).values(
                    kind=kind, title=title, params=params, status=status, created_at=now_iso(),
                    started_at=now_iso() if status == "running" else None, progress=0.0,
                    cancel_requested=0, owner=owner, pid=me, pid_created=_start_time(me),
                )
            )
        )


def _finish(store: DatasetStore, job_id: int, status: str, result: dict[str, Any] | None = None,
            error: str | None = None, exit_code: int | None = None, after_saving: str | None = None) -> bool:
    """Record a job's outcome unless it already has one; True if this call recorded it.

    A job whose output was committed (``JobContext.saved``) ends "done" with its saved result
    whatever ended it after that: ``error`` is then ``after_saving`` (what stopped it), by default
    the error it ended with."""
    with store.write() as conn:
        row = conn.execute(
            select(schema.jobs.c.status, schema.jobs.c.result).where(schema.jobs.c.id == job_id)
        ).first()
        if row is None or row.status not in ACTIVE:
            return False
        if status != "done" and row.result is not None:
            error = after_saving or _after_saving(f"It ended with an error ({error})")
            status, result = "done", row.result
        values: dict[str, Any] = dict(status=status, finished_at=now_iso(), result=result, error=error)
        if status == "done":
            values["progress"] = 1.0
            values["eta_seconds"] = 0.0
        if exit_code is not None:
            values["exit_code"] = exit_code
        conn.execute(update(schema.jobs).where(schema.jobs.c.id == job_id).values(**values))
    return True


def submit(store: DatasetStore, kind: str, params: dict[str, Any], title: str, *, for_command: bool = False) -> int:
    """Start a job in a worker process; returns its id at once.

    ``for_command``: the caller is a CLI command that waits for the worker; the worker then stops
    (and says why) when the command dies, even by kill -9, instead of running on unobserved."""
    job_id = _insert(store, kind, params, title, "queued", OWNER_COMMAND if for_command else OWNER_APP)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    env.pop(COMMAND_ENV, None)
    if for_command:
        env[COMMAND_ENV] = str(os.getpid())
    path = job_log_path(store, get(store, job_id, check_alive=False))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "ab") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "mdg_core.jobs", str(store.db_path), str(job_id)],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                cwd=str(PROJECT_ROOT), start_new_session=True,
            )
    except OSError as exc:
        _finish(store, job_id, "failed", error=f"Could not start a worker process: {exc.strerror or exc}.")
        raise JobError(f"{title}: could not start a worker process: {exc.strerror or exc}.") from None
    created = _start_time(proc.pid)
    _workers[proc.pid] = (proc, created)
    with store.write() as conn:  # the worker is the owner from now on, even before it has started
        conn.execute(
            update(schema.jobs).where(schema.jobs.c.id == job_id, schema.jobs.c.owner.in_((OWNER_APP, OWNER_COMMAND)))
            .values(pid=proc.pid, pid_created=created, owner=OWNER_WORKER)
        )
    return job_id


def _test_crash(kind: str) -> None:
    """Test hook: ``MDG_TEST_CRASH=segv:<kind>`` makes a job of that kind die of that signal."""
    name, _, target = os.environ.get(TEST_CRASH_ENV, "").partition(":")
    if target == kind and name in _TEST_SIGNALS:
        os.kill(os.getpid(), _TEST_SIGNALS[name])
        time.sleep(5)  # the signal is delivered before this returns


class StoppedAfterSaving(StopSignal):
    """A stop that came after the job had saved its output: the command says what was stored."""

    def __init__(self, reason: str, saved: str) -> None:
        super().__init__(reason)
        self.saved = saved


LATE_CANCEL = _after_saving("The cancel came")


def _saved_result(store: DatasetStore, job_id: int) -> dict[str, Any] | None:
    """The result of a job that ended "done" (it had saved its output before what stopped it)."""
    info = get(store, job_id, check_alive=False)
    if info.status != "done":
        return None
    if info.stopped_after_saving:
        log.warning(info.stopped_after_saving)
    return info.result or {}


def _raise_if_saved(store: DatasetStore, job_id: int) -> None:
    """A stopped command whose job had saved its output says so (``StoppedAfterSaving``)."""
    saved = _saved_result(store, job_id)
    if saved is not None:
        raise StoppedAfterSaving(stop_reason(), str(saved.get("saved") or "its output")) from None


def _execute(ctx: JobContext, kind: str, params: dict[str, Any]) -> dict[str, Any]:
    _test_crash(kind)
    result = _resolve(kind)(ctx, **params)
    return result if isinstance(result, dict) else {"value": result}


def run_inline(store: DatasetStore, kind: str, params: dict[str, Any], title: str | None = None,
               on_progress: Progress | None = None) -> dict[str, Any]:
    """Run a job in this process (CLI, tests); recorded like a background job. Raises on failure.

    Ctrl-C, SIGTERM and SIGHUP record the job as stopped and re-raise ``KeyboardInterrupt``.
    """
    with stop_signals():
        job_id = _insert(store, kind, params, title or kind, "running", OWNER_COMMAND)
        ctx = JobContext(store, job_id, on_progress)
        # a job that had saved its output before it was stopped or failed ended "done" (``_finish``)
        try:
            result = _execute(ctx, kind, params)
        except KeyboardInterrupt:
            with defer_stops():
                _finish(store, job_id, ("cancelled" if stopped_by_analyst() else "failed"),
                        error=f"{stop_reason()} before it finished; nothing was saved.",
                        after_saving=_after_saving(stop_reason()))
                _raise_if_saved(store, job_id)
            raise
        except CancelledError as exc:
            _finish(store, job_id, "cancelled", error=str(exc), after_saving=LATE_CANCEL)
            if (saved := _saved_result(store, job_id)) is None:
                raise
            return saved
        except MdgError as exc:
            _finish(store, job_id, "failed", error=str(exc))
            if (saved := _saved_result(store, job_id)) is None:
                raise
            return saved
        except Exception as exc:
            _finish(store, job_id, "failed", error=f"Unexpected error: {type(exc).__name__}: {exc}")
            if (saved := _saved_result(store, job_id)) is None:
                raise JobError(f"{title or kind} failed unexpectedly: {type(exc).__name__}: {exc}") from exc
            return saved
        with defer_stops():  # the work is saved: record it whole, then return at once
            _finish(store, job_id, "done", result=result)
        return result


def run_in_worker(store: DatasetStore, kind: str, params: dict[str, Any], title: str | None = None,
                  on_progress: Progress | None = None) -> dict[str, Any]:
    """Run a job in a worker process and wait for it (CLI): a native crash there cannot kill the caller.

    Raises ``JobError`` with the job's reason when it fails, ``CancelledError`` when it was
    cancelled; Ctrl-C or SIGTERM here stops the worker, records why and re-raises ``KeyboardInterrupt``.
    """
    with stop_signals():
        with defer_stops():  # the job and its worker start whole; a stop meanwhile is acted on below
            job_id = submit(store, kind, params, title or kind, for_command=True)
        try:
            if stop_signal() is not None:
                raise StopSignal(signal_name(stop_signal() or signal.SIGINT))
            info = wait(store, job_id, timeout_s=None, on_progress=on_progress)
        except KeyboardInterrupt:
            with defer_stops():
                _kill_worker(get(store, job_id, check_alive=False))
                _finish(store, job_id, ("cancelled" if stopped_by_analyst() else "failed"),
                        error=f"{stop_reason()}; nothing was saved.", after_saving=_after_saving(stop_reason()))
                _raise_if_saved(store, job_id)  # the worker had saved its output before it was stopped
            raise
    if info.status == "done":
        return _saved_result(store, job_id) or {}
    if info.status == "cancelled":
        raise CancelledError(info.error or "Cancelled; nothing was saved.")
    raise JobError(info.error or f"{title or kind} failed.")


def _claim(store: DatasetStore, job_id: int) -> bool:
    """The worker takes its queued job; False if it was cancelled or reaped meanwhile."""
    me = os.getpid()
    with store.write() as conn:
        done = conn.execute(
            update(schema.jobs).where(schema.jobs.c.id == job_id, schema.jobs.c.status == "queued")
            .values(status="running", started_at=now_iso(), pid=me, pid_created=_start_time(me), owner=OWNER_WORKER,
                    peak_rss=_peak_rss_self())
        )
    return bool(done.rowcount)


def _command_pid() -> int | None:
    raw = os.environ.get(COMMAND_ENV, "")
    return int(raw) if raw.isdigit() else None


def _stop_with_command(command_pid: int) -> None:
    """SIGTERM this worker when the command that waits for it dies (Linux), and at once if it
    already has: a killed command must not leave its worker running unobserved."""
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        return  # not Linux: the reaper still marks the job once the command is gone
    if os.getppid() != command_pid:
        os.kill(os.getpid(), signal.SIGTERM)


def _command_gone(command_pid: int) -> bool:
    """Has the command that waits for this worker died? The parent-death signal comes when the
    command's thread that started this worker ends; while the rest of the dying command unwinds,
    this worker still counts as its child for a moment, so a SIGTERM waits that moment out."""
    deadline = time.monotonic() + (PARENT_GONE_WAIT_S if stop_signal() == signal.SIGTERM else 0.0)
    while os.getppid() == command_pid and time.monotonic() < deadline:
        time.sleep(0.01)
    return os.getppid() != command_pid


def _stopped_reason(command_pid: int | None) -> tuple[str, str]:
    """Why a worker stopped by a signal ended: its reason when nothing was saved, and its note
    when it had saved its output."""
    if command_pid is not None and _command_gone(command_pid):
        who = f"The command that ran this job (pid {command_pid}) stopped"
        return f"{who} before it finished; nothing was saved. Run it again.", _after_saving(who)
    who = f"The worker was stopped by a signal ({signal_name(stop_signal() or signal.SIGINT)})"
    return f"{who} — killed from outside; nothing was saved.", _after_saving(who)


def worker_main(db_path: str, job_id: int) -> int:
    """Entry point of a worker process; its stdout and stderr are the job log."""
    faulthandler.enable()  # a native crash writes its Python stack into the job log
    store: DatasetStore | None = None
    command_pid = _command_pid()
    with stop_signals():
        try:
            if command_pid is not None:
                _stop_with_command(command_pid)
            store = DatasetStore(db_path)
            if not _claim(store, job_id):
                return 0
            info = get(store, job_id, check_alive=False)
        except BaseException as exc:  # e.g. "database is locked": say why, the reaper reads it
            traceback.print_exc()
            detail = str(exc) if isinstance(exc, MdgError) else f"{type(exc).__name__}: {exc}."
            reason = f"The worker could not start: {detail} Nothing was saved."
            if isinstance(exc, KeyboardInterrupt):
                reason = _stopped_reason(command_pid)[0]
            sys.stderr.write(f"error: {reason}\n")
            sys.stderr.flush()
            with defer_stops():
                try:
                    if store is None and isinstance(exc, KeyboardInterrupt):
                        store = DatasetStore(db_path)  # stopped before it opened the store: record why all the same
                    if store is not None:
                        _finish(store, job_id, "failed", error=reason)
                except BaseException:
                    pass  # the row's owner (this process) is gone in a moment: it will be reaped
            return 2
        ctx = JobContext(store, job_id)
        try:
            if ctx.cancelled():
                raise CancelledError("Cancelled before it started; nothing was saved.")
            result = _execute(ctx, info.kind, info.params)
        except KeyboardInterrupt:
            with defer_stops():
                reason, note = _stopped_reason(command_pid)
                _finish(store, job_id, "failed", error=reason, after_saving=note)
            return 1
        except CancelledError as exc:
            _finish(store, job_id, "cancelled", error=str(exc), after_saving=LATE_CANCEL)
            return 1
        except MdgError as exc:
            _finish(store, job_id, "failed", error=str(exc))
            return 1
        except BaseException as exc:  # the worker must always record why it stopped
            traceback.print_exc()
            _finish(store, job_id, "failed", error=f"Unexpected error: {type(exc).__name__}: {exc}")
            return 1
        with defer_stops():
            _finish(store, job_id, "done", result=result)
        return 0


def _row_to_info(row: Any) -> JobInfo:
    return JobInfo(
        id=row["id"], kind=row["kind"], title=row["title"], params=row["params"] or {},
        status=row["status"], created_at=row["created_at"], started_at=row["started_at"],
        finished_at=row["finished_at"], progress=row["progress"] or 0.0, message=row["message"],
        eta_seconds=row["eta_seconds"], cancel_requested=bool(row["cancel_requested"]),
        pid=row["pid"], result=row["result"], error=row["error"], owner=row["owner"],
        pid_created=row["pid_created"], peak_rss=row["peak_rss"], exit_code=row["exit_code"],
    )


def get(store: DatasetStore, job_id: int, check_alive: bool = True) -> JobInfo:
    """A job's state; a job whose owner died is marked failed (or cancelled) here, with the reason."""
    with store.read() as conn:
        row = conn.execute(select(schema.jobs).where(schema.jobs.c.id == job_id)).mappings().first()
    if row is None:
        raise JobError(f"No job has id {job_id}.")
    info = _row_to_info(row)
    if check_alive and info.active:
        alive, code = _owner_state(info)
        if not alive:
            status, error = _death_reason(store, info, code)
            _finish(store, job_id, status, error=error, exit_code=code,
                    after_saving=_after_saving(_owner_stopped(info, code)))
            return get(store, job_id, check_alive=False)
    return info


def reap(store: DatasetStore) -> list[int]:
    """Mark every active job whose owner is gone as ended; returns their ids."""
    with store.read() as conn:
        ids = conn.execute(select(schema.jobs.c.id).where(schema.jobs.c.status.in_(ACTIVE))).scalars().all()
    return [i for i in ids if not get(store, i).active]


def list_jobs(store: DatasetStore, kinds: list[str] | None = None, active_only: bool = False,
              limit: int = 50) -> list[JobInfo]:
    """Newest first. With ``active_only``, jobs that were active when asked; one reaped just now
    comes back with its outcome, so a page that recovers it shows why it ended."""
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
    if info.status == "queued":  # not started: its worker finds it taken and exits
        _finish(store, job_id, "cancelled", error="Cancelled before it started.")
        return
    if info.status not in ACTIVE or info.owner != OWNER_WORKER:
        return  # a CLI command stops at its next progress call

    def _enforce() -> None:
        deadline = time.monotonic() + grace_s
        while time.monotonic() < deadline:
            if not _owner_state(info)[0]:
                return
            time.sleep(0.2)
        _kill_worker(info)
        get(store, job_id)

    threading.Thread(target=_enforce, daemon=True).start()


def wait(store: DatasetStore, job_id: int, timeout_s: float | None = 600.0, poll_s: float = 0.2,
         on_progress: Progress | None = None) -> JobInfo:
    """Block until a job ends (CLI, tests and scripts); ``timeout_s=None`` waits as long as it runs."""
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    seen: tuple[float, str] | None = None
    while True:
        info = get(store, job_id)
        if on_progress is not None and info.status == "running" and (info.progress, info.message or "") != seen:
            seen = (info.progress, info.message or "")
            on_progress(*seen)
        if not info.active:
            return info
        if deadline is not None and time.monotonic() > deadline:
            raise JobError(f"Job {job_id} did not finish within {timeout_s:.0f} s.")
        time.sleep(poll_s)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    sys.exit(worker_main(sys.argv[1], int(sys.argv[2])))
