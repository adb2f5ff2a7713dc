"""Runs inside the benchmark-only peers venv (never the workbench's): MOSTLY AI's engine and QA.

    python bench/_peers_peer.py argn WORK MINUTES ROWS SEED   # train.parquet -> synth.parquet + result.json
    python bench/_peers_peer.py qa WORK LABEL                  # accuracy of LABEL.parquet (mostlyai-qa)

``MINUTES`` is TabularARGN's training budget, or ``default`` for the engine's own defaults (a
10-day budget and 100 epochs with early stopping: it trains until it stops improving). Data comes
and goes as parquet files in ``WORK``; the last stdout line is a JSON result.
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/ holds scripts named like stdlib modules (profile.py, which cProfile imports): keep it off the path
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import json
import resource
import time
import warnings


def _peak_mb() -> float:
    """This process's own peak RSS. Not ``ru_maxrss``: after fork + exec that still counts the parent's
    memory at fork time; the kernel's high-water mark of the new image (VmHWM) does not."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def argn(work: Path, minutes: str, rows: int, seed: int) -> dict[str, object]:
    import pandas as pd
    from mostlyai.engine import TabularARGN

    train = pd.read_parquet(work / "train.parquet")
    for col in train.columns:  # plain values in, as an analyst would hand them over
        if isinstance(train[col].dtype, pd.CategoricalDtype):
            train[col] = train[col].astype(str).where(train[col].notna())
    kwargs: dict[str, object] = {"random_state": seed, "workspace_dir": str(work / "argn-ws"), "verbose": 0}
    if minutes != "default":
        kwargs["max_training_time"] = float(minutes)
    started = time.perf_counter()
    model = TabularARGN(**kwargs).fit(train)
    fit = time.perf_counter() - started
    started = time.perf_counter()
    synth = model.sample(n_samples=rows)
    sample = time.perf_counter() - started
    synth.to_parquet(work / "synth.parquet")
    out: dict[str, object] = {"fit_seconds": fit, "sample_seconds": sample, "peak_memory_mb": _peak_mb(),
                              "params": {k: v for k, v in kwargs.items() if k != "workspace_dir"}}
    out.update(_training_log(work / "argn-ws"))
    return out


def _training_log(workspace: Path) -> dict[str, object]:
    """Epochs and the stopping reason, from the engine's own progress log (when it writes one)."""
    import pandas as pd

    logs = sorted(workspace.rglob("progress-messages.csv"))
    if not logs:
        return {}
    try:
        log = pd.read_csv(logs[0])
    except (OSError, ValueError):
        return {}
    out: dict[str, object] = {}
    if "epoch" in log.columns and len(log):
        out["epochs"] = float(log["epoch"].max())
    if "val_loss" in log.columns and log["val_loss"].notna().any():
        out["best_val_loss"] = float(log["val_loss"].min())
    return out


def qa(work: Path, label: str) -> dict[str, object]:
    """mostlyai-qa's accuracy, from its own binning and accuracy functions (the library's pipeline
    without its HTML report, embeddings and plots, which cost minutes a call on 2 cores).

    As in ``mostlyai.qa.report``: the reference is training + holdout rows, numbers in 10 bins,
    accuracy = 1 − TVD per column, column pair and column triple; ``*_max`` is the accuracy that
    sampling noise alone allows at these row counts (the library's ceiling)."""
    import numpy as np
    import pandas as pd
    from mostlyai.qa._accuracy import (
        bin_data,
        calculate_bivariates,
        calculate_trivariates,
        calculate_univariates,
    )
    from mostlyai.qa._sampling import prepare_data_for_accuracy

    np.random.seed(0)  # the library draws a random subset of column triples when there are many
    train = pd.read_parquet(work / "train.parquet")
    holdout = pd.read_parquet(work / "holdout.parquet")
    synth = pd.read_parquet(work / f"{label}.parquet")[train.columns]
    started = time.perf_counter()
    trn = prepare_data_for_accuracy(df_tgt=train, df_ctx=None, setup="1:1")
    hol = prepare_data_for_accuracy(df_tgt=holdout, df_ctx=None, setup="1:1", ori_dtypes=trn.dtypes.to_dict())
    syn = prepare_data_for_accuracy(df_tgt=synth, df_ctx=None, setup="1:1", ori_dtypes=trn.dtypes.to_dict())
    ori = pd.concat([trn, hol], axis=0, ignore_index=True)
    ori_bin, bins = bin_data(df=ori, bins=10)
    syn_bin, _ = bin_data(df=syn, bins=bins)
    out: dict[str, object] = {}
    parts = {"univariate": calculate_univariates(ori_bin, syn_bin),
             "bivariate": calculate_bivariates(ori_bin, syn_bin),
             "trivariate": calculate_trivariates(ori_bin, syn_bin)}
    for name, acc in parts.items():
        out[name] = float(acc["accuracy"].mean()) if len(acc) else None
        out[f"{name}_max"] = float(acc["accuracy_max"].mean()) if len(acc) else None
    for key in ("", "_max"):
        vals = [out[f"{n}{key}"] for n in parts if out[f"{n}{key}"] is not None]
        out[f"overall{key}"] = float(np.mean(vals)) if vals else None
    out["seconds"] = time.perf_counter() - started
    return out


def main() -> None:
    warnings.simplefilter("ignore")
    mode, work = sys.argv[1], Path(sys.argv[2])
    if mode == "argn":
        result = argn(work, sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    elif mode == "qa":
        result = qa(work, sys.argv[3])
    else:
        raise SystemExit(f"unknown mode {mode}")
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main()
