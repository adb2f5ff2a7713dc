"""Generation jobs: ``generate`` (fit + sample + store), ``sample_model`` (again from a kept model)
and ``compare_generators`` (several generators, same data and seed, quality/privacy/time).

A run splits the real dataset into train and holdout (seeded; the holdout is what the privacy
report compares against), fits on train with real per-epoch progress, samples under the rules,
and stores the synthetic dataset, the fitted model (a pickle signed with this installation's key, see
``mdg_core.signing``) and the run record.
Nothing is written before sampling has finished, and then the split, the synthetic dataset, the
model, the run record and the job's result (``JobContext.saved``) are written in one transaction: a
run is stored whole or not at all, and its job says which.
"""

from __future__ import annotations

import hashlib
import json
import platform
import resource
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mdg_core.config import load_settings
from mdg_core.errors import CancelledError, GeneratorError, InvalidParameterError, MdgError, StoreError
from mdg_core.generators import metadata as md, registry
from mdg_core.generators.base import Generator
from mdg_core.generators.estimate import estimate as estimate_run
from mdg_core.jsonable import jsonable
from mdg_core.progress import span
from mdg_core.rules import Rule, prepare
from mdg_core.rules.dataset import active_rules
from mdg_core.rules.enforce import sample_with_rules
from mdg_core.store import DatasetInfo, DatasetStore

if TYPE_CHECKING:
    from mdg_core.jobs import JobContext

MODEL_KIND = "model"


def peak_memory_mb() -> float:
    """Peak resident memory of this (worker) process so far."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if platform.system() == "Darwin" else peak / 1024


def split(info: DatasetInfo, df: pd.DataFrame, seed: int, share: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Seeded train/holdout split of the real rows (holdout may be empty when share is 0)."""
    rng = np.random.default_rng(int(seed) % (2**32))
    order = rng.permutation(len(df))
    n_hold = int(round(share * len(df)))
    if len(df) - n_hold < 2:
        raise GeneratorError(f"Dataset #{info.id} has too few rows ({len(df)}) to keep a holdout and still train.")
    hold = df.iloc[np.sort(order[:n_hold])].reset_index(drop=True)
    train = df.iloc[np.sort(order[n_hold:])].reset_index(drop=True)
    return train, hold


@dataclass(frozen=True)
class Training:
    """What every run trains on: the real rows, their metadata and rules, and the seeded split."""

    info: DatasetInfo
    real: pd.DataFrame
    stored: dict[str, Any]  # the dataset's column metadata (``generators.metadata``)
    rules: list[Rule]
    metadata: md.TableMetadata
    seed: int
    share: float
    train: pd.DataFrame
    holdout: pd.DataFrame


def prepare_training(store: DatasetStore, dataset_id: int, seed: int,
                     rules: list[dict[str, Any]] | None = None) -> Training:
    """Load → metadata → rules → split, the same way for ``generate`` and ``compare``.

    ``rules`` default to the dataset's active rules (``rules.dataset``: the suggestions the real data
    keeps unless the analyst edited them); the holdout share comes from the settings."""
    info = store.get(dataset_id)
    real = store.load(dataset_id)
    stored = md.for_dataset(store, dataset_id, real)
    rule_list = prepare(rules if rules is not None else active_rules(store, dataset_id), real)
    share = load_settings(store.db_path).holdout_share
    train, hold = split(info, real, seed, share)
    return Training(info=info, real=real, stored=stored, rules=rule_list,
                    metadata=md.to_table_metadata(stored, rule_list), seed=int(seed), share=share,
                    train=train, holdout=hold)


def _split_recipe(part: str, prep: Training) -> dict[str, Any]:
    return {"split": part, "seed": prep.seed, "holdout_share": float(prep.share), "of": prep.info.id,
            "of_rows": prep.info.n_rows}


def save_splits(store: DatasetStore, prep: Training) -> tuple[int, int | None]:
    """Train and holdout as ``split`` datasets: an identical earlier pair (same parent, seed, share
    and row counts) is reused, so repeated runs do not store the same rows again."""
    existing = store.list(kinds=["split"], parent_id=prep.info.id)
    ids: dict[str, int | None] = {"holdout": None}
    for part, frame in (("train", prep.train), ("holdout", prep.holdout)):
        if part == "holdout" and frame.empty:
            continue
        recipe = _split_recipe(part, prep)
        found = next((d for d in existing if d.recipe == recipe and d.n_rows == len(frame)), None)
        if found is None:
            found = store.save(frame, f"{prep.info.name} · {part} (seed {prep.seed})", "split",
                               parent_id=prep.info.id, recipe=recipe)
        ids[part] = found.id
    return int(ids["train"]), ids["holdout"]  # type: ignore[arg-type]


