"""A run is stored whole or not at all: a failure or a kill -9 at any step of storing a generation run
(train split, holdout, synthetic dataset, model, run record) or a "drop risky rows" report (new
version, report) leaves none of it, and no stray split; what the job says is true."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from mdg_core import jobs
from mdg_core.errors import JobError
from mdg_core.ingest import ingest_file
from mdg_core.store import DatasetStore

ROOT = Path(__file__).resolve().parents[2]
GENERATE = {"generator": "copy_rows", "seed": 3, "n_rows": 120}



def inject(step: str, how: str, patch: Any = setattr) -> None:
    """Wrap the store's writes: right after write number ``step`` (e.g. ``split2``: the second split
    saved; ``model1``: the first model artifact), inside the transaction, kill -9 or raise."""
    seen: dict[str, int] = {}

    def hit(name: str) -> None:
        seen[name] = seen.get(name, 0) + 1
        if f"{name}{seen[name]}" == step:
            if how == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            raise RuntimeError(f"injected failure after {step}")

    def wrap(method: str, name_of: Any) -> None:
        original = getattr(DatasetStore, method)

        def wrapper(self: DatasetStore, *args: Any, **kwargs: Any) -> Any:
            out = original(self, *args, **kwargs)
            hit(name_of(args, kwargs))
            return out

        patch(DatasetStore, method, wrapper)

    wrap("save", lambda a, k: k.get("kind", a[2] if len(a) > 2 else "uploaded"))
    wrap("put_artifact", lambda a, k: a[0])
    wrap("record_run", lambda a, k: "run")


DRIVER = """
import json, sys
from mdg_core import jobs
from mdg_core.store import DatasetStore
from tests.reliability.test_atomic_runs import inject

