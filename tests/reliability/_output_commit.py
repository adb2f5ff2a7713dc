"""A test hook that acts exactly at a job's output commit, in any process: a driver installs it
itself; a CLI command and the worker it starts get it through ``hooked_env`` (a ``sitecustomize``
that installs it when ``MDG_TEST_OUTPUT_COMMIT`` is set).

The output transaction is the one in which the job records its result (``JobContext.saved``
writes ``UPDATE jobs SET result``). Modes:

- ``kill-before``: SIGKILL this process as that write runs, inside the transaction (nothing commits)
- ``kill-after``: SIGKILL this process right after the transaction committed
- ``term-after``: SIGTERM this process right after the commit (its stop handler raises there)
- ``term-command-after``: a worker sends SIGTERM to the command that waits for it, right after the
  commit, and waits to be stopped by it
- ``cancel-after``: the analyst's cancel arrives right after the commit (``CancelledError``)
- ``fail-after``: a step after the commit fails (``ReportError``)
"""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

MODE_ENV = "MDG_TEST_OUTPUT_COMMIT"
_RESULT_WRITE = re.compile(r"\s*UPDATE\s+jobs\s+SET\s+result\b", re.IGNORECASE)
SITECUSTOMIZE = f"""
import os
if os.environ.get({MODE_ENV!r}):
    from tests.reliability._output_commit import install
    install(os.environ[{MODE_ENV!r}])
"""


def hooked_env(folder: Path, mode: str) -> dict[str, str]:
    """Environment for a CLI command (and so its worker) with the hook installed in ``mode``."""
    (folder / "sitecustomize.py").write_text(SITECUSTOMIZE)
    root = Path(__file__).resolve().parents[2]
    return {MODE_ENV: mode, "PYTHONPATH": os.pathsep.join([str(folder), str(root)])}


def _act(mode: str) -> None:
    from mdg_core.errors import CancelledError, ReportError
    from mdg_core.jobs import COMMAND_ENV

    if mode == "kill-after":
        os.kill(os.getpid(), signal.SIGKILL)
    elif mode == "term-after":
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the stop handler raises here
    elif mode == "term-command-after" and os.environ.get(COMMAND_ENV):
        os.kill(int(os.environ[COMMAND_ENV]), signal.SIGTERM)
        time.sleep(60)  # the command stops this worker (SIGKILL)
    elif mode == "cancel-after":
        raise CancelledError("Cancelled by the analyst; nothing was saved.")
    elif mode == "fail-after":
        raise ReportError("injected failure after the output was saved")


def install(mode: str) -> None:
    """Wrap ``DatasetStore.transaction`` (and ``write``) to act at the output transaction's commit."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from mdg_core.store.catalog import DatasetStore

    pending: list[bool] = []

    def _on_execute(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if _RESULT_WRITE.match(statement):
            if mode == "kill-before":
                os.kill(os.getpid(), signal.SIGKILL)
            pending.append(True)

    event.listen(Engine, "before_cursor_execute", _on_execute)
    original = DatasetStore.transaction

    @contextmanager
    def transaction(self: DatasetStore, wait_s: float | None = None) -> Iterator[Any]:
        outermost = not self.in_write()
        if outermost:
            pending.clear()
        with original(self, wait_s) as conn:
            yield conn
        if outermost and pending:  # committed
            pending.clear()
            _act(mode)

    DatasetStore.transaction = DatasetStore.write = transaction  # type: ignore[method-assign]
