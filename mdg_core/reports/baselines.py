"""Honest quality numbers: a synthetic score read against fresh real data and two simple baselines.

SDMetrics quality against the training rows rewards copying: a generator can score above fresh real
data. So wherever a quality score is shown (a run's summary, Compare generators) it comes with, from the
same training rows and holdout:

- the real holdout's own score against the training rows (the *ceiling*),
- the DCR share against the holdout and the exact-copy share (the Privacy report's measures),
- two baselines: *independent marginals* (each column resampled on its own from the training rows'
  values, missing values included: every relation between columns lost) and the registered
  *GaussianCopula* generator (``registry.BASELINE``, fitted without rules, as it comes).

Every number is computed by the reports' own code (``generators.scores.compare_scores``: the Quality
report's overall score and ``ceiling_check``, the Privacy report's distances), so the run summary, Compare
generators and the reports cannot disagree about the same rows. Baselines cost a GaussianCopula fit: they
are stored as an artifact keyed by the train split and the seed (a split is reused for an identical seed
and holdout share, see ``generators.run.save_splits``), so each split pays once. A run's own numbers are
stored under its synthetic dataset. ``verdict`` puts a score into words; it never calls a score above the
ceiling "excellent" when the Quality report flags possible copying.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd

from mdg_core.errors import ReportError
from mdg_core.jobs import JobContext
from mdg_core.jsonable import jsonable
from mdg_core.progress import span
from mdg_core.reports.common import Progress, no_progress
from mdg_core.reports.quality import BASELINE_TITLES, CEILING_MARGIN, SDMETRICS_ROWS
from mdg_core.store import DatasetStore

BASELINES_KIND = "baselines"  # artifact: the ceiling and both baselines of one train split and seed
RUN_SCORES_KIND = "run_scores"  # artifact: a run's own numbers with its split's baselines
MARGINALS = "independent_marginals"
GAUSSIAN_COPULA = "sdv_gaussian_copula"  # = registry.BASELINE (checked by a test)
TITLES = {**BASELINE_TITLES, "holdout": "Real holdout"}
SAME_AS = {"synthcity_marginal_distributions": MARGINALS}  # registered generators that are a baseline's method


def independent_marginals(train: pd.DataFrame, n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` rows, each column drawn with replacement from its own training values (gaps included),
    independently of the others: the floor a generator that learns relations must beat."""
    rng = np.random.default_rng(int(seed))
    return pd.DataFrame({c: train[c].iloc[rng.integers(0, len(train), int(n))].reset_index(drop=True)
                         for c in train.columns})


def _gaussian_copula(train: pd.DataFrame, stored: dict[str, Any], n: int, seed: int,
                     progress: Progress) -> tuple[pd.DataFrame, float]:
    from mdg_core.generators import metadata as md, registry

    gen = registry.get(GAUSSIAN_COPULA, random_state=seed)
    started = time.perf_counter()
    gen.fit(train, md.to_table_metadata(stored, []), progress=span(progress, 0, 1, "Gaussian copula baseline: "))
    fit_seconds = time.perf_counter() - started
    return gen.sample(n, seed), fit_seconds


