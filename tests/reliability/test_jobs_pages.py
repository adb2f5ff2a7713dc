"""A page whose job's owner died is freed: it says why the job ended and its button works again."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest
from sqlalchemy import insert, select
from streamlit.testing.v1 import AppTest

from mdg_core import jobs
from mdg_core.store import DatasetStore, schema

ROOT = Path(__file__).resolve().parents[2]
LLM_CRASH = ("The local language model crashed (segmentation fault in llama.cpp) on this CPU — run "
             "`python -m mdg_core doctor` or Settings → Test the model.")


def _shown(at: AppTest) -> list[str]:
    """The error boxes' text as the analyst reads it (the page escapes Markdown in data)."""
    return [re.sub(r"\\(.)", r"\1", e.value) for e in at.error]


def _mock_page(db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("MDG_DB_PATH", str(db))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page("pages/mock_data.py")
    return at.run()


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
