"""A page whose job's owner died is freed: it says why the job ended and its button works again.

Also after a real command is killed (-9) at a random point: the next open finds the Generate,
Reports and Data pages without a frozen progress bar, their run and delete buttons enabled."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil
import pytest
from sqlalchemy import insert, select
from streamlit.testing.v1 import AppTest

from mdg_core import jobs
from mdg_core.store import DatasetStore, schema
from tests.reliability._kill import (
    ROOT,
    SEED,
    cli,
    consistent,
    handles_stops,
    progress_reached,
    rows,
    shown,
    stop,
    worker_gone,
)

LLM_CRASH = ("The local language model crashed (segmentation fault in llama.cpp) on this CPU — run "
             "`python -m mdg_core doctor` or Settings → Test the model.")


def _shown(at: AppTest) -> list[str]:
    """The error boxes' text as the analyst reads it (the page escapes Markdown in data)."""
    return shown([e.value for e in at.error])


def _page(db: Path, monkeypatch: pytest.MonkeyPatch, page: str, dataset_id: int | None = None) -> AppTest:
    """A fresh session (the next open) on ``page``, with ``dataset_id`` current when given."""
    monkeypatch.setenv("MDG_DB_PATH", str(db))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    if dataset_id is not None:
        at.query_params["ds"] = str(dataset_id)
    at.run()
    at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    assert not at.get("progress")  # no bar of a job that no longer runs
    return at


