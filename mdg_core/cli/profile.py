"""Profiling and feature commands: profile, suggest, apply."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from mdg_core import jobs
from mdg_core.cli import progress_printer
from mdg_core.errors import InvalidParameterError
from mdg_core.store import DatasetStore


def cmd_profile(args: argparse.Namespace, store: DatasetStore) -> dict[str, Any]:
    from mdg_core.profiling.overview import overview_for

    ov = overview_for(store, args.id)
    out: dict[str, Any] = {
        "dataset_id": args.id, "rows": ov.n_rows, "columns": ov.n_cols, "duplicates": ov.n_duplicates,
        "memory_bytes": ov.memory_bytes, "missing_cells_share": round(ov.missing_cells_share, 4),
        "warnings": [w.message for w in ov.warnings],
        "per_column": [
            {"name": c.name, "type": c.kind, "missing_share": round(c.missing_share, 4), "distinct": c.n_distinct,
             "min": c.min, "max": c.max, "mean": c.mean, "top": c.top[:3]}
            for c in ov.columns
        ],
    }
    if args.full or args.out:
        from mdg_core.profiling.report_job import REPORT_ARTIFACT

        result = jobs.run_inline(store, "profile_report", {"dataset_id": args.id, "mode": args.mode},
                                 f"Profile report of #{args.id}", on_progress=progress_printer(args.quiet))
        out["report"] = result
        if args.out:
            art = store.get_artifact(REPORT_ARTIFACT, result["key"])
            assert art is not None and art.payload is not None
            Path(args.out).write_bytes(art.payload)
            out["report"]["written_to"] = str(Path(args.out).resolve())
    return out


def cmd_suggest(args: argparse.Namespace, store: DatasetStore) -> list[dict[str, Any]]:
    from mdg_core.features.datasets import suggestions_for

    return [{"id": s.id, "rule": s.rule, "columns": s.columns, "evidence": s.evidence, "does": s.title,
             "options": s.options, "code": s.code if args.code else None}
            for s in suggestions_for(store, args.id, refresh=args.refresh)]


def _options(pairs: list[str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for pair in pairs:
        target, sep, value = pair.partition("=")
        sid, dot, key = target.rpartition(".")
        if not sep or not dot or not sid:
            raise InvalidParameterError(f"--option takes SUGGESTION.KEY=VALUE (e.g. pii:email.action=drop); got '{pair}'.")
        try:
            parsed: Any = json.loads(value)
        except json.JSONDecodeError:
            parsed = value
        out.setdefault(sid, {})[key] = parsed
    return out


def cmd_apply(args: argparse.Namespace, store: DatasetStore) -> dict[str, Any]:
    from mdg_core.cli.data import info_json
    from mdg_core.features.datasets import apply_recipe_to_dataset, apply_to_dataset, pick, suggestions_for
    from mdg_core.features.steps import export_script, recipe_from_json

    if bool(args.suggestion) == bool(args.recipe):
        raise InvalidParameterError("Give either --suggestion (one or more, see `suggest ID`) or --recipe FILE.json.")
    if args.recipe:
        info = apply_recipe_to_dataset(store, args.id, recipe_from_json(Path(args.recipe).read_text("utf-8")), args.name)
    else:
        chosen = pick(suggestions_for(store, args.id), args.suggestion, _options(args.option))
        info = apply_to_dataset(store, args.id, chosen, args.name)
    out = info_json(info, with_columns=True)
    if args.script:
        assert info.recipe is not None
        Path(args.script).write_text(export_script(info.recipe), encoding="utf-8")
        out["script"] = str(Path(args.script).resolve())
    return out


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("profile", help="a dataset's overview; --full or --out also builds the ydata-profiling report")
    p.add_argument("id", type=int)
    p.add_argument("--full", action="store_true", help="build the full ydata-profiling report (stored in the database)")
    p.add_argument("--mode", choices=["auto", "minimal", "full"], default="auto",
                   help="report mode (auto: minimal above the configured size)")
    p.add_argument("--out", default=None, help="also write the HTML report to this file")
    p.set_defaults(func=cmd_profile)

    p = sub.add_parser("suggest", help="feature-engineering suggestions with their evidence")
    p.add_argument("id", type=int)
    p.add_argument("--code", action="store_true", help="include the pandas code of each suggestion")
    p.add_argument("--refresh", action="store_true", help="recompute instead of using the stored suggestions")
    p.set_defaults(func=cmd_suggest)

    p = sub.add_parser("apply", help="apply suggestions (or a recipe) and save a new transformed dataset")
    p.add_argument("id", type=int)
    p.add_argument("--suggestion", action="append", default=[], metavar="S", help="a suggestion id from `suggest`")
    p.add_argument("--option", action="append", default=[], metavar="S.KEY=VALUE",
                   help="change an option, e.g. pii:email.action=drop")
    p.add_argument("--recipe", default=None, help="re-apply the recipe in this JSON file instead")
    p.add_argument("--name", default=None, help="name of the new dataset")
    p.add_argument("--script", default=None, help="also export the recipe as a Python script here")
    p.set_defaults(func=cmd_apply)