def split_baselines(store: DatasetStore, train_id: int, holdout_id: int | None, seed: int,
                    progress: Progress = no_progress) -> dict[str, Any]:
    """The ceiling and both baselines for one train split (and its holdout) at ``seed``; computed once,
    then read from the ``baselines`` artifact keyed ``"{train_id}:{seed}"``."""
    from mdg_core.generators import metadata as md
    from mdg_core.generators.scores import compare_scores

    split = store.get(int(train_id))
    key = f"{int(train_id)}:{int(seed)}"
    found = store.get_artifact(BASELINES_KIND, key, with_payload=False)
    if found is not None and found.summary and (found.params or {}).get("train_created") == split.created_at:
        return found.summary
    if split.parent_id is None:
        raise ReportError(f"Dataset #{train_id} is not the training part of a real dataset.")
    train = store.load(split.id)
    holdout = store.load(int(holdout_id)) if holdout_id is not None else None
    stored = md.for_dataset(store, split.parent_id)
    n = min(len(train), SDMETRICS_ROWS)
    progress(0.0, "Independent marginals baseline: sampling")
    started = time.perf_counter()
    marginals = independent_marginals(train, n, seed)
    rows: dict[str, dict[str, Any]] = {MARGINALS: {"fit_seconds": time.perf_counter() - started}}
    progress(0.05, "Independent marginals baseline: scoring against the training rows and the holdout")
    rows[MARGINALS].update(compare_scores(train, holdout, marginals, stored))
    copula, fit_seconds = _gaussian_copula(train, stored, n, seed, span(progress, 0.4, 0.7))
    progress(0.7, "Gaussian copula baseline: scoring against the training rows and the holdout")
    rows[GAUSSIAN_COPULA] = {"fit_seconds": fit_seconds, **compare_scores(train, holdout, copula, stored)}
    first = rows[MARGINALS]
    result = jsonable({"train_id": split.id, "holdout_id": holdout_id, "seed": int(seed), "rows": n,
                       "holdout_ceiling": first.get("holdout_ceiling"),
                       "exact_copies_holdout": first.get("exact_copies_holdout"), "baselines": rows})
    store.put_artifact(BASELINES_KIND, key, None, dataset_id=split.parent_id, other_dataset_id=split.id,
                       params={"seed": int(seed), "holdout_id": holdout_id, "train_created": split.created_at},
                       summary=result)
    progress(1.0, "Baselines: done")
    return result


def run_scores(store: DatasetStore, synthetic_id: int, progress: Progress = no_progress) -> dict[str, Any]:
    """A generation run's output scored as the Quality and Privacy reports score it (same training rows,
    holdout, metadata and seed), with its split's baselines and the verdict; stored under the dataset."""
    from mdg_core.generators import registry
    from mdg_core.generators.scores import compare_scores
    from mdg_core.reports.job import find_run, real_parts, report_metadata

    found = load_run_scores(store, synthetic_id)
    if found is not None:
        return found
    run = find_run(store, int(synthetic_id))
    if run is None or not run.get("train_dataset_id"):
        raise ReportError(f"Dataset #{synthetic_id} was not made by a generation run here, so it has no "
                          "training rows and holdout to be scored against; use the Reports page.")
    real = int(run["dataset_id"])
    train_id, holdout_id, _ = real_parts(store, real, int(synthetic_id), None)
    progress(0.0, "Scoring the run as the Quality and Privacy reports do")
    train, synth = store.load(train_id), store.load(int(synthetic_id))
    holdout = store.load(holdout_id) if holdout_id is not None else None
    own = compare_scores(train, holdout, synth, report_metadata(store, real, int(synthetic_id)))
    base = split_baselines(store, train_id, holdout_id, int(run["seed"]), span(progress, 0.3, 1.0))
    level, words = verdict(own, base, run["generator"])
    result = jsonable({"synthetic_id": int(synthetic_id), "run_id": run["id"], "generator": run["generator"],
                       "title": registry.spec(run["generator"]).title or run["generator"], "train_id": train_id,
                       "holdout_id": holdout_id, "own": own, "split": base, "verdict": level,
                       "verdict_text": words})
    store.put_artifact(RUN_SCORES_KIND, str(int(synthetic_id)), None, dataset_id=real,
                       other_dataset_id=int(synthetic_id), params={"run_id": run["id"]}, summary=result)
    return result


def load_run_scores(store: DatasetStore, synthetic_id: int) -> dict[str, Any] | None:
    """A run's stored numbers, or None when they have not been computed yet."""
    found = store.get_artifact(RUN_SCORES_KIND, str(int(synthetic_id)), with_payload=False)
    return found.summary if found is not None and found.summary else None


def load_split_baselines(store: DatasetStore, dataset_id: int, seed: int) -> dict[str, Any] | None:
    """The stored baselines of the split a run or comparison of ``dataset_id`` at ``seed`` trains on
    (the settings' holdout share), or None when none are stored yet (nothing is computed or saved)."""
    from mdg_core.config import load_settings

    share = float(load_settings(store.db_path).holdout_share)
    for split in store.list(kinds=["split"], parent_id=int(dataset_id)):
        recipe = split.recipe or {}
        if recipe.get("split") == "train" and recipe.get("seed") == int(seed) \
                and float(recipe.get("holdout_share", -1)) == share:
            found = store.get_artifact(BASELINES_KIND, f"{split.id}:{int(seed)}", with_payload=False)
            if found is not None and found.summary:
                return found.summary
    return None