class Pace:
    """Remaining time measured from a generator's own fraction (epochs, columns, nodes), nothing else.

    A phase is a run of reports whose fraction does not fall; its pace is timed from the phase's
    first report: remaining = time since that report / fraction gained since × (1 − fraction).
    A fraction of 0 is work nothing measures (preparing, encoders): it gives no remaining time and
    starts the phase again, so the pace is timed from the last such report (the start of the epoch
    loop), not inflated by the set-up before it. A phase's first report gives none either, nor does
    a fraction of 1 (nothing is left). Generators report a rising fraction only where it measures
    the rest of their fit (``Reporter.step``). With a time budget the remaining time never runs past it.
    """

    def __init__(self, deadline_minutes: float | None = None) -> None:
        self.started = time.perf_counter()
        self.deadline = self.started + float(deadline_minutes) * 60 if deadline_minutes else None
        self.phase: tuple[float, float] | None = None  # (first fraction, its time)
        self.last = 0.0  # the latest fraction: one below it starts a new phase

    def remaining(self, fraction: float, now: float | None = None) -> float | None:
        now = time.perf_counter() if now is None else now
        falls, self.last = fraction < self.last, fraction
        if self.phase is None or fraction <= 0 or falls:
            self.phase = (fraction, now)
            return None
        first, since = self.phase
        if fraction <= first or fraction >= 1:
            return None
        left = (now - since) / (fraction - first) * (1 - fraction)
        if self.deadline is not None:
            left = min(left, max(0.0, self.deadline - now))
        return left


def _model_key(dataset_id: int, generator: str, params: dict[str, Any], seed: int) -> str:
    digest = hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()[:12]
    return f"{dataset_id}:{generator}:{digest}:{seed}:{uuid.uuid4().hex[:8]}"


def _conditions(conditions: dict[str, Any] | None, n_rows: int) -> dict[str, Any] | None:
    if not conditions:
        return None
    if not isinstance(conditions, dict):
        raise InvalidParameterError("Conditions must be a mapping of column to value.")
    return dict(conditions)


def generate(ctx: JobContext, dataset_id: int, generator: str, params: dict[str, Any] | None = None,
             seed: int = 0, n_rows: int | None = None, rules: list[dict[str, Any]] | None = None,
             conditions: dict[str, Any] | None = None, keep_model: bool = True,
             name: str | None = None) -> dict[str, Any]:
    """Job "generate": fit one generator on the dataset's training split and store the output."""
    store: DatasetStore = ctx.store
    info = store.get(dataset_id)
    gen = registry.get(generator, random_state=seed, **(params or {}))
    ctx.progress(0, f"Loading {info.n_rows:,} rows")
    prep = prepare_training(store, dataset_id, seed, rules)
    n = int(n_rows or len(prep.real))
    if n < 1:
        raise InvalidParameterError("The number of rows must be at least 1.")
    conds = _conditions(conditions, n)

    # from the data's shape, in microseconds: calibration fits took as long as a 3-epoch CTGAN (issue 14)
    estimate = estimate_run(generator, len(prep.train), prep.train.shape[1], n, gen.params).fit_seconds
    fit_start = time.perf_counter()
    pace = Pace(deadline_minutes=gen.params.get("time_budget_minutes"))

    def fit_progress(fraction: float, message: str, /) -> None:
        ctx.progress(0.02 + 0.83 * fraction, f"Fitting {generator}: {message}",
                     eta_seconds=pace.remaining(fraction))

    gen.fit(prep.train, prep.metadata, progress=fit_progress, cancel=ctx.cancelled)
    fit_seconds = time.perf_counter() - fit_start

    sample_start = time.perf_counter()
    out, report = sample_with_rules(gen, n, seed, prep.rules, conds, progress=span(ctx.progress, 0.85, 0.95))
    sample_seconds = time.perf_counter() - sample_start
    ctx.progress(0.96, "Saving the synthetic dataset")
    if ctx.cancelled():
        raise CancelledError("Cancelled by the analyst; nothing was saved.")
    return _store_run(ctx, prep, gen, generator, n, out, report, conds, fit_seconds, sample_seconds,
                      estimate, keep_model, name)


def _runs_output(synth: DatasetInfo, run_id: int, parts: dict[str, int | None]) -> str:
    """What a run stored, as its job says: "synthetic dataset #4 'x' with its run #2 (train #2, model #1)"."""
    with_ids = ", ".join(f"{part} #{i}" for part, i in parts.items() if i is not None)
    return f"synthetic dataset #{synth.id} '{synth.name}' with its run #{run_id}" + (f" ({with_ids})" if with_ids else "")


