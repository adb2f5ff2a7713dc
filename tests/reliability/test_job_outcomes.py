"""A job's outcome is committed with its output: a job stopped right after its output transaction
committed (kill -9, SIGTERM, a late cancel, a later failure) ends "done" with its result, which names
what was stored, and the output is whole; one stopped just before that commit says "nothing was
saved", and nothing was. The stops land exactly there (``_output_commit``), not at a lucky moment."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from mdg_core import jobs
from mdg_core.errors import StoreError
from mdg_core.llm.mock import CACHE_KIND
from mdg_core.store import DatasetStore
from tests.reliability._kill import ROOT, after_next_open, cli, last_line, rows
from tests.reliability._output_commit import hooked_env

SAVED_NOTE = "after its output was saved; the output is whole and kept."
EXAMPLES = json.loads((ROOT / "data" / "mock_examples.json").read_text())

DRIVER = """
import json, sys
from mdg_core import jobs
from mdg_core.store import DatasetStore
from tests.reliability._output_commit import install

db, mode, kind, params = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
install(mode)
print(json.dumps(jobs.run_inline(DatasetStore(db), kind, params)))
"""


def _drive(db: Path, mode: str, kind: str, params: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    """Run the job with ``run_inline`` in another process, with the hook installed in ``mode``."""
    return subprocess.run([sys.executable, "-c", DRIVER, str(db), mode, kind, json.dumps(params)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


def _state(db: Path) -> dict[str, Any]:
    """Everything a job can store (the records the mock writer caches as it goes aside)."""
    return {
        "datasets": rows(db, "SELECT id, kind, n_rows FROM datasets ORDER BY id"),
        "tables": rows(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'ds_%' ORDER BY name"),
        "artifacts": rows(db, f"SELECT id, kind, key FROM artifacts WHERE kind != '{CACHE_KIND}' ORDER BY id"),
        "runs": rows(db, "SELECT id, output_dataset_id FROM runs ORDER BY id"),
    }


def _job(db: Path) -> tuple[str, str | None, dict[str, Any] | None]:
    """Status, error and result of the newest job."""
    [(status, error, result)] = rows(db, "SELECT status, error, result FROM jobs ORDER BY id DESC LIMIT 1")
    return status, error, json.loads(result) if result else None


@pytest.fixture()
def model(penguins_db: tuple[Path, int]) -> int:
    db, real_id = penguins_db
    return int(jobs.run_inline(DatasetStore(db), "generate", {"dataset_id": real_id, "generator": "copy_rows",
                                                               "seed": 1, "n_rows": 50})["model_artifact_id"])


@pytest.fixture()
def leaky(penguins_db: tuple[Path, int]) -> int:
    """A synthetic dataset whose first 30 rows copy real rows; the rest mix columns of different rows."""
    db, real_id = penguins_db
    store = DatasetStore(db)
    df = store.load(real_id).dropna().reset_index(drop=True)
    rng = np.random.default_rng(0)
    mixed = pd.DataFrame({c: df[c].to_numpy()[rng.permutation(len(df))] for c in df.columns}).head(170)
    return store.save(pd.concat([df.head(30), mixed], ignore_index=True), "leaky", "synthetic", parent_id=real_id).id


def _generate(store: DatasetStore, real_id: int, result: dict[str, Any]) -> None:
    out = store.get(result["output_dataset_id"])
    run = store.get_run(result["run_id"])
    assert out.n_rows == 120 and len(store.load(out.id)) == 120 and out.parent_id == real_id
    assert (run["output_dataset_id"], run["model_artifact_id"]) == (out.id, result["model_artifact_id"])
    assert store.get_artifact_by_id(result["model_artifact_id"], with_payload=False) is not None
    assert result["saved"] == (f"synthetic dataset #{out.id} '{out.name}' with its run #{run['id']} "
                               f"(train #{result['train_dataset_id']}, holdout #{result['holdout_dataset_id']}, "
                               f"model #{result['model_artifact_id']})")


def _sample(store: DatasetStore, real_id: int, result: dict[str, Any]) -> None:
    out = store.get(result["output_dataset_id"])
    assert out.n_rows == 40 and store.get_run(result["run_id"])["output_dataset_id"] == out.id
    assert result["saved"] == (f"synthetic dataset #{out.id} '{out.name}' with its run #{result['run_id']} "
                               f"(from model #{result['model_artifact_id']})")


def _report(store: DatasetStore, real_id: int, result: dict[str, Any]) -> None:
    art = store.get_artifact_by_id(result["artifact_id"])  # the payload checks against its hash
    assert art is not None and art.key == result["key"] and (art.summary or {})["verdict"] == result["verdict"]
    new = result.get("new_dataset_id")
    if new is None:
        assert result["saved"] == f"quality report #{art.id} (#{result['b']} vs #{real_id})"
        return
    info = store.get(new)
    assert info.n_rows == len(store.load(new)) == store.get(result["dropped_from"]).n_rows - result["dropped_rows"]
    assert art.other_dataset_id == new
    assert result["saved"] == f"dataset #{new} '{info.name}' and its privacy report #{art.id} (#{new} vs #{real_id})"


def _compare(store: DatasetStore, real_id: int, result: dict[str, Any]) -> None:
    [art] = store.list_artifacts("comparison", dataset_id=real_id)
    assert [r["generator"] for r in (art.summary or {})["results"]] == ["copy_rows"]
    assert result["saved"] == f"comparison #{art.id} of 1 generator(s) on dataset #{real_id}"


def _ingest(store: DatasetStore, real_id: int, result: dict[str, Any]) -> None:
    info = store.get(result["dataset_id"])
    assert (info.name, info.n_rows, len(store.load(info.id))) == ("birds", 344, 344)
    assert result["saved"] == f"dataset #{info.id} 'birds'"


def _profile(store: DatasetStore, real_id: int, result: dict[str, Any]) -> None:
    art = store.get_artifact_by_id(result["artifact_id"])
    assert art is not None and art.payload is not None and b"<html" in art.payload.lower()
    assert result["saved"] == f"profile report #{art.id} of #{real_id}"


def _mock(store: DatasetStore, real_id: int, result: dict[str, Any]) -> None:
    info = store.get(result["dataset_id"])
    assert (info.kind, info.name, info.n_rows) == ("mock", "m", 2)
    assert result["saved"] == f"mock dataset #{info.id} 'm'"


Check = Callable[[DatasetStore, int, dict[str, Any]], None]
# each job kind that stores output: its parameters (from the fixtures' ids) and what "whole" means
JOBS: dict[str, tuple[str, Callable[[int, dict[str, int]], dict[str, Any]], Check]] = {
    "generate": ("generate", lambda real, ids: {"dataset_id": real, "generator": "copy_rows", "seed": 3,
                                                 "n_rows": 120}, _generate),
    "sample_model": ("sample_model", lambda real, ids: {"model_artifact_id": ids["model"], "n_rows": 40, "seed": 2},
                     _sample),
    "report": ("report", lambda real, ids: {"kind": "quality", "a": real, "b": ids["synth"]}, _report),
    "drop_risky_rows": ("report", lambda real, ids: {"kind": "privacy", "a": real, "b": ids["leaky"],
                                                      "drop_risky_threshold": 1e-9}, _report),
    "compare_generators": ("compare_generators", lambda real, ids: {"dataset_id": real, "generators": ["copy_rows"],
                                                                     "seed": 1, "n_rows": 100}, _compare),
    "ingest": ("ingest", lambda real, ids: {"path": str(ROOT / "data" / "penguins.csv"), "name": "birds"}, _ingest),
    "profile_report": ("profile_report", lambda real, ids: {"dataset_id": real, "mode": "minimal"}, _profile),
    "mock": ("mock", lambda real, ids: {"examples": EXAMPLES, "count": 2, "seed": 1, "save_name": "m"}, _mock),
}


def _ids(request: pytest.FixtureRequest, case: str, real_id: int) -> dict[str, int]:
    """The inputs a case needs: a kept model, a synthetic dataset, a leaky one."""
    needs = {"sample_model": "model", "drop_risky_rows": "leaky"}
    ids: dict[str, int] = {}
    if case in needs:
        ids[needs[case]] = request.getfixturevalue(needs[case])
    if case == "report":
        ids["synth"] = request.getfixturevalue("leaky")
    return ids


@pytest.mark.parametrize("case", list(JOBS))
def test_a_job_killed_right_after_its_output_committed_is_done_with_its_result(
        penguins_db: tuple[Path, int], request: pytest.FixtureRequest, case: str) -> None:
    db, real_id = penguins_db
    kind, params, whole = JOBS[case]
    done = _drive(db, "kill-after", kind, params(real_id, _ids(request, case, real_id)))
    assert done.returncode == -signal.SIGKILL, done.stderr[-2000:]
    [(job_id, status, error, owner, pid)] = after_next_open(db)[-1:]
    assert (status, owner) == ("done", "command")
    assert error == f"The command that ran this job (pid {pid}) stopped {SAVED_NOTE}"
    result = _job(db)[2]
    assert result is not None
    whole(DatasetStore(db), real_id, result)
    assert jobs.get(DatasetStore(db), job_id).stopped_after_saving == error


@pytest.mark.parametrize("case", list(JOBS))
def test_a_job_killed_just_before_its_output_committed_saved_nothing_and_says_so(
        penguins_db: tuple[Path, int], request: pytest.FixtureRequest, case: str) -> None:
    db, real_id = penguins_db
    kind, params, _ = JOBS[case]
    job_params = params(real_id, _ids(request, case, real_id))
    before = _state(db)
    done = _drive(db, "kill-before", kind, job_params)
    assert done.returncode == -signal.SIGKILL, done.stderr[-2000:]
    [(_, status, error, _, pid)] = after_next_open(db)[-1:]
    assert (status, error) == ("failed", f"The command that ran this job (pid {pid}) stopped (killed or crashed) "
                                         "before it finished; nothing was saved. Run it again.")
    assert _job(db)[2] is None
    assert _state(db) == before


@pytest.mark.parametrize("mode, note", [("cancel-after", "The cancel came"),
                                        ("fail-after", "It ended with an error (injected failure after the output "
                                                       "was saved)")], ids=["cancel", "failure"])
def test_a_late_cancel_or_failure_after_the_output_committed_still_returns_the_result(
        penguins_db: tuple[Path, int], mode: str, note: str) -> None:
    db, real_id = penguins_db
    kind, params, whole = JOBS["generate"]
    done = _drive(db, mode, kind, params(real_id, {}))
    assert done.returncode == 0, done.stderr[-2000:]
    printed = json.loads(done.stdout)
    after_next_open(db)
    status, error, result = _job(db)
    assert (status, error, result) == ("done", f"{note} {SAVED_NOTE}", printed)
    whole(DatasetStore(db), real_id, printed)


@pytest.mark.parametrize("mode", ["cancel-after", "term-after"])
def test_a_worker_stopped_after_its_output_committed_ends_done(store: DatasetStore, tmp_path: Path, mode: str,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in hooked_env(tmp_path, mode).items():
        monkeypatch.setenv(key, value)  # the worker inherits it
    job_id = jobs.submit(store, "ingest", {"path": str(ROOT / "data" / "penguins.csv"), "name": "birds"}, "Ingest")
    info = jobs.wait(store, job_id, timeout_s=300)
    note = "The cancel came" if mode == "cancel-after" else "The worker was stopped by a signal (SIGTERM)"
    assert (info.status, info.error) == ("done", f"{note} {SAVED_NOTE}")
    assert info.result is not None
    _ingest(store, 0, info.result)


# --- CLI commands ----------------------------------------------------------------------------------
def _command(db: Path, mode: str, *args: str) -> tuple[int, str, str]:
    proc = cli(db, *args, env=hooked_env(db.parent, mode))
    out, err = proc.communicate(timeout=600)
    return proc.returncode, out, err


@pytest.mark.parametrize("command", ["generate", "mock"])
def test_a_worker_killed_after_its_output_committed_leaves_its_command_printing_the_result(
        penguins_db: tuple[Path, int], command: str) -> None:
    db, real_id = penguins_db
    args = (["generate", str(real_id), "--generator", "copy_rows", "--rows", "120", "--seed", "3"]
            if command == "generate" else ["mock", str(ROOT / "data" / "mock_examples.json"), "--count", "2",
                                           "--seed", "1", "--save", "m"])
    code, out, err = _command(db, "kill-after", *args)
    assert code == 0, err
    printed = json.loads(out)
    [(_, status, error, owner, pid)] = after_next_open(db)[-1:]
    assert (status, owner) == ("done", "worker")
    assert error == f"The worker (pid {pid}) stopped by a signal (SIGKILL) {SAVED_NOTE}"
    assert error in err  # the command says so too, and prints the result
    (_generate if command == "generate" else _mock)(DatasetStore(db), real_id, printed)
    assert printed["saved"] == _job(db)[2]["saved"]  # type: ignore[index]


def _stored_after_sigterm(db: Path, code: int, out: str, err: str) -> dict[str, Any]:
    """A command SIGTERMed after its job's output committed: it says what was stored, and the job is done."""
    status, error, result = _job(db)
    assert result is not None
    assert (code, out, last_line(err)) == (2, "", f"error: Stopped by SIGTERM after the change was saved: "
                                                  f"{result['saved']} was stored.")
    after_next_open(db)
    assert (status, error) == ("done", f"Stopped by SIGTERM {SAVED_NOTE}")
    return result


