"""Reports benchmark: time and peak memory of the quality, drift and privacy reports.

Data: a mixed 15-column table (numbers, dates, categories, booleans, text with gaps) of N real rows,
split 80/20 into training and holdout like a generation run, and N synthetic rows made by
resampling each training column on its own. Each report runs in a fresh process (as a background
job would) so peak memory is honest: the process's peak RSS, and the peak above its RSS after
imports. Prints a table and saves ``bench/results/reports.json``.

    python bench/reports.py                 # 10k and 100k rows
    python bench/reports.py --rows 10000
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/ holds scripts named like stdlib modules (profile.py): keep it off the import path
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import json
import os
import subprocess
import tempfile
import threading
import time

import numpy as np
import pandas as pd
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results"
TARGET = {"seconds": 60, "peak_mb": 4000}


def make_real(rows: int, seed: int = 0) -> pd.DataFrame:
    """15 mixed columns with realistic dependencies, so the reports have something to find."""
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 90, rows)
    segment = rng.choice(["gold", "silver", "bronze"], rows, p=[0.1, 0.3, 0.6])
    income = np.round(rng.lognormal(10, 0.5, rows) * np.where(segment == "gold", 2.0, 1.0), 2)
    return pd.DataFrame({
        "age": age,
        "income": income,
        "score": np.where(rng.random(rows) < 0.05, np.nan, np.round(600 + 2 * (age - 50) + rng.normal(0, 60, rows), 1)),
        "balance": np.round(income * 0.1 + rng.normal(0, 500, rows), 2),
        "visits": rng.poisson(4, rows),
        "ratio": rng.random(rows),
        "country": rng.choice(["US", "UK", "FR", "DE", "ES", "IT", "NL"], rows),
        "segment": segment,
        "channel": rng.choice(["web", "app", "store", "phone"], rows),
        "active": rng.random(rows) < 0.7,
        "signup": pd.to_datetime("2015-01-01") + pd.to_timedelta(rng.integers(0, 3650, rows), unit="D"),
        "rating": rng.integers(1, 6, rows),
        "comment": rng.choice(["great", "ok", "slow delivery", "would buy again", None], rows),
        "discount": np.round(rng.uniform(0, 0.5, rows), 3),
        "churned": np.where(rng.random(rows) < 0.2 + 0.3 * (segment == "bronze"), "yes", "no"),
    })


def prepare(db: Path, rows: int) -> dict[str, int]:
    from mdg_core.store import DatasetStore

    store = DatasetStore(db)
    real = make_real(rows)
    rng = np.random.default_rng(1)
    idx = rng.permutation(rows)
    cut = int(rows * 0.8)
    train, holdout = real.iloc[idx[:cut]], real.iloc[idx[cut:]]
    synth = pd.DataFrame({c: train[c].to_numpy()[rng.integers(0, len(train), rows)] for c in real.columns})
    r = store.save(real, "bench real")
    t = store.save(train, "bench train", "split", parent_id=r.id)
    h = store.save(holdout, "bench holdout", "split", parent_id=r.id)
    s = store.save(synth, "bench synthetic", "synthetic", parent_id=r.id)
    store.record_run(dataset_id=r.id, generator="bench-resample", params={}, seed=0, n_rows=rows, versions={},
                     output_dataset_id=s.id, train_dataset_id=t.id, holdout_dataset_id=h.id)
    return {"real": r.id, "synth": s.id}


def _watch(stop: threading.Event, peak: list[int]) -> None:
    proc = psutil.Process()
    while not stop.is_set():
        peak[0] = max(peak[0], proc.memory_info().rss)
        time.sleep(0.01)


def child(db: str, section: str, a: int, b: int, target: str | None) -> None:
    """One report in this fresh process, run and stored exactly as the background job does."""
    from mdg_core import jobs
    from mdg_core.reports import report_kind
    from mdg_core.reports.job import build, save  # noqa: F401  (imports counted in the baseline)
    from mdg_core.store import DatasetStore

    report_kind(section)
    import anonymeter.evaluators  # noqa: F401
    import sdmetrics.reports  # noqa: F401
    import sklearn.ensemble  # noqa: F401

    store = DatasetStore(db)
    base = psutil.Process().memory_info().rss
    peak = [base]
    stop = threading.Event()
    watcher = threading.Thread(target=_watch, args=(stop, peak), daemon=True)
    watcher.start()
    start = time.perf_counter()
    result = jobs.run_inline(store, "report", {"kind": section, "a": a, "b": b, "target": target})
    seconds = time.perf_counter() - start
    stop.set()
    watcher.join()
    from mdg_core.reports.job import load

    report = load(store, result["key"]) or {}
    print(json.dumps({"seconds": seconds, "peak_mb": peak[0] / 1e6, "peak_above_imports_mb": (peak[0] - base) / 1e6,
                      "verdict": result["verdict"],
                      "sections": {s["key"]: s["verdict"] for s in report.get("sections", [])}}))


def run_one(db: Path, section: str, ids: dict[str, int], target: str | None) -> dict[str, object]:
    args = [sys.executable, __file__, "--child", str(db), section, str(ids["real"]), str(ids["synth"]),
            target or ""]
    out = subprocess.run(args, cwd=ROOT, capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=str(ROOT), TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS=""))
    if out.returncode != 0:
        raise SystemExit(f"{section} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, action="append", help="real rows (default 10k and 100k)")
    parser.add_argument("--section", action="append", help="quality, drift, privacy (default all)")
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        db, section, a, b, target = args.child
        child(db, section, int(a), int(b), target or None)
        return
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for rows in args.rows or [10_000, 100_000]:
            db = Path(tmp) / f"bench_{rows}.db"
            ids = prepare(db, rows)
            for section in args.section or ["quality", "drift", "privacy"]:
                target = "churned" if section == "quality" else None
                r = run_one(db, section, ids, target)
                r.update(rows=rows, columns=15, report=section + (" + utility" if target else ""),
                         within_target=r["seconds"] < TARGET["seconds"] and r["peak_mb"] < TARGET["peak_mb"])
                results.append(r)
                print(f"{rows:>7,} rows × 15  {r['report']:<18} {r['seconds']:7.1f} s   peak RSS "
                      f"{r['peak_mb']:7.0f} MB (+{r['peak_above_imports_mb']:.0f} MB over imports)   "
                      f"verdict {r['verdict']}  {'OK' if r['within_target'] else 'OVER TARGET'}", flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "reports.json"
    out.write_text(json.dumps({"machine": {"cpus": os.cpu_count(), "load_avg_1m": os.getloadavg()[0]},
                               "target": TARGET, "results": results}, indent=2))
    print(f"saved {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