def _store_run(ctx: JobContext, prep: Training, gen: Generator, generator: str, n: int,
               out: pd.DataFrame, report: dict[str, Any], conds: dict[str, Any] | None,
               fit_seconds: float, sample_seconds: float, estimate: float | None, keep_model: bool,
               name: str | None) -> dict[str, Any]:
    """Everything a run produces and the job's result, in one transaction: a failure or a kill
    stores none of it."""
    from mdg_core import signing

    store: DatasetStore = ctx.store
    info, seed = prep.info, prep.seed
    versions = registry.versions()
    recipe = {"generator": generator, "params": gen.params, "seed": seed, "rows": n,
              "conditions": jsonable(conds), "rules": [r["rule"] for r in report["rules"]],
              "summary": f"{generator} · seed {seed}"}
    payload = signing.dumps(gen, MODEL_KIND) if keep_model else None  # before the lock is taken
    peak = peak_memory_mb()
    meta = {"conditions": jsonable(conds), "estimated_fit_seconds": estimate,
            "sampled_rows": report["sampled_rows"], "sampling_rounds": report["rounds"],
            "sdv_constraints": getattr(gen, "sdv_constraints_", []), "holdout_share": prep.share,
            "epoch_seconds": getattr(gen, "epoch_seconds_", None),
            "training": getattr(gen, "training_", None)}  # epochs run, and whether the time budget stopped them
    with store.transaction():
        train_id, hold_id = save_splits(store, prep)
        synth = store.save(out, name or f"{info.name} · {generator} (seed {seed})", "synthetic",
                           parent_id=info.id, recipe=recipe)
        model_id = None
        if payload is not None:
            model_id = store.put_artifact(
                MODEL_KIND, _model_key(info.id, generator, gen.params, seed), payload, dataset_id=info.id,
                other_dataset_id=train_id,
                params={"generator": generator, "params": gen.params, "seed": seed},
                summary={"generator": generator, "fit_seconds": fit_seconds, "bytes": len(payload),
                         "train_dataset_id": train_id, "holdout_dataset_id": hold_id, "versions": versions},
            )
        run_id = store.record_run(
            dataset_id=info.id, generator=generator, params=gen.params, seed=seed, n_rows=n, versions=versions,
            fit_seconds=fit_seconds, sample_seconds=sample_seconds, peak_memory_mb=peak,
            violations=report["rules"], output_dataset_id=synth.id, train_dataset_id=train_id,
            holdout_dataset_id=hold_id, model_artifact_id=model_id, status="done", meta=meta,
        )
        result = {"run_id": run_id, "output_dataset_id": synth.id, "train_dataset_id": train_id,
                  "holdout_dataset_id": hold_id, "model_artifact_id": model_id, "rows": n,
                  "fit_seconds": round(fit_seconds, 3), "sample_seconds": round(sample_seconds, 3),
                  "estimated_fit_seconds": None if estimate is None else round(estimate, 3),
                  "peak_memory_mb": round(peak, 1), "violations": report["rules"]}
        return ctx.saved(result, _runs_output(synth, run_id, {"train": train_id, "holdout": hold_id,
                                                              "model": model_id}))


def load_model(store: DatasetStore, artifact_id: int) -> Generator:
    """A kept model from this store, unpickled only when this installation's signature verifies."""
    from mdg_core import signing

    art = store.get_artifact_by_id(int(artifact_id))  # raises ArtifactIntegrityError on a hash mismatch
    if art is None or art.kind != MODEL_KIND or art.payload is None:
        raise StoreError(f"No kept model has id {artifact_id}.")
    model = signing.loads(art.payload, MODEL_KIND, f"Kept model #{artifact_id}")  # UntrustedArtifactError
    if not isinstance(model, Generator):
        raise StoreError(f"Artifact #{artifact_id} is not a fitted generator.")
    return model


