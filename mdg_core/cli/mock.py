"""``mock EXAMPLES.json --count N``: mock records from JSON examples with the local GGUF model."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from mdg_core import jobs
from mdg_core.cli import progress_printer
from mdg_core.errors import InvalidParameterError
from mdg_core.llm import safety
from mdg_core.llm.mock import DEFAULT_TEMPERATURE, cached_records
from mdg_core.store import DatasetStore


def cmd_mock(args: argparse.Namespace, store: DatasetStore) -> dict[str, Any]:
    path = Path(args.examples)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidParameterError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    examples = safety.parse_examples_text(text)
    params = {"examples": examples, "count": args.count, "seed": args.seed, "temperature": args.temperature,
              "model_path": str(args.model) if args.model else None, "save_name": args.save}
    # llama.cpp runs in a worker process: if it crashes in native code this command still says why
    summary = jobs.run_in_worker(store, "mock", params, title=f"Mock data from {path.name}",
                                 on_progress=progress_printer(args.quiet))
    records = cached_records(store, summary["cache_key"], args.count)
    if args.out:
        Path(args.out).write_text(json.dumps(records, indent=2, ensure_ascii=False), encoding="utf-8")
        summary["out"] = str(args.out)
    else:
        summary["records"] = records
    return summary


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("mock", help="generate mock records from a JSON array of examples (local LLM)")
    p.add_argument("examples", type=Path, help="JSON file: an array of example objects (or JSON lines)")
    p.add_argument("--count", type=int, required=True, help="number of records to generate")
    p.add_argument("--seed", type=int, default=0, help="random seed (same seed, same records)")
    p.add_argument("--temperature", type=float, default=DEFAULT_TEMPERATURE, help="sampling temperature, 0–2")
    p.add_argument("--model", type=Path, default=None, help="GGUF model file (default: configured model)")
    p.add_argument("--save", metavar="NAME", default=None, help="also save the records as a dataset (kind mock)")
    p.add_argument("--out", type=Path, default=None, help="write the records here instead of printing them")
    p.set_defaults(func=cmd_mock)
