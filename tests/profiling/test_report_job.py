"""The ydata-profiling job: real progress from its own task bars, stored HTML, compare, cancel, sampling."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mdg_core import jobs
from mdg_core.errors import CancelledError, InvalidParameterError
from mdg_core.profiling import report_job

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _penguins(store):  # type: ignore[no-untyped-def]
    return store.save(pd.read_csv(ROOT / "data" / "penguins.csv"), "penguins")


def test_minimal_report_with_real_progress_is_stored_then_compare(store) -> None:  # type: ignore[no-untyped-def]
    info = _penguins(store)
    seen: list[tuple[float, str]] = []
    result = jobs.run_inline(store, "profile_report", {"dataset_id": info.id, "mode": "minimal"},
                             on_progress=lambda f, m: seen.append((f, m)))
    assert result["mode"] == "minimal" and result["rows_profiled"] == 344 and not result["sampled"]
    art = store.get_artifact("profile_html", f"{info.id}:minimal")
    assert art is not None and art.dataset_id == info.id
    html = art.payload.decode("utf-8")
    assert "<html" in html.lower() and f"#{info.id} penguins" in html
    fractions = [f for f, _ in seen]
    assert fractions[-1] == 1.0 and len(seen) >= 3
    assert any("Describe variable" in m or "Summarize" in m or "dataset" in m.lower() for _, m in seen)
    assert report_job.stored_report(store, info.id).id == art.id

    other = store.save(pd.read_csv(ROOT / "data" / "penguins.csv").iloc[:120], "penguins head")
    result = jobs.run_inline(store, "profile_report", {"dataset_id": info.id, "other_id": other.id, "mode": "minimal"})
    cmp = store.get_artifact("profile_compare_html", f"{info.id}:{other.id}:minimal")
    assert cmp is not None and cmp.other_dataset_id == other.id
    assert "penguins head" in cmp.payload.decode("utf-8")


def test_cancel_stops_inside_ydata_profiling_and_saves_nothing(store) -> None:  # type: ignore[no-untyped-def]
    info = _penguins(store)
    calls = []

    def cancel_soon(fraction: float, message: str) -> None:
        calls.append(fraction)
        if fraction > 0.05:
            raise CancelledError("Cancelled by the analyst; nothing was saved.")

    with pytest.raises(CancelledError):
        jobs.run_inline(store, "profile_report", {"dataset_id": info.id, "mode": "minimal"}, on_progress=cancel_soon)
    assert store.list_artifacts("profile_html") == []
    assert jobs.list_jobs(store, kinds=["profile_report"])[0].status == "cancelled"


def test_mode_and_sampling_rules() -> None:
    assert report_job.resolve_mode("auto", 1000, 10, minimal_above_cells=50_000) == "full"
    assert report_job.resolve_mode("auto", 10_000, 10, minimal_above_cells=50_000) == "minimal"
    assert report_job.resolve_mode("full", 10**7, 50, minimal_above_cells=1) == "full"
    with pytest.raises(InvalidParameterError):
        report_job.resolve_mode("huge", 1, 1)
    df = pd.DataFrame({"x": range(1000)})
    same, note = report_job.sample_for_report(df, max_rows=1000)
    assert same is df and note is None
    sample, note = report_job.sample_for_report(df, max_rows=500, sample_rows=200)
    assert len(sample) == 200 and "200 of the 1,000 rows" in note
    assert report_job.sample_for_report(df, 500, 200)[0].index.equals(sample.index)  # seeded


def test_cancel_a_running_worker_process(store) -> None:  # type: ignore[no-untyped-def]
    """The real path: a worker process builds the report, the analyst cancels, nothing is stored."""
    import time

    info = store.save(pd.concat([pd.read_csv(ROOT / "data" / "penguins.csv")] * 20, ignore_index=True), "big penguins")
    job_id = jobs.submit(store, "profile_report", {"dataset_id": info.id, "mode": "full"}, "report")
    deadline = time.monotonic() + 60
    while jobs.get(store, job_id).status == "queued" and time.monotonic() < deadline:
        time.sleep(0.1)
    jobs.cancel(store, job_id, grace_s=5)
    final = jobs.wait(store, job_id, timeout_s=60)
    assert final.status == "cancelled"
    assert store.list_artifacts("profile_html") == []