def dataset_baselines(store: DatasetStore, dataset_id: int, seed: int,
                      progress: Progress = no_progress) -> dict[str, Any]:
    """Baselines for the split that Generate and Compare make of ``dataset_id`` at ``seed``: the split
    is prepared as a run prepares it and stored (or an identical stored one reused)."""
    from mdg_core.generators.run import prepare_training, save_splits

    progress(0.0, "Preparing the training rows and holdout, as a run does")
    train_id, holdout_id = save_splits(store, prepare_training(store, int(dataset_id), int(seed)))
    return split_baselines(store, train_id, holdout_id, int(seed), span(progress, 0.05, 1.0))


def verdict(own: dict[str, Any], split: dict[str, Any] | None = None,
            generator: str | None = None) -> tuple[str, str]:
    """``(level, words)`` for a score read against the ceiling and the baselines. Levels: excellent,
    above the ceiling, good, weak, possible copying, unscored. "Excellent" needs a score within
    ``CEILING_MARGIN`` below fresh real data and the Quality report's ceiling check clean. A score
    above the ceiling is never excellent: with copying signs (or far above it) it is "possible
    copying"; with clean distances "above the ceiling", which says possible copying and what was
    checked. A ``generator`` that is itself a baseline's method is not measured against that baseline."""
    quality = own.get("quality")
    if quality is None:
        return "unscored", "No quality score: every column is identifier-like."
    ceiling, reason = own.get("holdout_ceiling"), own.get("copying_reason") or ""
    if own.get("copying_level") in ("review", "risky"):
        return "possible copying", reason
    itself = SAME_AS.get(generator or "", generator)
    floors = {TITLES[k]: v.get("quality") for k, v in ((split or {}).get("baselines") or {}).items()
              if v.get("quality") is not None and k != itself}
    best_floor = max(floors.items(), key=lambda kv: kv[1]) if floors else None
    if best_floor is not None and quality <= best_floor[1]:
        return "weak", (f"Quality {quality:.1%} is no better than the {best_floor[0].lower()} baseline "
                        f"({best_floor[1]:.1%}): the generator adds nothing over that simple method.")
    if ceiling is None:
        return "good", (f"Quality {quality:.1%}; with no holdout ceiling (no holdout kept) it cannot be read "
                        "against fresh real data.")
    like = own.get("quality_at_holdout_size") or quality  # scored on as many rows as the ceiling (like with like)
    if like != quality:
        quality_words = f"{quality:.1%} ({like:.1%} on the holdout's number of rows)"
    else:
        quality_words = f"{quality:.1%}"
    if like > ceiling:  # never "excellent" here: SDMetrics rewards copying, so say what was checked
        return "above the ceiling", (
            f"Quality {quality_words} beats fresh real data ({ceiling:.1%}), which copying would also do: possible "
            f"copying, though the distances show none (DCR share {_pct(own.get('privacy_closer_to_train'))} vs "
            f"chance {_pct(own.get('privacy_baseline'))}, exact copies {_pct(own.get('exact_copies'))}). "
            "Check the Privacy report before calling it excellent.")
    if like >= ceiling - CEILING_MARGIN:
        return "excellent", (f"Quality {quality_words} is as close to the training rows as fresh real data "
                             f"({ceiling:.1%}), with no sign of copying.")
    above = f", above the {best_floor[0].lower()} baseline ({best_floor[1]:.1%})" if best_floor else ""
    return "good", f"Quality {quality_words}: below fresh real data ({ceiling:.1%}){above}."


def _pct(x: Any) -> str:
    return "n/a" if x is None else f"{float(x):.1%}"


def run(ctx: JobContext, synthetic_id: int | None = None, dataset_id: int | None = None,
        seed: int = 0) -> dict[str, Any]:
    """Job ``honest_scores``: a run's numbers (``synthetic_id``) or the baselines of the split that
    ``dataset_id`` at ``seed`` trains on (Compare generators)."""
    progress: Progress = ctx.progress
    if synthetic_id is not None:
        return run_scores(ctx.store, int(synthetic_id), progress)
    if dataset_id is None:
        raise ReportError("Name the synthetic dataset of a run, or the real dataset and seed of a comparison.")
    return dataset_baselines(ctx.store, int(dataset_id), int(seed), progress)
