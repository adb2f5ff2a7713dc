"""Ingest memory stays within 3x the file, for files of short values too.

A 500 MB four-column file peaked at 2.0 GB: every column was held whole, as 8-byte numbers or as
strings with 4-byte offsets, so files of one- or two-character values cost 5-7x their size.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import sys, threading, time
from pathlib import Path
import psutil
from mdg_core.ingest import ingest_file
from mdg_core.store import DatasetStore

store = DatasetStore(sys.argv[2])
proc = psutil.Process()
base = peak = proc.memory_info().rss
stop = threading.Event()

def watch():
    global peak
    while not stop.is_set():
        peak = max(peak, proc.memory_info().rss)
        time.sleep(0.005)

watcher = threading.Thread(target=watch, daemon=True)
watcher.start()
info = ingest_file(store, Path(sys.argv[1]), max_mb=1e6)
stop.set()
watcher.join()
print(info.n_rows, peak - base)
"""


@pytest.mark.slow
@pytest.mark.parametrize("row", [b"3,1,4,1\n5,9,2,6\n", b"y,n,y,y\nn,y,n,n\n"], ids=["digits", "yes-no"])
def test_ingest_peak_memory_is_at_most_three_times_the_file(tmp_path: Path, row: bytes) -> None:
    path = tmp_path / "short_values.csv"
    repeats = 6_000_000
    path.write_bytes(b"a,b,c,d\n" + row * repeats)  # 96 MB of one-character values
    done = subprocess.run([sys.executable, "-c", CHILD, str(path), str(tmp_path / "mdg.db")], cwd=ROOT,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    rows, peak = map(int, done.stdout.split())
    assert rows == 2 * repeats
    assert peak <= 3 * path.stat().st_size, f"peak {peak / 1e6:.0f} MB for a {path.stat().st_size / 1e6:.0f} MB file"


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="measured 3.8-3.9x: Arrow's reader holds a row that big three times (its "
                   "block, the parsed copy, the string builder) and SQLite copies a bound value twice; meeting 3x "
                   "needs rows over 8 MB read around Arrow and written with SQLite's incremental blob I/O")
def test_ingest_peak_memory_for_one_huge_value_is_at_most_three_times_the_file(tmp_path: Path) -> None:
    path = tmp_path / "one_huge_value.csv"
    path.write_bytes(b"id,text\n1," + b"x" * 100_000_000 + b"\n2,short\n")
    done = subprocess.run([sys.executable, "-c", CHILD, str(path), str(tmp_path / "mdg.db")], cwd=ROOT,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    rows, peak = map(int, done.stdout.split())
    assert rows == 2
    assert peak <= 3 * path.stat().st_size, f"peak {peak / 1e6:.0f} MB for a {path.stat().st_size / 1e6:.0f} MB file"