def sample_model(ctx: JobContext, model_artifact_id: int, n_rows: int, seed: int = 0,
                 conditions: dict[str, Any] | None = None, name: str | None = None) -> dict[str, Any]:
    """Job "sample_model": new rows from a kept model, without refitting."""
    store: DatasetStore = ctx.store
    ctx.progress(0, "Loading the kept model")
    gen = load_model(store, model_artifact_id)
    art = store.get_artifact_by_id(int(model_artifact_id), with_payload=False)
    assert art is not None
    info = store.get(int(art.dataset_id))  # type: ignore[arg-type]
    generator = gen.spec.name
    n = int(n_rows)
    if n < 1:
        raise InvalidParameterError("The number of rows must be at least 1.")
    conds = _conditions(conditions, n)
    started = time.perf_counter()
    out, report = sample_with_rules(gen, n, int(seed), list(gen.metadata_.rules), conds,
                                    progress=span(ctx.progress, 0.05, 0.9))
    sample_seconds = time.perf_counter() - started
    if ctx.cancelled():
        raise CancelledError("Cancelled by the analyst; nothing was saved.")
    summary = art.summary or {}
    recipe = {"generator": generator, "params": gen.params, "seed": seed, "rows": n, "model_artifact_id": art.id,
              "conditions": jsonable(conds), "summary": f"{generator} · kept model #{art.id} · seed {seed}"}
    peak = peak_memory_mb()
    with store.transaction():  # the dataset, its run record and the job's result: all or none
        synth = store.save(out, name or f"{info.name} · {generator} (model #{art.id}, seed {seed})", "synthetic",
                           parent_id=info.id, recipe=recipe)
        run_id = store.record_run(
            dataset_id=info.id, generator=generator, params=gen.params, seed=int(seed), n_rows=n,
            versions=registry.versions(), fit_seconds=0.0, sample_seconds=sample_seconds, peak_memory_mb=peak,
            violations=report["rules"], output_dataset_id=synth.id,
            train_dataset_id=summary.get("train_dataset_id"), holdout_dataset_id=summary.get("holdout_dataset_id"),
            model_artifact_id=art.id, status="done",
            meta={"from_model": art.id, "conditions": jsonable(conds), "fit_random_state": gen.random_state},
        )
        result = {"run_id": run_id, "output_dataset_id": synth.id, "rows": n,
                  "sample_seconds": round(sample_seconds, 3), "peak_memory_mb": round(peak, 1),
                  "violations": report["rules"], "model_artifact_id": art.id}
        return ctx.saved(result, _runs_output(synth, run_id, {"from model": art.id}))


def compare(ctx: JobContext, dataset_id: int, generators: list[str], params: dict[str, dict[str, Any]] | None = None,
            seed: int = 0, n_rows: int | None = None) -> dict[str, Any]:
    """Job "compare_generators": same train split and seed for each; quality, privacy and time."""
    from mdg_core.generators.scores import compare_scores

    store: DatasetStore = ctx.store
    if not generators:
        raise InvalidParameterError("Choose at least one generator to compare.")
    for name in generators:
        registry.spec(name)  # unknown names fail before any work
    prep = prepare_training(store, dataset_id, seed)
    train, hold = prep.train, prep.holdout
    n = int(n_rows or len(train))
    rows: list[dict[str, Any]] = []
    for i, name in enumerate(generators):
        base = i / len(generators)
        step = 1 / len(generators)

        row: dict[str, Any] = {"generator": name, "family": registry.spec(name).family}
        try:
            gen = registry.get(name, random_state=seed, **(params or {}).get(name, {}))
            started = time.perf_counter()
            gen.fit(train, prep.metadata, progress=span(ctx.progress, base, base + step * 0.8, f"{name}: "),
                    cancel=ctx.cancelled)
            row["fit_seconds"] = time.perf_counter() - started
            started = time.perf_counter()
            out, report = sample_with_rules(gen, n, seed, prep.rules)
            row["sample_seconds"] = time.perf_counter() - started
            ctx.progress(base + step * 0.85, f"{name}: scoring")
            row.update(compare_scores(train, hold, out, prep.stored))  # the Quality and Privacy reports' numbers
            row["violations_before"] = sum(r["before"] for r in report["rules"])
            row["params"] = gen.params
        except CancelledError:
            raise
        except MdgError as exc:
            row["error"] = str(exc)
        except Exception as exc:  # one failing library must not sink the whole comparison
            row["error"] = f"{type(exc).__name__}: {exc}"
        rows.append(row)
    result = {"dataset_id": dataset_id, "seed": seed, "rows": n, "train_rows": len(train),
              "holdout_rows": len(hold), "results": rows}
    if len(hold) < 10:
        result["note"] = (f"Privacy is not scored: the holdout has {len(hold)} rows (holdout share "
                          f"{prep.share:g} in Settings) and at least 10 are needed as a control.")
    result = jsonable(result)
    with store.transaction():  # the comparison and the job's result: both or neither
        artifact_id = store.put_artifact("comparison", f"{dataset_id}:{seed}:{uuid.uuid4().hex[:8]}", None,
                                         dataset_id=dataset_id, params={"generators": generators, "seed": seed},
                                         summary=result)
        return ctx.saved(result, f"comparison #{artifact_id} of {len(generators)} generator(s) on dataset #{dataset_id}")
