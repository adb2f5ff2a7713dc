"""``python -m mdg_core --db PATH <command>``: the core API from the shell, with JSON output.

Each module in ``COMMAND_MODULES`` adds its sub-commands with ``register(subparsers)`` and sets
``func(args, store) -> JSON-able``; adding a command group is one module plus one line here.
Errors print one line to stderr and exit 2, never a traceback (details go to a per-run log).
"""

from __future__ import annotations

import argparse
import contextlib
import faulthandler
import importlib
import json
import logging
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mdg_core import interrupts
from mdg_core.errors import MdgError

COMMAND_MODULES = [
    "mdg_core.cli.data",
    "mdg_core.cli.doctor",
    "mdg_core.cli.mock",
    "mdg_core.cli.generate",
    "mdg_core.cli.report",
    "mdg_core.cli.profile",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m mdg_core", description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=None, help="SQLite database (default: data/mdg.db)")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def progress_printer(quiet: bool):  # type: ignore[no-untyped-def]
    """A progress callback that writes one updating line to stderr."""
    def _print(fraction: float, message: str) -> None:
        if not quiet:
            sys.stderr.write(f"\r[{fraction * 100:5.1f}%] {message[:100]:<100}")
            sys.stderr.flush()
            if fraction >= 1.0:
                sys.stderr.write("\n")
    return _print


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; the exit code is 0 on success and 2 on any failure, with one ``error:`` line."""
    with contextlib.suppress(OSError, ValueError):  # io.UnsupportedOperation when stderr has no file
        faulthandler.enable()  # a native crash in this process at least names its signal and stack
    store = None
    # first, before anything heavy is imported: Ctrl-C, SIGTERM and SIGHUP at any point unwind to
    # the one line below, and a running job is recorded as stopped
    with interrupts.stop_signals():
        try:
            from mdg_core import jobs
            from mdg_core.config import load_settings
            from mdg_core.jsonable import jsonable
            from mdg_core.store import DatasetStore

            args = build_parser().parse_args(argv)
            logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
            store = DatasetStore(load_settings(args.db).db_path)
            jobs.reap(store)  # jobs whose command or worker died are marked failed, with the reason
            # libraries print banners on import (pykeops, through SynthCity: "CUDA libraries not
            # found"); stdout carries only our JSON, so anything printed while working goes to stderr
            with contextlib.redirect_stdout(sys.stderr):
                result: Any = args.func(args, store)
            with interrupts.defer_stops():  # the work is saved: print it whole and exit 0
                sys.stdout.write(json.dumps(jsonable(result), indent=2, ensure_ascii=False) + "\n")
                sys.stdout.flush()
        except MdgError as exc:
            sys.stderr.write(f"\nerror: {exc}\n")
            return 2
        except KeyboardInterrupt:
            sys.stderr.write(f"\nerror: {interrupts.stop_reason()}; nothing was saved.\n")
            return 2
        except Exception as exc:
            from mdg_core.jobs import run_log_path

            log_path = run_log_path(store, "cli-error")
            log_path.parent.mkdir(parents=True, exist_ok=True)
            log_path.write_text(traceback.format_exc(), encoding="utf-8")
            sys.stderr.write(f"\nerror: unexpected {type(exc).__name__}: {exc} (details: {log_path})\n")
            return 2
    return 0


def run() -> int:
    """``python -m mdg_core``: ``main``, then exit with its code even if a stop signal comes late."""
    code: int | None = None
    try:
        with interrupts.stop_signals():
            with contextlib.suppress(KeyboardInterrupt):  # before main's own handling, or just after its answer
                code = main()
            interrupts.ignore_stops_while_exiting()
    except KeyboardInterrupt:  # a stop while the handlers were being installed
        interrupts.ignore_stops_while_exiting()
    if code is None:
        sys.stderr.write(f"\nerror: {interrupts.stop_reason()}; nothing was saved.\n")
    return 2 if code is None else code
