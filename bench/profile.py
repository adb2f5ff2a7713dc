"""Profiling benchmark: instant-overview and full-report times and peak memory at 10k, 100k and 1M rows.

Usage: ``.venv/bin/python bench/profile.py [--sizes 10000,100000,1000000] [--no-report]``
Prints a table and writes ``bench/results/profile.json``.

- overview: ``compute_overview`` on a warm process (imports done, one small call first), best of 3,
  with its peak Python allocation (tracemalloc, numpy included); plus the cached read from SQLite.
- report: the ``profile_report`` job's build (mode chosen by the same ``auto`` rule as the app,
  sampled above 200k rows) in a fresh child process each, with that process's peak RSS.
- target: the issue's 32,000 × 15 mixed table in ``full`` mode (target: under 30 s on 2 cores).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

# this file is named like the standard library's `profile`, which spaCy imports: keep bench/ off the path
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import numpy as np  # noqa: E402
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
os.environ["YDATA_PROFILING_NO_ANALYTICS"] = "1"


def mixed_table(n: int, n_cols: int = 20, seed: int = 0) -> pd.DataFrame:
    """A realistic mix: normal and skewed numbers, counts, an ID, categories, text, booleans, dates, gaps."""
    rng = np.random.default_rng(seed)
    cols: dict[str, object] = {
        "id": np.arange(n),
        "age": rng.integers(18, 90, n),
        "income": rng.lognormal(10, 1, n).round(2),
        "score": rng.normal(50, 10, n).round(3),
        "visits": rng.poisson(3, n),
        "plan": rng.choice(["free", "basic", "pro", "team"], n, p=[0.5, 0.3, 0.15, 0.05]),
        "country": rng.choice([f"country_{i}" for i in range(40)], n),
        "city": rng.choice([f"city_{i}" for i in range(800)], n),
        "churned": rng.random(n) < 0.2,
        "signup": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 1500, n), unit="D"),
        "note": pd.Series(rng.choice(["ok", "late", "vip", None], n)).astype(object),
        "ratio": rng.beta(2, 5, n),
        "balance": rng.normal(0, 1000, n).round(2),
        "temp": rng.normal(20, 5, n).round(1),
        "segment": rng.choice(list("ABCDEFGH"), n),
        "rating": rng.integers(1, 6, n),
        "latency": rng.exponential(100, n).round(1),
        "device": rng.choice(["ios", "android", "web"], n),
        "amount": rng.gamma(2, 50, n).round(2),
        "discount": np.where(rng.random(n) < 0.7, np.nan, rng.uniform(0, 0.5, n)),
    }
    df = pd.DataFrame(cols)
    return df.iloc[:, :n_cols]


def bench_overview(n: int) -> dict[str, float]:
    from mdg_core.profiling.overview import compute_overview, overview_for
    from mdg_core.store import DatasetStore

    df = mixed_table(n)
    compute_overview(df.head(1000))  # warm: imports and first-call costs, as in a running app
    times = []
    for _ in range(3):
        start = time.perf_counter()
        compute_overview(df)
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    compute_overview(df)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    with tempfile.TemporaryDirectory() as tmp:
        store = DatasetStore(Path(tmp) / "bench.db")
        info = store.save(df, "bench")
        start = time.perf_counter()
        overview_for(store, info.id)
        first = time.perf_counter() - start
        start = time.perf_counter()
        overview_for(store, info.id)
        cached = time.perf_counter() - start
    return {"rows": n, "cols": df.shape[1], "overview_s": round(min(times), 3),
            "overview_peak_mb": round(peak / 2**20, 1), "load_and_overview_s": round(first, 3),
            "cached_overview_s": round(cached, 4)}


def _peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM; unlike ru_maxrss it is not inherited across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _report_child(n: int, n_cols: int, mode: str, queue: mp.Queue) -> None:
    from mdg_core.profiling.report_job import build_report_html, resolve_mode, sample_for_report

    df = mixed_table(n, n_cols)
    resolved = resolve_mode(mode, len(df), df.shape[1])
    start = time.perf_counter()
    sample, note = sample_for_report(df)
    html = build_report_html(sample, resolved, f"bench {n}", note=note)
    seconds = time.perf_counter() - start
    peak = _peak_rss_mb()
    queue.put({"rows": n, "cols": n_cols, "mode": resolved, "rows_profiled": len(sample), "report_s": round(seconds, 2),
               "report_peak_rss_mb": round(peak, 1), "html_mb": round(len(html) / 2**20, 2)})


def bench_report(n: int, n_cols: int = 20, mode: str = "auto") -> dict[str, float]:
    ctx = mp.get_context("spawn")
    queue: mp.Queue = ctx.Queue()
    proc = ctx.Process(target=_report_child, args=(n, n_cols, mode, queue))
    proc.start()
    result = queue.get(timeout=1800)
    proc.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--no-report", action="store_true")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    out: dict[str, object] = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                                          "platform": platform.platform()}, "overview": [], "report": []}
    print(f"{'rows':>10} {'overview s':>11} {'peak MB':>8} {'load+ov s':>10} {'cached s':>9}")
    for n in sizes:
        r = bench_overview(n)
        out["overview"].append(r)  # type: ignore[union-attr]
        print(f"{n:>10,} {r['overview_s']:>11} {r['overview_peak_mb']:>8} {r['load_and_overview_s']:>10} "
              f"{r['cached_overview_s']:>9}", flush=True)
    if not args.no_report:
        print(f"\n{'rows':>10} {'cols':>5} {'mode':>8} {'profiled':>9} {'report s':>9} {'peak RSS MB':>12}")
        runs = [(32_000, 15, "full")] + [(n, 20, "auto") for n in sizes]
        for n, n_cols, mode in runs:
            r = bench_report(n, n_cols, mode)
            out["report"].append(r)  # type: ignore[union-attr]
            print(f"{n:>10,} {n_cols:>5} {r['mode']:>8} {r['rows_profiled']:>9,} {r['report_s']:>9} "
                  f"{r['report_peak_rss_mb']:>12}", flush=True)
    target = ROOT / "bench" / "results" / "profile.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(out, indent=2))
    print(f"\nsaved {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
