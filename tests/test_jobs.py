"""Background jobs: real worker processes, progress, cancel, and nothing half-saved."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd

from mdg_core import jobs
from mdg_core.store import DatasetStore


def _csv(path: Path, rows: int) -> Path:
    rng = np.random.default_rng(1)
    pd.DataFrame({"a": rng.integers(0, 9, rows), "b": rng.normal(size=rows),
                  "c": rng.choice(["x", "y"], rows)}).to_csv(path, index=False)
    return path


def test_an_ingest_job_runs_in_a_worker_and_reports_its_result(store: DatasetStore, tmp_path: Path) -> None:
    job_id = jobs.submit(store, "ingest", {"path": str(_csv(tmp_path / "a.csv", 5000)), "name": "bg"}, "Ingest")
    info = jobs.wait(store, job_id, timeout_s=120)
    assert info.status == "done", info.error
    assert info.progress == 1.0 and info.pid is not None
    dataset = store.get(info.result["dataset_id"])
    assert dataset.name == "bg" and dataset.n_rows == 5000


def test_a_failing_job_records_the_analyst_readable_reason(store: DatasetStore, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1\n")
    info = jobs.wait(store, jobs.submit(store, "ingest", {"path": str(bad)}, "Ingest bad"), timeout_s=120)
    assert info.status == "failed" and "do not have 2 fields" in (info.error or "")
    assert store.list() == []


def test_cancelling_a_running_job_leaves_no_dataset(store: DatasetStore, tmp_path: Path) -> None:
    path = _csv(tmp_path / "big.csv", 1_500_000)
    job_id = jobs.submit(store, "ingest", {"path": str(path)}, "Ingest big")
    deadline = time.monotonic() + 60
    while jobs.get(store, job_id).status != "running":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    jobs.cancel(store, job_id, grace_s=2.0)
    info = jobs.wait(store, job_id, timeout_s=60)
    assert info.status == "cancelled"
    assert store.list() == []


def test_inline_runs_are_recorded_like_background_ones(store: DatasetStore, tmp_path: Path) -> None:
    seen: list[float] = []
    result = jobs.run_inline(store, "ingest", {"path": str(_csv(tmp_path / "s.csv", 100))},
                             on_progress=lambda f, m: seen.append(f))
    assert store.get(result["dataset_id"]).n_rows == 100
    assert seen and seen[-1] == 1.0
    assert jobs.list_jobs(store)[0].status == "done"
