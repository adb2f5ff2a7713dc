"""``python -m mdg_core --db PATH <command>``: the core API from the shell, with JSON output.

Each module in ``COMMAND_MODULES`` adds its sub-commands with ``register(subparsers)`` and sets
``func(args, store) -> JSON-able``; adding a command group is one module plus one line here.
Errors print one line to stderr and exit non-zero, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import logging
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mdg_core.config import load_settings
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
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    try:
        from mdg_core.store import DatasetStore

        store = DatasetStore(load_settings(args.db).db_path)
        # libraries print banners on import (pykeops, through SynthCity: "CUDA libraries not
        # found"); stdout carries only our JSON, so anything printed while working goes to stderr
        with contextlib.redirect_stdout(sys.stderr):
            result: Any = args.func(args, store)
    except MdgError as exc:
        sys.stderr.write(f"\nerror: {exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("\nerror: interrupted; nothing was saved.\n")
        return 130
    except Exception as exc:
        log_path = Path.home() / ".cache" / "mdg" / "cli-error.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log_path.write_text(traceback.format_exc(), encoding="utf-8")
        sys.stderr.write(f"\nerror: unexpected {type(exc).__name__}: {exc} (details: {log_path})\n")
        return 1
    sys.stdout.write(json.dumps(result, indent=2, default=str, ensure_ascii=False) + "\n")
    return 0
