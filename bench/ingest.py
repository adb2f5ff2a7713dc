"""Ingest benchmark: MDG ingest + store vs plain ``pandas.read_csv`` + ``DataFrame.to_sql``.

Each measurement runs in its own fresh process so peak memory is honest: peak RSS during the
operation minus the process's RSS just before it (imports done). Prints a table with ratios and
saves ``bench/results/ingest.json``.

    python bench/ingest.py            # 100k and 1M rows × 20 columns
    python bench/ingest.py --rows 100000
    python bench/ingest.py --shape short --rows 12000000   # 4 one-character columns (96 MB)
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"


def make_csv(path: Path, rows: int, seed: int = 0) -> None:
    """A 20-column mixed table: ints, floats, categories, text, dates, booleans, IDs, gaps."""
    rng = np.random.default_rng(seed)
    chunk = 200_000
    for start in range(0, rows, chunk):
        n = min(chunk, rows - start)
        idx = np.arange(start, start + n)
        frame = pd.DataFrame({
            "id": idx,
            "customer_code": [f"C{i:07d}" for i in idx],
            "age": rng.integers(18, 90, n),
            "income": np.round(rng.lognormal(10, 0.6, n), 2),
            "score": np.where(rng.random(n) < 0.05, np.nan, np.round(rng.normal(600, 80, n), 1)),
            "visits": pd.array(np.where(rng.random(n) < 0.1, -1, rng.poisson(4, n))).astype("float").astype(object),
            "country": rng.choice(["US", "UK", "FR", "DE", "ES", "IT", "NL"], n),
            "segment": rng.choice(["gold", "silver", "bronze"], n, p=[0.1, 0.3, 0.6]),
            "active": rng.choice(["yes", "no"], n),
            "signup": pd.to_datetime("2015-01-01") + pd.to_timedelta(rng.integers(0, 3650, n), unit="D"),
            "last_seen": pd.to_datetime("2024-01-01") + pd.to_timedelta(rng.integers(0, 86400 * 300, n), unit="s"),
            "balance": np.round(rng.normal(1000, 500, n), 2),
            "ratio": rng.random(n),
            "channel": rng.choice(["web", "app", "store", "phone"], n),
            "zip": [f"{z:05d}" for z in rng.integers(0, 99999, n)],
            "clicks": rng.integers(0, 10_000, n),
            "rating": rng.integers(1, 6, n),
            "comment": rng.choice(["great", "ok", "slow delivery", "would buy again", ""], n),
            "discount": np.round(rng.uniform(0, 0.5, n), 3),
            "churned": rng.choice(["true", "false"], n),
        })
        frame["visits"] = frame["visits"].map(lambda v: "" if v == -1 else str(int(v)))
        frame.to_csv(path, mode="a" if start else "w", header=not start, index=False)


def make_short_csv(path: Path, rows: int, seed: int = 0) -> None:
    """Four columns of one-character values ("3,y,7,n"): the file whose parsed columns are
    largest next to its size (8-byte numbers and 4-byte string offsets for 2 bytes of text)."""
    rng = np.random.default_rng(seed)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("a,b,c,d\n")
        for start in range(0, rows, 1_000_000):
            n = min(1_000_000, rows - start)
            digits = rng.integers(0, 10, (n, 2)).astype(str)
            flags = rng.choice(np.array(["y", "n"]), (n, 2))
            fh.write("".join(f"{a},{b},{c},{d}\n" for a, c, b, d in zip(digits[:, 0], digits[:, 1],
                                                                            flags[:, 0], flags[:, 1], strict=True)))


SHAPES = {"mixed": (make_csv, 20), "short": (make_short_csv, 4)}


def _watch_peak(stop: threading.Event, peak: list[int]) -> None:
    proc = psutil.Process()
    while not stop.is_set():
        peak[0] = max(peak[0], proc.memory_info().rss)
        time.sleep(0.01)


def _measure(fn) -> dict[str, float]:  # type: ignore[no-untyped-def]
    base = psutil.Process().memory_info().rss
    peak = [base]
    stop = threading.Event()
    watcher = threading.Thread(target=_watch_peak, args=(stop, peak), daemon=True)
    watcher.start()
    start = time.perf_counter()
    fn()
    seconds = time.perf_counter() - start
    stop.set()
    watcher.join()
    return {"seconds": seconds, "peak_mb": (peak[0] - base) / 1e6}


def child(mode: str, csv: str, db: str) -> None:
    """One measurement in this (fresh) process; prints a JSON line."""
    if mode == "mdg_ingest":
        from mdg_core.ingest import ingest_file
        from mdg_core.store import DatasetStore

        store = DatasetStore(db)
        result = _measure(lambda: ingest_file(store, Path(csv), name="bench", max_mb=1e6))
    elif mode == "pandas_ingest":
        def run() -> None:
            con = sqlite3.connect(db)
            pd.read_csv(csv).to_sql("bench", con, index=False, if_exists="replace")
            con.commit()
            con.close()
        result = _measure(run)
    elif mode == "mdg_load":
        from mdg_core.store import DatasetStore

        store = DatasetStore(db)
        dataset_id = store.list()[0].id
        result = _measure(lambda: store.load(dataset_id))
    elif mode == "pandas_load":
        con = sqlite3.connect(db)
        result = _measure(lambda: pd.read_sql("SELECT * FROM bench", con))
    else:
        raise SystemExit(f"unknown mode {mode}")
    print(json.dumps(result))


def _spawn(mode: str, csv: Path, db: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--child", mode, str(csv), str(db)], cwd=ROOT,
                         capture_output=True, text=True, check=True,
                         env=dict(os.environ, PYTHONPATH=str(ROOT)))
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench(rows: int, work: Path, shape: str = "mixed") -> dict[str, object]:
    make, columns = SHAPES[shape]
    csv = work / f"{shape}_{rows}.csv"
    make(csv, rows)
    size_mb = csv.stat().st_size / 1e6
    ours_db, theirs_db = work / f"ours_{rows}.db", work / f"theirs_{rows}.db"
    ours = _spawn("mdg_ingest", csv, ours_db)
    theirs = _spawn("pandas_ingest", csv, theirs_db)
    ours_load = _spawn("mdg_load", csv, ours_db)
    theirs_load = _spawn("pandas_load", csv, theirs_db)
    return {
        "shape": shape, "rows": rows, "columns": columns, "file_mb": round(size_mb, 1),
        "ingest_s": round(ours["seconds"], 2), "pandas_ingest_s": round(theirs["seconds"], 2),
        "ingest_speed_ratio": round(theirs["seconds"] / ours["seconds"], 2),
        "ingest_peak_mb": round(ours["peak_mb"], 1), "pandas_ingest_peak_mb": round(theirs["peak_mb"], 1),
        "ingest_peak_vs_file": round(ours["peak_mb"] / size_mb, 2),
        "load_s": round(ours_load["seconds"], 2), "pandas_load_s": round(theirs_load["seconds"], 2),
        "load_speed_ratio": round(theirs_load["seconds"] / ours_load["seconds"], 2),
        "load_peak_mb": round(ours_load["peak_mb"], 1), "pandas_load_peak_mb": round(theirs_load["peak_mb"], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, action="append", help="row counts (default 100k and 1M)")
    parser.add_argument("--shape", choices=sorted(SHAPES), default="mixed",
                        help="mixed: 20 columns of every type; short: 4 one-character columns")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "CSV", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    rows_list = args.rows or [100_000, 1_000_000]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for rows in rows_list:
            result = bench(rows, Path(tmp), args.shape)
            results.append(result)
            print(f"\n{rows:,} rows × {result['columns']} columns ({result['file_mb']} MB CSV)")
            print(f"  ingest+store  MDG {result['ingest_s']:7.2f} s   pandas read_csv+to_sql "
                  f"{result['pandas_ingest_s']:7.2f} s   → MDG is {result['ingest_speed_ratio']}× as fast")
            print(f"  peak memory   MDG {result['ingest_peak_mb']:7.1f} MB  pandas {result['pandas_ingest_peak_mb']:7.1f} MB"
                  f"  → MDG peak = {result['ingest_peak_vs_file']}× file size (target ≤ 3×)")
            print(f"  load          MDG {result['load_s']:7.2f} s   pandas read_sql {result['pandas_load_s']:7.2f} s"
                  f"   → MDG is {result['load_speed_ratio']}× as fast")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / ("ingest.json" if args.shape == "mixed" else f"ingest-{args.shape}.json")
    out.write_text(json.dumps({"machine": {"cpus": os.cpu_count()}, "results": results}, indent=2))
    print(f"\nsaved {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