def _mock_page(db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    return _page(db, monkeypatch, "pages/mock_data.py")


def test_the_mock_page_shows_why_a_job_of_a_killed_command_ended_and_frees_its_button(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "mdg.db"
    store = DatasetStore(db)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    created = psutil.Process(dead.pid).create_time()
    dead.wait()
    with store.write() as conn:  # what `mock` of an older CLI left behind when it was killed
        conn.execute(insert(schema.jobs).values(
            kind="mock", title="Mock data from users.json", params={}, status="running",
            created_at="2024-01-01T00:00:00+00:00", started_at="2024-01-01T00:00:00+00:00", progress=0.4,
            cancel_requested=0, owner="command", pid=dead.pid, pid_created=created))
    at = _mock_page(db, monkeypatch)
    assert not at.exception
    assert any(f"The command that ran this job (pid {dead.pid}) stopped" in e for e in _shown(at))
    assert not at.button(key="mdg.mock.go").disabled
    with store.read() as conn:
        assert conn.execute(select(schema.jobs.c.status)).scalars().all() == ["failed"]


def test_a_crash_of_the_model_behind_the_mock_page_is_named_and_the_page_lives_on(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "mdg.db"
    monkeypatch.setenv(jobs.TEST_CRASH_ENV, "segv:mock")
    at = _mock_page(db, monkeypatch)
    before = [(d.id, d.name, d.n_rows) for d in DatasetStore(db).list()]  # the samples seeded on first run
    at.number_input(key="mdg.mock.count").set_value(3)
    at.button(key="mdg.mock.go").click()
    at.run()
    job_id = at.session_state["mdg.mock.job"]
    info = jobs.wait(DatasetStore(db), job_id, timeout_s=120)
    assert (info.status, info.error) == ("failed", LLM_CRASH)
    at.run()
    assert not at.exception
    assert _shown(at) == [f"{info.title} failed: {LLM_CRASH}"]
    assert not at.button(key="mdg.mock.go").disabled
    assert [(d.id, d.name, d.n_rows) for d in DatasetStore(db).list()] == before
    assert info.exit_code == -signal.SIGSEGV


def _killed(db: Path, proc: subprocess.Popen[str], rng: random.Random, stages: list[float]) -> list[tuple[Any, ...]]:
    """kill -9 the command once its job reached a random one of ``stages`` (plus up to 0.3 s), wait
    for a worker it started to stop too; the jobs still active in the database (what the page finds)."""
    n_before = rows(db, "SELECT count(*) FROM jobs")[0][0]
    assert handles_stops(proc)
    progress_reached(db, proc, n_before, rng.choice(stages))
    time.sleep(rng.uniform(0.0, 0.3))
    stop(proc, signal.SIGKILL)
    worker_gone(db, n_before)
    return rows(db, "SELECT id, title FROM jobs WHERE status IN ('queued', 'running')")


def _freed(db: Path, at: AppTest, active_at_open: list[tuple[Any, ...]]) -> None:
    """No job is active any more; a job the page found active is shown with the reason it ended."""
    assert rows(db, "SELECT id FROM jobs WHERE status IN ('queued', 'running')") == []
    consistent(db)
    for job_id, title in active_at_open:
        [(status, error)] = rows(db, f"SELECT status, error FROM jobs WHERE id = {job_id}")
        assert status == "failed" and "stopped" in str(error) and "nothing was saved" in str(error)
        assert f"{title} failed: {error}" in _shown(at), _shown(at)


def test_the_generate_page_after_a_generate_command_was_killed(penguins_db: tuple[Path, int],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    db, real_id = penguins_db
    proc = cli(db, "generate", str(real_id), "--generator", "copy_rows", "--rows", "100000", "--no-model")
    active = _killed(db, proc, random.Random(f"{SEED}-generate-page"), [0.0, 0.02, 0.85])
    at = _page(db, monkeypatch, "pages/generate.py", real_id)
    assert not at.button(key="mdg.generate.go").disabled
    _freed(db, at, active)
    [(status, error)] = rows(db, "SELECT status, error FROM jobs")
    if status == "done":  # the run finished before the kill landed: all it made is stored
        assert rows(db, "SELECT count(*) FROM datasets") == [(4,)]  # the splits and the output
        return
    assert status == "failed" and error.startswith(f"The command that ran this job (pid {proc.pid}) stopped")
    assert rows(db, "SELECT count(*) FROM datasets") == [(1,)]  # no split, no output


def test_the_reports_page_after_a_report_command_was_killed(penguins_run: tuple[Path, int, int],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    db, real_id, synth_id = penguins_run
    proc = cli(db, "report", "quality", str(real_id), str(synth_id))
    rng = random.Random(f"{SEED}-reports-page")
    active = _killed(db, proc, rng, [0.0, rng.uniform(0.05, 0.9)])
    assert len(active) == 1  # the report ran in the command itself: its job waits for the next open
    at = _page(db, monkeypatch, "pages/reports.py", synth_id)
    assert (at.selectbox(key="mdg.reports.a").value, at.selectbox(key="mdg.reports.b").value) == (real_id, synth_id)
    assert not at.button(key="mdg.reports.run").disabled
    _freed(db, at, [])  # the reason is in the job's record; the page does not show it (see the next test)
    [(status, error)] = rows(db, "SELECT status, error FROM jobs WHERE kind = 'report'")
    assert (status, error) == ("failed", f"The command that ran this job (pid {proc.pid}) stopped (killed or "
                                         "crashed) before it finished; nothing was saved. Run it again.")
    assert rows(db, "SELECT count(*) FROM artifacts WHERE kind = 'report'") == [(0,)]


def test_the_reports_page_shows_why_the_report_of_a_killed_command_ended(
        penguins_run: tuple[Path, int, int], monkeypatch: pytest.MonkeyPatch) -> None:
    db, real_id, synth_id = penguins_run
    store = DatasetStore(db)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    created = psutil.Process(dead.pid).create_time()
    dead.wait()
    with store.write() as conn:  # what `report quality A B` left when it was killed, for the page's own choice
        conn.execute(insert(schema.jobs).values(
            kind="report", title=f"quality report #{synth_id} vs #{real_id}",
            params={"kind": "quality", "a": real_id, "b": synth_id, "holdout": None, "target": None, "seed": 0},
            status="running", created_at="2024-01-01T00:00:00+00:00", started_at="2024-01-01T00:00:00+00:00",
            progress=0.4, cancel_requested=0, owner="command", pid=dead.pid, pid_created=created))
    at = _page(db, monkeypatch, "pages/reports.py", synth_id)
    assert any(f"The command that ran this job (pid {dead.pid}) stopped" in e for e in _shown(at)), _shown(at)


def test_the_reports_page_says_a_report_was_kept_when_its_command_died_after_saving_it(
        penguins_run: tuple[Path, int, int], monkeypatch: pytest.MonkeyPatch) -> None:
    db, real_id, synth_id = penguins_run
    store = DatasetStore(db)
    params = {"kind": "quality", "a": real_id, "b": synth_id, "holdout": None, "target": None, "seed": 0}
    report_id = jobs.run_inline(store, "report", params)["artifact_id"]
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    created = psutil.Process(dead.pid).create_time()
    dead.wait()
    saved = {"artifact_id": report_id, "saved": f"quality report #{report_id}"}
    with store.write() as conn:  # the job row of a command killed after its report's transaction committed
        conn.execute(insert(schema.jobs).values(
            kind="report", title=f"quality report #{synth_id} vs #{real_id}", params=params, status="running",
            created_at="2024-01-01T00:00:00+00:00", started_at="2024-01-01T00:00:00+00:00", progress=0.97,
            cancel_requested=0, owner="command", pid=dead.pid, pid_created=created, result=saved))
    at = _page(db, monkeypatch, "pages/reports.py", synth_id)
    assert not any(" failed: " in e for e in _shown(at)), _shown(at)  # (the copy-rows verdict is an error box)
    assert any(": done in" in s.value for s in at.success), [s.value for s in at.success]
    notes = shown([i.value for i in at.info])
    assert any(f"pid {dead.pid}" in n and "after its output was saved" in n for n in notes), notes
    assert not at.button(key="mdg.reports.run").disabled


def test_the_data_page_after_a_delete_command_was_killed(penguins_run: tuple[Path, int, int],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    db, real_id, _ = penguins_run
    family = sorted(i for (i,) in rows(db, "SELECT id FROM datasets"))
    proc = cli(db, "delete", str(real_id), "--cascade")
    assert handles_stops(proc)
    time.sleep(random.Random(f"{SEED}-data-page").uniform(0.0, 2.0))  # loading, opening the store, deleting
    stop(proc, signal.SIGKILL)
    left = sorted(i for (i,) in rows(db, "SELECT id FROM datasets"))
    assert left in (family, [])
    at = _page(db, monkeypatch, "pages/data.py", real_id if left else None)
    listed = sorted(at.dataframe[0].value["ID"]) if left else []
    assert listed == left  # the catalogue the page shows is the one in the database
    if left:
        assert at.session_state["mdg.current_dataset_id"] == real_id
        assert not next(b for b in at.button if b.label == "Delete…").disabled
    else:
        assert "No datasets yet" in " ".join(i.value for i in at.info)
    _freed(db, at, [])
