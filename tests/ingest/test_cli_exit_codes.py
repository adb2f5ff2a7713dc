"""The CLI's exit code is 0 or 2 for every file, however broken: never an abort, a hang or a traceback.

A 100 MB field used to abort the process at exit (``terminate called without an active exception``,
rc 134) after Arrow's "straddling object" error, because a reader was left reading in Arrow's
threads; a valid one was refused.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUNS = 50

BAD_FILES: dict[str, bytes] = {
    "unclosed_quote": b'id,name\n1,"Smith\n2,Jones\n3,Brown\n',
    "ragged": b"a,b,c\n1,2,3\n4,5\n6,7,8\n",
    "header_only": b"a,b\n",
    "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89",
    "bad_utf8": "name\nZoë\n".encode() + b"\xff\xfe\n",
    "too_wide": (",".join(f"c{i}" for i in range(2001)) + "\n" + ",".join("1" * 2001) + "\n").encode(),
    # a field larger than Arrow's first blocks, then a ragged row: block growth and the error path
    "big_field_ragged": b'id,text\n1,"' + b"x" * 1_500_000 + b'"\n2,a,extra\n',
    "only_excel_sep": b"sep=;\n",
}

LOOP = """
import sys
from mdg_core.cli import main
db, paths, runs = sys.argv[1], sys.argv[2:], {runs}
for path in paths:
    codes = {{main(["--db", db, "--quiet", "ingest", path]) for _ in range(runs)}}
    print(path, sorted(codes))
"""


def _write(tmp_path: Path, files: dict[str, bytes]) -> list[Path]:
    paths = []
    for name, content in files.items():
        path = tmp_path / f"{name}.csv"
        path.write_bytes(content)
        paths.append(path)
    return paths


def _cli(db: Path, path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "mdg_core", "--db", str(db), "--quiet", "ingest", str(path)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _exit_codes(procs: list[subprocess.Popen[str]]) -> list[tuple[int, str]]:
    out = []
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        out.append((proc.returncode, err[-300:]))
    return out


def test_every_bad_file_gives_exit_code_2_fifty_times_in_a_row(tmp_path: Path) -> None:
    paths = _write(tmp_path, BAD_FILES)
    db = tmp_path / "mdg.db"
    # 50 ingests of each file in one process, then a normal exit: a reader left running would
    # make that exit abort or hang
    done = subprocess.run([sys.executable, "-c", LOOP.format(runs=RUNS), str(db), *map(str, paths)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    codes = dict(line.rsplit(" ", 1) for line in done.stdout.replace(", ", ",").splitlines())
    assert codes == {str(p): "[2]" for p in paths}
    for rc, err in _exit_codes([_cli(db, p) for p in paths]):  # and once each as its own process
        assert rc == 2 and "error: " in err and "Traceback" not in err, err


@pytest.mark.slow
def test_a_100_mb_field_is_read_and_exits_cleanly_every_time(tmp_path: Path) -> None:
    valid, bad = tmp_path / "valid.csv", tmp_path / "bad.csv"
    field = b"x" * 100_000_000
    valid.write_bytes(b'id,text\n1,short\n2,"' + field + b'"\n3,end\n')
    bad.write_bytes(b'id,text\n1,short\n2,"' + field + b'"\n3,end,extra\n')
    for path, expected in ((valid, 0), (bad, 2)):
        for run in range(3):
            rc, err = _exit_codes([_cli(tmp_path / f"db{run}.sqlite", path)])[0]
            assert rc == expected, err


@pytest.mark.slow
@pytest.mark.timeout(3600)  # 400 processes: about 5 minutes on 2 quiet cores
def test_fifty_separate_cli_runs_of_each_bad_file_exit_with_2(tmp_path: Path) -> None:
    paths = _write(tmp_path, BAD_FILES)
    for run in range(RUNS):  # each round runs every bad file at once, each in its own process
        results = _exit_codes([_cli(tmp_path / f"db{run}.sqlite", path) for path in paths])
        assert [rc for rc, _ in results] == [2] * len(paths), (run, results)
