"""Generator commands: ``generators`` (list), ``generate``, ``sample-model``, ``compare``."""

from __future__ import annotations

import argparse
import json
from typing import Any

from mdg_core import jobs
from mdg_core.cli import progress_printer
from mdg_core.errors import InvalidParameterError
from mdg_core.store import DatasetStore


def _pairs(items: list[str], what: str) -> dict[str, Any]:
    """``k=v`` pairs; values are parsed as JSON when they can be (numbers, true/false), else text."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InvalidParameterError(f"{what} takes KEY=VALUE; got '{item}'.")
        try:
            out[key] = json.loads(value)
        except ValueError:
            out[key] = value
    return out


def _rules(items: list[str]) -> list[dict[str, Any]] | None:
    if not items:
        return None
    rules = []
    for item in items:
        try:
            rules.append(json.loads(item))
        except ValueError as exc:
            raise InvalidParameterError(
                f"--rule takes JSON, e.g. '{{\"kind\": \"inequality\", \"low\": \"start\", \"high\": \"end\"}}'; got {item}"
            ) from exc
    return rules


def cmd_generators(args: argparse.Namespace, store: DatasetStore) -> list[dict[str, Any]]:
    from mdg_core.generators.registry import list_generators

    return list_generators(check=not args.no_check)


def cmd_generate(args: argparse.Namespace, store: DatasetStore) -> dict[str, Any]:
    from mdg_core.generators.registry import recommended

    generator = args.generator or recommended()
    params = {"dataset_id": args.id, "generator": generator, "params": _pairs(args.param, "--param"),
              "seed": args.seed, "n_rows": args.rows, "conditions": _pairs(args.condition, "--condition") or None,
              "keep_model": not args.no_model, "name": args.name}
    rules = _rules(args.rule)
    if rules is not None:
        params["rules"] = rules
    # torch, SDV, SynthCity and llama.cpp run in a worker process: a native crash there is one clear
    # line here, not the death of this command with its job left running
    return jobs.run_in_worker(store, "generate", params, f"Generate with {generator}",
                           on_progress=progress_printer(args.quiet))


def cmd_sample_model(args: argparse.Namespace, store: DatasetStore) -> dict[str, Any]:
    params = {"model_artifact_id": args.model, "n_rows": args.rows, "seed": args.seed,
              "conditions": _pairs(args.condition, "--condition") or None}
    return jobs.run_in_worker(store, "sample_model", params, f"Sample kept model #{args.model}",
                           on_progress=progress_printer(args.quiet))


def cmd_compare(args: argparse.Namespace, store: DatasetStore) -> dict[str, Any]:
    params: dict[str, dict[str, Any]] = {}
    for item in args.param:
        name, sep, rest = item.partition(":")
        if not sep:
            raise InvalidParameterError(f"--param takes GENERATOR:KEY=VALUE for compare; got '{item}'.")
        params.setdefault(name, {}).update(_pairs([rest], "--param"))
    return jobs.run_in_worker(store, "compare_generators",
                           {"dataset_id": args.id, "generators": args.generator, "params": params,
                            "seed": args.seed, "n_rows": args.rows},
                           "Compare generators", on_progress=progress_printer(args.quiet))


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("generators", help="list synthetic-data generators, their parameters and availability")
    p.add_argument("--no-check", action="store_true", help="skip the (slow, cached) import check")
    p.set_defaults(func=cmd_generators)

    p = sub.add_parser("generate", help="fit a generator on a dataset and store synthetic rows")
    p.add_argument("id", type=int, help="real dataset id")
    p.add_argument("--generator", default=None,
                   help="generator name (default: the recommended one; see `generators`)")
    p.add_argument("--rows", type=int, default=None, help="rows to sample (default: as many as the real data)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--condition", action="append", default=[], metavar="COLUMN=VALUE",
                   help="fixed value for every sampled row")
    p.add_argument("--rule", action="append", default=[], metavar="JSON",
                   help="rule, e.g. '{\"kind\":\"range\",\"column\":\"age\",\"min\":0}' (default: the dataset's rules)")
    p.add_argument("--name", default=None)
    p.add_argument("--no-model", action="store_true", help="do not keep the fitted model")
    p.set_defaults(func=cmd_generate)

    p = sub.add_parser("sample-model", help="sample again from a kept model, without refitting")
    p.add_argument("model", type=int, help="model artifact id (see a run's model_artifact_id)")
    p.add_argument("--rows", type=int, required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--condition", action="append", default=[], metavar="COLUMN=VALUE")
    p.set_defaults(func=cmd_sample_model)

    p = sub.add_parser("compare", help="fit several generators with one seed: quality, privacy, time")
    p.add_argument("id", type=int)
    p.add_argument("--generator", action="append", required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--rows", type=int, default=None)
    p.add_argument("--param", action="append", default=[], metavar="GENERATOR:KEY=VALUE")
    p.set_defaults(func=cmd_compare)
