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


def test_every_attack_equals_anonymeter_direct(penguins: pd.DataFrame) -> None:
    """Each attack is seeded on its own, so anonymeter called directly with the same seed gives every number."""
    from anonymeter.evaluators import InferenceEvaluator, LinkabilityEvaluator, SinglingOutEvaluator

    idx = np.random.default_rng(1).permutation(len(penguins))
    train = penguins.iloc[idx[:170]].reset_index(drop=True)
    holdout = penguins.iloc[idx[170:340]].reset_index(drop=True)
    synth = train.sample(frac=1, random_state=2).reset_index(drop=True)  # a copy: the attacks have work to do
    sec = reid_section(train, holdout, synth, seed=5)
    ours = {r["attack"]: r for r in sec.tables["attacks"]}
    columns = list(train.columns)
    (ori, syn, control), aliases = _prepare([train, synth, holdout], columns)
    n = sec.metrics["n_attacks"]
    direct = {}
    for mode in ("univariate", "multivariate"):
        with seeded(5):
            ev = SinglingOutEvaluator(ori=ori, syn=syn, control=control, n_attacks=n, n_cols=3, seed=5,
                                      max_attempts=10_000)
            direct[f"singling out ({mode})"] = ev.evaluate(mode=mode).results(confidence_level=0.95)
    half = len(columns) // 2
    with seeded(5):
        ev = LinkabilityEvaluator(ori=ori, syn=syn, control=control, n_attacks=n, n_neighbors=10,
                                  aux_cols=([aliases[c] for c in columns[:half]], [aliases[c] for c in columns[half:]]))
        direct["linkability (2 halves of the columns, 10 neighbours)"] = ev.evaluate(n_jobs=1).results(confidence_level=0.95)
    for secret in ("species", "island", "sex"):
        with seeded(5):
            ev = InferenceEvaluator(ori=ori, syn=syn, control=control, secret=aliases[secret], n_attacks=n,
                                    aux_cols=[aliases[c] for c in columns if c != secret])
            direct[f"attribute inference of '{secret}'"] = ev.evaluate(n_jobs=1).results(confidence_level=0.95)
    assert set(ours) == set(direct)
    for attack, res in direct.items():
        assert ours[attack]["attack_rate"] == res.attack_rate.value, attack
        assert ours[attack]["control_rate"] == res.control_rate.value, attack
        assert ours[attack]["baseline_rate"] == res.baseline_rate.value, attack
        assert ours[attack]["risk"] == res.risk().value, attack
    assert ours["linkability (2 halves of the columns, 10 neighbours)"]["risk"] > 0.1  # copied rows link