def test_a_command_stopped_after_its_worker_committed_says_what_was_stored(penguins_db: tuple[Path, int]) -> None:
    db, real_id = penguins_db
    code, out, err = _command(db, "term-command-after", "generate", str(real_id), "--generator", "copy_rows",
                              "--rows", "120", "--seed", "3")
    result = _stored_after_sigterm(db, code, out, err)
    _generate(DatasetStore(db), real_id, result)


def test_a_worker_killed_before_its_output_committed_leaves_nothing_and_its_command_says_so(
        penguins_db: tuple[Path, int]) -> None:
    db, real_id = penguins_db
    before = _state(db)
    code, out, err = _command(db, "kill-before", "generate", str(real_id), "--generator", "copy_rows",
                              "--rows", "120", "--seed", "3")
    reason = "The worker was stopped by a signal (SIGKILL) — killed from outside; nothing was saved."
    assert (code, out, last_line(err)) == (2, "", f"error: {reason}")
    [(_, status, error, _, _)] = after_next_open(db)[-1:]
    assert (status, error) == ("failed", reason)
    assert _state(db) == before


@pytest.mark.parametrize("command", ["report", "profile"])
def test_an_inline_command_stopped_after_its_output_committed_says_what_was_stored(
        penguins_db: tuple[Path, int], leaky: int, command: str) -> None:
    db, real_id = penguins_db
    args = (["report", "quality", str(real_id), str(leaky)] if command == "report"
            else ["profile", str(real_id), "--full", "--mode", "minimal"])
    code, out, err = _command(db, "term-after", *args)
    result = _stored_after_sigterm(db, code, out, err)
    (_report if command == "report" else _profile)(DatasetStore(db), real_id, result)


def test_an_ingest_job_on_a_full_disk_says_so_and_saves_nothing(store: DatasetStore, tmp_path: Path) -> None:
    from sqlalchemy import event

    store.save(pd.DataFrame({"keep": [1]}), "existing")
    before = _state(store.db_path)
    path = tmp_path / "big.csv"
    path.write_text("id,text\n" + "".join(f"{i},{'x' * 200}\n" for i in range(20_000)))

    def _tiny_disk(dbapi_connection: Any, _record: Any) -> None:
        pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
        dbapi_connection.execute(f"PRAGMA max_page_count={pages + 20}")  # SQLite then reports SQLITE_FULL

    event.listen(store.engine, "connect", _tiny_disk)
    store.engine.dispose()
    try:  # the dataset is written inside the job's output transaction: SQLite rolls back all of it
        with pytest.raises(StoreError, match="is full"):
            jobs.run_inline(store, "ingest", {"path": str(path)})
    finally:
        event.remove(store.engine, "connect", _tiny_disk)
        store.engine.dispose()
    assert _state(store.db_path) == before
    status, error, result = _job(store.db_path)
    assert status == "failed" and "is full" in str(error) and result is None
