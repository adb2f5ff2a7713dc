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
import re
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from mdg_core import interrupts
from mdg_core.errors import MdgError
from mdg_core.progress import Progress

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


def progress_printer(quiet: bool) -> Progress:
    """A progress callback that writes one updating line to stderr."""
    def _print(fraction: float, message: str) -> None:
        if not quiet:
            sys.stderr.write(f"\r[{fraction * 100:5.1f}%] {message[:100]:<100}")
            sys.stderr.flush()
            if fraction >= 1.0:
                sys.stderr.write("\n")
    return _print


# a write to the catalogue (a dataset saved, deleted or renamed; a report stored), as SQLAlchemy sends it
_CATALOGUE_WRITE = re.compile(r"\s*(INSERT\s+INTO|DELETE\s+FROM|UPDATE)\s+\"?(datasets|artifacts)\b", re.IGNORECASE)
_TOUCHED = "mdg.cli.catalogue_write"
Catalogue = dict[tuple[str, int | str], Any]  # ("dataset", id) -> name; ("report", key) -> artifact id


def watch_catalogue_commits(store: Any) -> Callable[[], bool]:
    """True once this process has committed (or was committing) a change to the catalogue.

    Why: a stop can land after a save or a delete committed but before the command prints its
    result; the command then says what was saved instead of "nothing was saved". The catalogue
    read afterwards says what the change was, so a commit that a stop cut short counts as none.
    """
    from sqlalchemy import event

    committed: list[bool] = []

    def _on_begin(conn: Any) -> None:
        conn.info.pop(_TOUCHED, None)

    def _on_execute(conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if _CATALOGUE_WRITE.match(statement):
            conn.info[_TOUCHED] = True

    def _on_commit(conn: Any) -> None:
        if conn.info.pop(_TOUCHED, False):
            committed.append(True)

    event.listen(store.engine, "begin", _on_begin)
    event.listen(store.engine, "before_cursor_execute", _on_execute)
    event.listen(store.engine, "commit", _on_commit)
    return lambda: bool(committed)


def catalogue(store: Any) -> Catalogue:
    """Every dataset's name and every stored report: compared before and after a stopped command."""
    from sqlalchemy import select

    from mdg_core.reports.job import ARTIFACT_KIND
    from mdg_core.store import schema

    arts = schema.artifacts
    with store.read() as conn:
        out: Catalogue = {("dataset", int(i)): str(n)
                          for i, n in conn.execute(select(schema.datasets.c.id, schema.datasets.c.name))}
        out.update({("report", str(k)): int(i)
                    for i, k in conn.execute(select(arts.c.id, arts.c.key).where(arts.c.kind == ARTIFACT_KIND))})
    return out


def _said(what: str, items: list[str], verb: str) -> str:
    return f"{what} {items[0]} was {verb}" if len(items) == 1 else f"{what}s {', '.join(items)} were {verb}"


def describe_change(before: Catalogue, after: Catalogue) -> str | None:
    """``dataset #5 'big' was stored`` (or deleted, renamed; a report stored); None when nothing changed."""
    def of(cat: Catalogue, what: str) -> dict[Any, Any]:
        return {key: value for (kind, key), value in cat.items() if kind == what}

    old, new = of(before, "dataset"), of(after, "dataset")
    old_reports, new_reports = of(before, "report"), of(after, "report")
    changes = [
        ("dataset", "stored", [f"#{i} '{new[i]}'" for i in sorted(new.keys() - old.keys())]),
        ("dataset", "deleted", [f"#{i} '{old[i]}'" for i in sorted(old.keys() - new.keys())]),
        ("dataset", "renamed", [f"#{i} '{old[i]}' → '{new[i]}'" for i in sorted(old.keys() & new.keys())
                                if old[i] != new[i]]),
        # a report stored again for the same choice replaces the old one under a new id
        ("report", "stored", [f"#{new_reports[k]}" for k in sorted(new_reports) if old_reports.get(k) != new_reports[k]]),
    ]
    return "; ".join(_said(what, items, verb) for what, verb, items in changes if items) or None


def stopped_message(store: Any, before: Catalogue | None, committed: bool, saved: str | None = None) -> str:
    """The one line of a stopped command: what it saved before the stop, or that nothing was.

    ``saved``: what the command's job said it stored (``jobs.StoppedAfterSaving``), in its worker
    or here; otherwise the catalogue read before and after says what this process changed."""
    reason = interrupts.stop_reason()
    if saved:
        return f"{reason} after the change was saved: {saved} was stored."
    if not committed or before is None:
        return f"{reason}; nothing was saved."
    try:
        change = describe_change(before, catalogue(store))
    except Exception:  # noqa: BLE001 - the line must come out; `list` shows what is stored
        return f"{reason} while its change was being saved; check with `list` what was stored."
    if change is None:
        return f"{reason}; nothing was saved."
    return f"{reason} after the change was saved: {change}."


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; the exit code is 0 on success and 2 on any failure, with one ``error:`` line."""
    with contextlib.suppress(OSError, ValueError):  # io.UnsupportedOperation when stderr has no file
        faulthandler.enable()  # a native crash in this process at least names its signal and stack
    store = None
    before: Catalogue | None = None
    committed: Callable[[], bool] = lambda: False
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
            committed = watch_catalogue_commits(store)
            before = catalogue(store)
            # libraries print banners on import (pykeops, through SynthCity: "CUDA libraries not
            # found"); stdout carries only our JSON, so anything printed while working goes to stderr
            with contextlib.redirect_stdout(sys.stderr):
                result: Any = args.func(args, store)
            with interrupts.defer_stops():  # the work is saved: print it whole and exit 0
                sys.stdout.write(json.dumps(jsonable(result), indent=2, ensure_ascii=False) + "\n")
                sys.stdout.flush()
        except MdgError as exc:
            with interrupts.defer_stops():  # a second stop while answering changes nothing
                sys.stderr.write(f"\nerror: {exc}\n")
            return 2
        except KeyboardInterrupt as exc:
            with interrupts.defer_stops():
                saved = getattr(exc, "saved", None)  # a job's StoppedAfterSaving: what its output is
                sys.stderr.write(f"\nerror: {stopped_message(store, before, committed(), saved)}\n")
            return 2
        except Exception as exc:
            with interrupts.defer_stops():
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
