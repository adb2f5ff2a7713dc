"""A stop signal caught by the command gives the command's own exit code, wherever it landed, and its one
line says truly whether the change was saved."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.reliability._kill import ROOT, after_next_open, last_line, rows, saved_line, stopped_line

# SIGTERM lands while code run through PyRun_String is executing (as it does while a Cython module
# is imported); the command catches the stop and answers 2, as the CLI does
STOPPED_IN_PYRUN_STRING = """
import ctypes, os, signal, sys
from mdg_core import interrupts

api = ctypes.pythonapi
api.PyRun_String.restype = ctypes.py_object
api.PyRun_String.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.py_object, ctypes.py_object]
code = 0
with interrupts.stop_signals():
    try:
        scope = {"os": os, "signal": signal}
        api.PyRun_String(b"os.kill(os.getpid(), signal.SIGTERM)\\nfor _ in range(10**8): pass\\n", 257, scope, scope)
    except KeyboardInterrupt:
        sys.stderr.write("error: " + interrupts.stop_reason() + "\\n")
        code = 2
sys.exit(code)
"""


def test_a_stop_caught_inside_code_run_by_pyrun_string_still_exits_with_the_commands_code(tmp_path: Path) -> None:
    # run with -m, as the CLI is: only then does CPython turn a caught plain KeyboardInterrupt into a
    # death by SIGINT at exit (exit status -2)
    (tmp_path / "stopped_command.py").write_text(STOPPED_IN_PYRUN_STRING)
    done = subprocess.run([sys.executable, "-m", "stopped_command"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert done.stderr.strip().splitlines()[-1] == "error: Stopped by SIGTERM"


# the command, with a stop signal sent to itself just before or just after the call that commits its
# change (the store's delete, the ingest's save): the stop lands there, not at a lucky moment
STOPPED_AROUND_COMMIT = """
import os, signal, sys
from mdg_core import cli
from mdg_core.cli import data

where, sig, *argv = sys.argv[1:]
target = "cmd_delete" if "delete" in argv else "ingest_file"
original = getattr(data, target)

def stopped(*args, **kwargs):
    if where == "before":
        os.kill(os.getpid(), int(sig))
    out = original(*args, **kwargs)
    os.kill(os.getpid(), int(sig))  # the change is committed; the result is not yet printed
    return out

setattr(data, target, stopped)
sys.argv = ["mdg_core", *argv]
sys.exit(cli.run())
"""


def _stopped_around_commit(tmp_path: Path, where: str, sig: int, *argv: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "stopped_around_commit.py").write_text(STOPPED_AROUND_COMMIT)
    return subprocess.run([sys.executable, "-m", "stopped_around_commit", where, str(int(sig)), *argv],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stop_after_the_delete_committed_says_what_was_deleted(penguins_run: tuple[Path, int, int],
                                                                 sig: int) -> None:
    db, real_id, _ = penguins_run
    family = {i: name for i, name in rows(db, "SELECT id, name FROM datasets")}
    assert len(family) == 4  # the real data, its train and holdout splits, the synthetic output
    done = _stopped_around_commit(db.parent, "before", sig, "--db", str(db), "--quiet", "delete", str(real_id),
                                  "--cascade")
    assert (done.returncode, done.stdout, last_line(done.stderr)) == (2, "", stopped_line(sig))
    assert dict(rows(db, "SELECT id, name FROM datasets")) == family  # true: nothing was deleted

    done = _stopped_around_commit(db.parent, "after", sig, "--db", str(db), "--quiet", "delete", str(real_id),
                                  "--cascade")
    assert rows(db, "SELECT id FROM datasets") == []
    listed = ", ".join(f"#{i} '{family[i]}'" for i in sorted(family))
    assert (done.returncode, done.stdout, last_line(done.stderr)) == (
        2, "", saved_line(sig, f"datasets {listed} were deleted"))
    after_next_open(db)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stop_after_the_ingest_committed_says_which_dataset_was_stored(tmp_path: Path, sig: int) -> None:
    db = tmp_path / "mdg.db"
    csv = ROOT / "data" / "penguins.csv"
    done = _stopped_around_commit(tmp_path, "before", sig, "--db", str(db), "--quiet", "ingest", str(csv),
                                  "--name", "birds")
    assert (done.returncode, done.stdout, last_line(done.stderr)) == (2, "", stopped_line(sig))
    assert rows(db, "SELECT count(*) FROM datasets") == [(0,)]

    done = _stopped_around_commit(tmp_path, "after", sig, "--db", str(db), "--quiet", "ingest", str(csv),
                                  "--name", "birds")
    [(dataset_id, n_rows)] = rows(db, "SELECT id, n_rows FROM datasets WHERE name = 'birds'")
    assert n_rows == 344  # the whole file: the stop came after the save
    assert (done.returncode, done.stdout, last_line(done.stderr)) == (
        2, "", saved_line(sig, f"dataset #{dataset_id} 'birds' was stored"))
    after_next_open(db)
