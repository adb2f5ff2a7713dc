"""Runs one of our generators (or the independent-marginals baseline) in its own process.

    python bench/_peers_ours.py WORK GENERATOR ROWS SEED

Reads ``WORK/train.pkl`` and the confirmed metadata ``WORK/meta.json``, fits through the core API
(``mdg_core.generators.registry.get``), samples ``ROWS`` rows into ``WORK/synth.pkl`` and prints a
JSON line with fit and sample seconds and this process's peak RSS. ``marginals`` draws every column
on its own from its training values (the floor any generator must clear on pairs and ML utility).
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/ holds scripts named like stdlib modules (profile.py): keep it off the import path
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import json
import resource
import time
import warnings

import pandas as pd

MARGINALS = "marginals"


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


def main() -> None:
    warnings.simplefilter("ignore")
    work, name, rows, seed = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    train = pd.read_pickle(work / "train.pkl")
    out: dict[str, object] = {}
    if name == MARGINALS:
        started = time.perf_counter()
        from mdg_core.reports.baselines import independent_marginals

        synth = independent_marginals(train, rows, seed)
        fit, sample = 0.0, time.perf_counter() - started
    else:
        from mdg_core.generators import metadata as md
        from mdg_core.generators.registry import get

        stored = json.loads((work / "meta.json").read_text(encoding="utf-8"))
        gen = get(name, random_state=seed)
        out["params"] = gen.params
        started, cpu = time.perf_counter(), time.process_time()
        gen.fit(train, md.to_table_metadata(stored))
        fit = time.perf_counter() - started
        started = time.perf_counter()
        synth = gen.sample(rows, seed=seed)
        sample = time.perf_counter() - started
        # CPU seconds beside wall seconds: on a shared machine wall time measures the queue too
        out["cpu_seconds"] = time.process_time() - cpu
        out["training"] = getattr(gen, "training_", None)
    synth.to_pickle(work / "synth.pkl")
    out.update(fit_seconds=fit, sample_seconds=sample,
               peak_memory_mb=_peak_mb())
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main()
