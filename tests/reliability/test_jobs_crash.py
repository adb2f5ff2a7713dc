"""A native crash is named: in a mock or generate worker (the CLI says so in one line, exit 2, nothing
changes), and in a command that ran its job in-process (the next open marks the job failed)."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from mdg_core.ingest import ingest_file
from mdg_core.jobs import TEST_CRASH_ENV
from mdg_core.store import DatasetStore

ROOT = Path(__file__).resolve().parents[2]
LLM_CRASH = ("The local language model crashed (segmentation fault in llama.cpp) on this CPU — run "
             "`python -m mdg_core doctor` or Settings → Test the model.")


def _run(db: Path, *args: str, crash: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mdg_core", "--db", str(db), "--quiet", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, env=dict(os.environ, **{TEST_CRASH_ENV: crash}))


def _snapshot(db: Path) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    conn = sqlite3.connect(db)
    try:
        return (conn.execute("SELECT * FROM datasets ORDER BY id").fetchall(),
                conn.execute("SELECT id, kind, key, sha256 FROM artifacts ORDER BY id").fetchall())
    finally:
        conn.close()


def test_a_crash_of_the_model_in_the_mock_worker_is_one_clear_line(tmp_path: Path) -> None:
    db = tmp_path / "mdg.db"
    ingest_file(DatasetStore(db), ROOT / "data" / "penguins.csv", name="penguins")
    before = _snapshot(db)
    res = _run(db, "mock", str(ROOT / "data" / "mock_examples.json"), "--count", "5", "--save", "m", crash="segv:mock")
    assert res.returncode == 2
    assert res.stdout == ""
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert lines == [f"error: {LLM_CRASH}"]
    assert _snapshot(db) == before
    conn = sqlite3.connect(db)
    [(status, error, exit_code)] = conn.execute("SELECT status, error, exit_code FROM jobs").fetchall()
    assert (status, error, exit_code) == ("failed", LLM_CRASH, -signal.SIGSEGV)


def test_a_crash_while_generating_is_one_clear_line_and_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "mdg.db"
    info = ingest_file(DatasetStore(db), ROOT / "data" / "penguins.csv", name="penguins")
    before = _snapshot(db)
    res = _run(db, "generate", str(info.id), "--generator", "copy_rows", crash="segv:generate")
    assert res.returncode == 2
    assert res.stdout == ""
    [line] = [ln for ln in res.stderr.splitlines() if ln.strip()]
    match = re.fullmatch(r"error: The worker crashed in native code \(segmentation fault\) in mdg_core\.jobs; "
                         r"nothing was saved\. Details: (\S+\.log)", line)
    assert match, line
    assert "Fatal Python error: Segmentation fault" in Path(match.group(1)).read_text()  # the stack, in the log
    assert _snapshot(db) == before
    conn = sqlite3.connect(db)
    [(status, error, exit_code, owner)] = conn.execute("SELECT status, error, exit_code, owner FROM jobs").fetchall()
    assert (status, error, exit_code, owner) == ("failed", line.removeprefix("error: "), -signal.SIGSEGV, "worker")


def test_a_command_that_crashed_running_its_job_is_reaped_on_the_next_open(tmp_path: Path) -> None:
    db = tmp_path / "mdg.db"
    info = ingest_file(DatasetStore(db), ROOT / "data" / "penguins.csv", name="penguins")
    before = _snapshot(db)
    # report still runs its job in this process
    proc = subprocess.Popen([sys.executable, "-m", "mdg_core", "--db", str(db), "--quiet", "report", "quality",
                             str(info.id), str(info.id)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=dict(os.environ, **{TEST_CRASH_ENV: "segv:report"}))
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == -signal.SIGSEGV
    assert "Fatal Python error: Segmentation fault" in err  # faulthandler names it in the terminal
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT status FROM jobs").fetchall() == [("running",)]  # what the crash left
    listing = _run(db, "list", crash="")
    assert listing.returncode == 0, listing.stderr
    [(status, error)] = conn.execute("SELECT status, error FROM jobs").fetchall()
    assert status == "failed"
    assert error == (f"The command that ran this job (pid {proc.pid}) stopped (killed or crashed) before it "
                     "finished; nothing was saved. Run it again.")
    assert _snapshot(db) == before
