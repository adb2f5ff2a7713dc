"""``report KIND A B [--holdout H] [--target COL] [--out report.html]`` for every registered kind.

Runs the report as a recorded job in this process, stores it like the page does, prints a JSON
summary (verdicts, reasons, key metrics, the tables each section names for it) and optionally
writes the self-contained HTML file.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from mdg_core import jobs
from mdg_core.cli import progress_printer
from mdg_core.reports import REPORT_KINDS, report_kind, report_kinds
from mdg_core.store import DatasetStore


def summary(report: dict[str, Any]) -> dict[str, Any]:
    """The report without chart data and long tables: what a script needs to decide."""
    kind = report_kind(report["kind"])
    sections = []
    for s in report["sections"]:
        spec = kind.section(s["key"])
        tables = {name: s["tables"].get(name, []) for name in (spec.summary_tables if spec else ())}
        sections.append({"key": s["key"], "title": s["title"], "verdict": s["verdict"], "reasons": s["reasons"],
                         "metrics": s["metrics"], **({"tables": tables} if tables else {})})
    return {
        "report": report["kind"], "verdict": report["verdict"], "a": report["a"], "b": report["b"],
        "holdout": report["holdout"], "target": report["target"], "seconds": report["seconds"],
        "datasets": report["datasets"], "notes": report["notes"], "sections": sections,
    }


def cmd_report(args: argparse.Namespace, store: DatasetStore) -> dict[str, Any]:
    from mdg_core.reports.job import load

    params = {"kind": args.kind, "a": args.a, "b": args.b, "holdout": args.holdout,
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


def register(sub: argparse._SubParsersAction) -> None:
    kinds = report_kinds()
    p = sub.add_parser("report", help=", ".join(k.title.lower() for k in kinds) + " report comparing two datasets",
                       description="\n".join(f"{k.name}: {k.help}" for k in kinds),
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("kind", choices=list(REPORT_KINDS))
    p.add_argument("a", type=int, help=" / ".join(dict.fromkeys(k.labels[0] for k in kinds)))
    p.add_argument("b", type=int, help=" / ".join(dict.fromkeys(k.labels[1] for k in kinds)))
    p.add_argument("--holdout", type=int, default=None,
                   help="real rows kept out of training (default: the generation run's holdout); used by "
                        + ", ".join(k.name for k in kinds if k.uses_holdout))
    p.add_argument("--target", default=None, help="column for the train-on-synthetic test; used by "
                                                  + ", ".join(k.name for k in kinds if k.uses_target))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=None, help="write the self-contained HTML report here")
    p.set_defaults(func=cmd_report)
