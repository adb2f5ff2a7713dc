"""anonymeter through the report equals anonymeter called directly with the same seed, in any process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from mdg_core.reports.reid import _prepare, reid_section, seeded

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import json, numpy as np, pandas as pd
from mdg_core.reports.reid import reid_section
df = pd.read_csv("data/penguins.csv")
idx = np.random.default_rng(0).permutation(len(df))
t, h = df.iloc[idx[:170]].reset_index(drop=True), df.iloc[idx[170:]].reset_index(drop=True)
s = pd.DataFrame({c: t[c].sample(frac=1, random_state=i).to_numpy() for i, c in enumerate(t.columns)})
print(json.dumps(reid_section(t, h, s, seed=7).tables["attacks"]))
"""


def test_same_seed_gives_the_same_numbers_in_another_process() -> None:
    """anonymeter's unseeded generators and polars' hash-ordered group_by made numbers change between runs."""
    outs = []
    for hash_seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed, PYTHONPATH=str(ROOT))
        done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                              check=True)
        outs.append(done.stdout.strip().splitlines()[-1])
    assert outs[0] == outs[1]


def test_report_singling_out_equals_anonymeter_direct(penguins: pd.DataFrame) -> None:
    from anonymeter.evaluators import SinglingOutEvaluator

    idx = np.random.default_rng(0).permutation(len(penguins))
    train = penguins.iloc[idx[:170]].reset_index(drop=True)
    holdout = penguins.iloc[idx[170:340]].reset_index(drop=True)
    synth = pd.DataFrame({c: train[c].sample(frac=1, random_state=i).to_numpy() for i, c in enumerate(train.columns)})
    sec = reid_section(train, holdout, synth, seed=3)
    ours = next(r for r in sec.tables["attacks"] if r["attack"] == "singling out (univariate)")
    (ori, syn, control), _ = _prepare([train, synth, holdout], list(train.columns))
    with seeded(3):
        ev = SinglingOutEvaluator(ori=ori, syn=syn, control=control, n_attacks=sec.metrics["n_attacks"],
                                  n_cols=3, seed=3, max_attempts=10_000)
        ev.evaluate(mode="univariate")
        direct = ev.results(confidence_level=0.95)
    assert ours["attack_rate"] == direct.attack_rate.value
    assert ours["control_rate"] == direct.control_rate.value
