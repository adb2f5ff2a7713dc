"""A stop signal caught by the command gives the command's own exit code, wherever it landed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

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