db, step, kind, params = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
inject(step, "kill")
jobs.run_inline(DatasetStore(db), kind, params)
"""


def _state(db: Path) -> dict[str, Any]:
    """Everything a run or a report can leave behind (the jobs table aside)."""
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return {
            "datasets": con.execute("SELECT id, kind, parent_id, n_rows FROM datasets ORDER BY id").fetchall(),
            "tables": [r[0] for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name LIKE 'ds_%' ORDER BY name")],
            "artifacts": con.execute("SELECT id, kind FROM artifacts ORDER BY id").fetchall(),
            "runs": con.execute("SELECT id, output_dataset_id FROM runs ORDER BY id").fetchall(),
        }
    finally:
        con.close()


def _killed_at(db: Path, step: str, kind: str, params: dict[str, Any]) -> None:
    """Run the job in another process that kill -9s itself at ``step``."""
    done = subprocess.run([sys.executable, "-c", DRIVER, str(db), step, kind, json.dumps(params)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == -signal.SIGKILL, done.stderr[-2000:]


@pytest.fixture()
def real(store: DatasetStore) -> int:
    return ingest_file(store, ROOT / "data" / "customers.csv", name="customers").id


STEPS = ["split1", "split2", "synthetic1", "model1", "run1"]  # the order in which a run is stored


@pytest.mark.parametrize("step", STEPS)
def test_a_kill_at_any_step_of_storing_a_run_stores_nothing(store: DatasetStore, real: int, step: str) -> None:
    before = _state(store.db_path)
    _killed_at(store.db_path, step, "generate", {"dataset_id": real, **GENERATE})
    assert _state(store.db_path) == before


@pytest.mark.parametrize("step", STEPS)
def test_a_failure_at_any_step_of_storing_a_run_stores_nothing(store: DatasetStore, real: int, step: str,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    before = _state(store.db_path)
    inject(step, "raise", monkeypatch.setattr)
    with pytest.raises(JobError, match=f"injected failure after {step}"):
        jobs.run_inline(store, "generate", {"dataset_id": real, **GENERATE})
    assert _state(store.db_path) == before
    status, error = sqlite3.connect(store.db_path).execute(
        "SELECT status, error FROM jobs ORDER BY id DESC LIMIT 1").fetchone()
    assert status == "failed" and f"injected failure after {step}" in error


def test_a_run_after_a_killed_one_is_whole_and_a_second_run_reuses_its_split(store: DatasetStore,
                                                                             real: int) -> None:
    _killed_at(store.db_path, "synthetic1", "generate", {"dataset_id": real, **GENERATE})
    first = jobs.run_inline(store, "generate", {"dataset_id": real, **GENERATE})
    state = _state(store.db_path)
    assert [k for _, k, _, _ in state["datasets"]] == ["uploaded", "split", "split", "synthetic"]
    assert state["runs"] == [(first["run_id"], first["output_dataset_id"])]
    assert [k for _, k in state["artifacts"]] == ["model"]
    # killed while storing the second run: the reused split stays, nothing else is added
    _killed_at(store.db_path, "run1", "generate", {"dataset_id": real, **GENERATE})
    assert _state(store.db_path) == state
    second = jobs.run_inline(store, "generate", {"dataset_id": real, **GENERATE})
    assert (second["train_dataset_id"], second["holdout_dataset_id"]) == (first["train_dataset_id"],
                                                                          first["holdout_dataset_id"])
    assert [k for _, k, _, _ in _state(store.db_path)["datasets"]].count("split") == 2


@pytest.fixture()
def leaky(store: DatasetStore, real: int) -> int:
    """A synthetic dataset whose first 30 rows copy real rows; the rest mix columns of different rows."""
    df = store.load(real)
    rng = np.random.default_rng(0)
    mixed = pd.DataFrame({c: df[c].to_numpy()[rng.permutation(len(df))] for c in df.columns}).head(170)
    synth = pd.concat([df.head(30), mixed], ignore_index=True)
    return store.save(synth, "leaky", "synthetic", parent_id=real).id


def _drop(real: int, leaky: int) -> dict[str, Any]:
    return {"kind": "privacy", "a": real, "b": leaky, "drop_risky_threshold": 1e-9}


def test_dropping_risky_rows_stores_the_new_version_with_its_report(store: DatasetStore, real: int,
                                                                    leaky: int) -> None:
    result = jobs.run_inline(store, "report", _drop(real, leaky))
    new = store.get(result["new_dataset_id"])
    assert new.parent_id == leaky and result["dropped_rows"] >= 30 and new.n_rows == 200 - result["dropped_rows"]
    art = store.get_artifact_by_id(result["artifact_id"], with_payload=False)
    assert art is not None and art.other_dataset_id == new.id


@pytest.mark.parametrize("step", ["synthetic1", "report1"])
def test_dropping_risky_rows_killed_before_its_report_is_stored_stores_nothing(
        store: DatasetStore, real: int, leaky: int, step: str) -> None:
    before = _state(store.db_path)
    _killed_at(store.db_path, step, "report", _drop(real, leaky))
    assert _state(store.db_path) == before


def test_a_failing_report_after_dropping_rows_leaves_no_new_version(store: DatasetStore, real: int, leaky: int,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from mdg_core.reports import job as report_job

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(report_job, "save", broken)
    before = _state(store.db_path)
    with pytest.raises(JobError, match="renderer crashed"):
        jobs.run_inline(store, "report", _drop(real, leaky))
    assert _state(store.db_path) == before


@pytest.mark.parametrize("step", ["synthetic1", "run1"])
def test_a_kill_while_sampling_a_kept_model_is_stored_stores_nothing(store: DatasetStore, real: int,
                                                                     step: str) -> None:
    model = jobs.run_inline(store, "generate", {"dataset_id": real, **GENERATE})["model_artifact_id"]
    before = _state(store.db_path)
    _killed_at(store.db_path, step, "sample_model", {"model_artifact_id": model, "n_rows": 40, "seed": 2})
    assert _state(store.db_path) == before
