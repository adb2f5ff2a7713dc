"""Stop signals unwind like Ctrl-C, so that whoever was stopped still records why.

Python's default SIGTERM (and SIGHUP) ends the process on the spot: a CLI command's job would stay
"running" and its output half-written. Inside ``stop_signals()`` SIGINT, SIGTERM and SIGHUP raise
``StopSignal`` (a ``KeyboardInterrupt``) instead, ``stop_reason()`` says which one it was, and
``defer_stops()`` lets a short last step (a job record, the CLI's output) finish whole. Nothing heavy
is imported here: the CLI installs this before it loads anything else.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class _StopState:
    def __init__(self) -> None:
        self.installed = False
        self.signum: int | None = None
        self.deferring = 0
        self.exiting = False


_stop = _StopState()


def signal_name(sig: int) -> str:
    """``SIGSEGV`` for 11; unknown numbers as ``signal 99``."""
    try:
        return signal.Signals(sig).name
    except ValueError:
        return f"signal {sig}"


class StopSignal(KeyboardInterrupt):  # noqa: N818 - it is caught as the KeyboardInterrupt it is
    """A stop signal, raised where the main thread is.

    Not a plain ``KeyboardInterrupt`` on purpose: CPython notes a plain one that escapes code run
    through ``PyRun_String`` (Cython modules do that while they are imported) and, although our
    handler catches it, ends the process at exit by SIGINT (exit status -2) instead of with the
    code the command returned. The check is on the exact type, so a subclass is exempt.
    """


def _on_stop_signal(signum: int, _frame: Any) -> None:
    _stop.signum = signum
    if not _stop.deferring:  # during a last step the process ends right after it anyway
        raise StopSignal(signal_name(signum))


@contextmanager
def stop_signals() -> Iterator[None]:
    """SIGINT, SIGTERM and SIGHUP raise ``StopSignal`` in the main thread (nested: no-op).

    A signal that comes while the handlers are being installed raises from ``with`` itself, before
    the block: the caller that must always answer wraps the ``with`` in its own ``try``."""
    if _stop.installed or threading.current_thread() is not threading.main_thread():
        yield
        return
    _stop.installed, _stop.signum = True, None  # before the first handler: a stop from now on is kept
    previous: dict[int, Any] = {}
    try:
        for sig in STOP_SIGNALS:
            previous[sig] = signal.signal(sig, _on_stop_signal)
        yield
    finally:
        if not _stop.exiting:
            for old, handler in previous.items():
                signal.signal(old, handler)
            _stop.installed = False


@contextmanager
def defer_stops() -> Iterator[None]:
    """Finish a short last step whole; a stop signal that comes meanwhile is dropped."""
    _stop.deferring += 1
    try:
        yield
    finally:
        _stop.deferring -= 1


def ignore_stops_while_exiting() -> None:
    """The process has given its answer: a stop signal while Python shuts down changes nothing
    (the default handlers would turn it into a traceback or a death by signal after the fact)."""
    _stop.exiting = True
    for sig in STOP_SIGNALS:
        signal.signal(sig, signal.SIG_IGN)


def stop_signal() -> int | None:
    """The stop signal received inside ``stop_signals()``, if any."""
    return _stop.signum


def stop_reason() -> str:
    """What stopped this process, for a job record and the CLI's one line."""
    if _stop.signum == signal.SIGTERM:
        return "Stopped by SIGTERM"
    if _stop.signum == signal.SIGHUP:
        return "Stopped because the terminal closed (SIGHUP)"
    return "Interrupted (Ctrl-C)"


def stopped_by_analyst() -> bool:
    """Ctrl-C is the analyst cancelling; SIGTERM and SIGHUP come from outside (a failure)."""
    return _stop.signum in (None, signal.SIGINT)
