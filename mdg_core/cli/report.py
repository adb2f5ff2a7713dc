"""``report quality|drift|privacy A B [--holdout H] [--target COL] [--out report.html]``.

Runs the report as a recorded job in this process, stores it like the page does, prints a JSON
summary (verdicts, reasons, key metrics) and optionally writes the self-contained HTML file.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from mdg_core import jobs
from mdg_core.cli import progress_printer
from mdg_core.reports import SECTIONS
from mdg_core.store import DatasetStore


def summary(report: dict[str, Any]) -> dict[str, Any]:
    """The report without chart data and long tables: what a script needs to decide."""
    return {
        "report": report["section"], "verdict": report["verdict"], "a": report["a"], "b": report["b"],
        "holdout": report["holdout"], "target": report["target"], "seconds": report["seconds"],
        "datasets": report["datasets"], "notes": report["notes"],
        "sections": [
            {"key": s["key"], "title": s["title"], "verdict": s["verdict"], "reasons": s["reasons"],
             "metrics": s["metrics"],
             **({"columns": [{k: r.get(k) for k in ("column", "kind", "drifted", "reasons")}
                             for r in s["tables"].get("columns", [])]} if s["key"] == "drift" else {}),
             **({"attacks": s["tables"].get("attacks", [])} if s["key"] == "reid" else {}),
             **({"pii_columns": s["tables"].get("columns", [])} if s["key"] == "pii" else {})}
            for s in report["sections"]
        ],
    }


def cmd_report(args: argparse.Namespace, store: DatasetStore) -> dict[str, Any]:
    from mdg_core.reports.job import load

    params = {"section": args.kind, "a": args.a, "b": args.b, "holdout": args.holdout,
              "target": args.target, "seed": args.seed}
    result = jobs.run_inline(store, "report", params, title=f"{args.kind} report #{args.b} vs #{args.a}",
                             on_progress=progress_printer(args.quiet))
    report = load(store, result["key"]) or {}
    out = summary(report)
    out["artifact_id"] = result["artifact_id"]
    if args.out:
        art = store.get_artifact("report", result["key"])
        path = Path(args.out)
        path.write_bytes(art.payload if art and art.payload else b"")
        out["html"] = str(path)
    return out


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("report", help="quality, drift or privacy report comparing two datasets")
    p.add_argument("kind", choices=list(SECTIONS))
    p.add_argument("a", type=int, help="real data (or version 1 for drift)")
    p.add_argument("b", type=int, help="synthetic data (or version 2 for drift)")
    p.add_argument("--holdout", type=int, default=None,
                   help="real rows kept out of training (default: the generation run's holdout)")
    p.add_argument("--target", default=None, help="quality: column for the train-on-synthetic test")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=None, help="write the self-contained HTML report here")
    p.set_defaults(func=cmd_report)
