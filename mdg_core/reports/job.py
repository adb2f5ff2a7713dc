"""Report jobs: compute a report of any registered kind, store it as an artifact (HTML payload + JSON
summary), reopen it.

Artifacts have kind ``report`` and key ``"{kind}:{a}:{b}:{holdout}:{target}"`` so the page can
open a finished report instantly. The summary holds the whole report (metrics, tables, verdicts
and binned chart data); the payload is the self-contained HTML export.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from mdg_core.errors import InvalidParameterError, ReportError
from mdg_core.jobs import JobContext
from mdg_core.jsonable import jsonable
from mdg_core.progress import span
from mdg_core.reports import report_kind
from mdg_core.reports.common import Progress, ReportInputs, ReportKind, Section, align, no_progress, worst
from mdg_core.store import Artifact, DatasetInfo, DatasetStore
from mdg_core.store.catalog import now_iso

ARTIFACT_KIND = "report"


def report_key(kind: str, a: int, b: int, holdout: int | None = None, target: str | None = None) -> str:
    return f"{kind}:{int(a)}:{int(b)}:{holdout if holdout is None else int(holdout)}:{target or None}"


def find_run(store: DatasetStore, dataset_id: int) -> dict[str, Any] | None:
    """The generation run behind a synthetic dataset, or behind the dataset it was derived from
    (e.g. a version with risky rows dropped keeps its run's training/holdout split)."""
    for info in store.lineage(dataset_id):
        run = store.run_for_output(info.id)
        if run is not None:
            return run
    return None


def holdout_run(store: DatasetStore, dataset_id: int) -> dict[str, Any] | None:
    """The generation run that kept ``dataset_id`` out of training as its holdout, if any."""
    return next((r for r in store.list_runs() if r.get("holdout_dataset_id") == int(dataset_id)), None)


def real_parts(store: DatasetStore, a: int, b: int, holdout: int | None) -> tuple[int, int | None, list[str]]:
    """Training and holdout ids for comparing ``b`` with real data, and notes on where they came from.

    ``b`` may be a run's holdout itself, judged as if it were synthetic (the sanity check every report
    should pass: fresh real rows are not copies); then the holdout returned is ``b``, and the report
    uses half of its rows as the candidate and the other half as the control."""
    run = find_run(store, b)
    notes: list[str] = []
    train_id = a
    held_by = None if run is not None else holdout_run(store, b)
    if run is not None and run.get("train_dataset_id"):
        train_id = int(run["train_dataset_id"])
        notes.append(f"Synthetic dataset #{b} comes from generation run #{run['id']}: its training rows "
                     f"(#{train_id}) are the real reference.")
        if holdout is None and run.get("holdout_dataset_id"):
            holdout = int(run["holdout_dataset_id"])
            notes.append(f"The run's holdout (#{holdout}, rows kept out of training) is the control.")
    elif held_by is not None and held_by.get("train_dataset_id"):
        train_id = int(held_by["train_dataset_id"])
        notes.append(f"#{b} is the holdout of generation run #{held_by['id']}: real rows its generator never saw, "
                     f"judged here as if they were synthetic against that run's training rows (#{train_id}). "
                     "Fresh real data should come out safe; a report that flags it is miscalibrated.")
        holdout = int(b) if holdout is None else holdout
    if holdout is not None and int(holdout) == train_id:
        raise InvalidParameterError(f"The holdout #{holdout} is the training data #{train_id}: choose rows that "
                                    "were kept out of training.")
    return train_id, holdout, notes


def split_candidate(frame: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A dataset that is both the candidate and the control (the holdout judged as synthetic): two seeded,
    disjoint halves, so the control never contains the rows it is compared with."""
    order = np.random.default_rng(seed).permutation(len(frame))
    half = len(frame) // 2
    return (frame.iloc[order[:half]].reset_index(drop=True), frame.iloc[order[half:]].reset_index(drop=True))


def report_metadata(store: DatasetStore, a: int, b: int) -> dict[str, Any]:
    """The generation metadata (key, PII, column types) the reports judge columns by: the one of the
    real dataset a generation run behind ``b`` trained on (what its generator fitted with), else A's;
    stored by the analyst, or detected as the generators would."""
    from mdg_core.generators import metadata as md

    run = find_run(store, b)
    source = int(run["dataset_id"]) if run is not None and run.get("dataset_id") else int(a)
    return md.for_dataset(store, source)


def _label(info: DatasetInfo) -> str:
    return f"#{info.id} {info.name} ({info.kind}, {info.n_rows:,} rows × {info.n_cols} columns)"


def _restrict(frame: pd.DataFrame, columns: list[str], label: str) -> pd.DataFrame:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ReportError(f"The holdout {label} lacks column(s) {', '.join(missing)}; choose the holdout "
                          "of the same real data.")
    return frame[columns].reset_index(drop=True)


def load_inputs(store: DatasetStore, kind: ReportKind, a: int, b: int, holdout: int | None,
                target: str | None, seed: int = 0) -> tuple[ReportInputs, dict[str, Any]]:
    """Load and align what ``kind``'s sections compute from, and the report's dataset labels and notes."""
    notes: list[str] = []
    resolved: dict[str, Any] = {}
    reference = a
    if kind.training_reference:
        reference, holdout, notes = real_parts(store, a, b, holdout)
        resolved = {"train_id": reference, "holdout_id": holdout}
    candidate, control = store.load(b), None
    if kind.uses_holdout and holdout is not None and int(holdout) == int(b):
        candidate, control = split_candidate(candidate, seed)
        notes.append(f"#{b} is both the candidate and the control: {len(candidate):,} of its rows (seeded half) are "
                     f"judged, the other {len(control):,} are the control.")
    pair = align(store.load(reference), candidate, _label(store.get(reference)), _label(store.get(b)),
                 metadata=report_metadata(store, a, b))
    hold = None
    if kind.uses_holdout and holdout is not None:
        hold = _restrict(store.load(holdout) if control is None else control, pair.columns, f"#{holdout}")
    if target and target not in pair.kinds:
        raise ReportError(f"Target column '{target}' is not in both datasets. Choose one of: "
                          f"{', '.join(c for c, k in pair.kinds.items() if k != 'identifier')}.")
    if kind.uses_holdout and holdout is None and kind.no_holdout_note:
        notes.append(kind.no_holdout_note)
    datasets: dict[str, str | None] = {kind.labels[0]: pair.a_label, kind.labels[1]: pair.b_label}
    if kind.uses_holdout:
        datasets["Holdout"] = _label(store.get(holdout)) if holdout is not None else None
    extra = {"datasets": datasets, "notes": notes, "resolved": resolved}
    return ReportInputs(pair, hold, target if kind.uses_target else None,
                        _run_baselines(store, kind, int(b), reference, holdout, control is not None)), extra


def _run_baselines(store: DatasetStore, kind: ReportKind, b: int, train_id: int, holdout: int | None,
                   sanity_check: bool) -> Callable[[Progress], dict[str, Any]] | None:
    """The baselines of the split B's generation run trained on, read (or computed once) where the run
    summary and Compare read them, so the three places show the same numbers."""
    run = find_run(store, b) if kind.training_reference and not sanity_check else None
    if run is None or run.get("train_dataset_id") != train_id:
        return None
    from mdg_core.reports.baselines import split_baselines

    seed = int(run["seed"])
    return lambda progress: split_baselines(store, train_id, holdout, seed, progress)


def compute_sections(kind: ReportKind, inputs: ReportInputs, progress: Progress = no_progress,
                     seed: int = 0) -> list[Section]:
    """Each of the kind's sections in turn, with its share of the progress bar."""
    parts = [s for s in kind.sections if inputs.target or not s.needs_target]
    total = sum(s.share for s in parts) or 1.0
    done = 0.0
    sections = []
    for spec in parts:
        lo, hi = done / total, (done + spec.share) / total
        sections.append(spec.compute(inputs, span(progress, lo, hi), seed))
        done += spec.share
    return sections


def build(store: DatasetStore, kind: str, a: int, b: int, holdout: int | None = None,
          target: str | None = None, progress: Progress = no_progress, seed: int = 0) -> dict[str, Any]:
    """Compute one report and return it as a JSON-able dict (not stored)."""
    spec = report_kind(kind)
    if int(a) == int(b) and spec.distinct:
        raise InvalidParameterError(f"A {spec.title.lower()} report compares real data with a different "
                                    "(synthetic) dataset.")
    holdout = int(holdout) if spec.uses_holdout and holdout is not None else None
    target = (target or None) if spec.uses_target else None
    started = time.perf_counter()
    inputs, extra = load_inputs(store, spec, int(a), int(b), holdout, target, seed)
    sections = compute_sections(spec, inputs, progress, seed)
    report = {
        "kind": kind, "title": f"{spec.title} report: #{b} vs #{a}",
        "a": int(a), "b": int(b), "holdout": holdout, "target": target, "seed": seed,
        "created_at": now_iso(), "seconds": round(time.perf_counter() - started, 2),
        "verdict": worst([s.verdict for s in sections]), **extra,
        "sections": [s.to_dict() for s in sections],
    }
    return jsonable(report)


def save(store: DatasetStore, report: dict[str, Any], key: str | None = None) -> int:
    """Store a report: the HTML export as payload, the report itself as summary."""
    from mdg_core.reports.html import render

    key = key or report_key(report["kind"], report["a"], report["b"], report["holdout"], report["target"])
    params = {k: report[k] for k in ("kind", "a", "b", "holdout", "target", "seed")}
    return store.put_artifact(ARTIFACT_KIND, key, render(report).encode("utf-8"), dataset_id=report["a"],
                              other_dataset_id=report["b"], params=params, summary=report)


def drop_risky_rows(store: DatasetStore, a: int, b: int, holdout: int | None, threshold: float,
                    progress: Progress = no_progress) -> DatasetInfo:
    """A new version of ``b`` without rows that copy a training row or sit closer to one than
    ``threshold`` (the holdout's 5th-percentile distance from the report).

    Inside ``store.transaction()`` (as the report job calls it) the new version is stored only
    together with what the transaction stores after it: its report."""
    from mdg_core.reports.privacy import risky_row_mask

    train_id, _, _ = real_parts(store, a, b, holdout)
    synth = store.load(b)
    pair = align(store.load(train_id), synth)
    mask = risky_row_mask(pair.a, pair.b, float(threshold), progress)
    if not mask.any():  # a copy of #b under a new number would only clutter the catalogue
        raise ReportError(f"No row of #{b} copies a training row or lies closer to one than {threshold:.4f}: "
                          "there is nothing to drop, and no new version was made.")
    if mask.all():
        raise ReportError(f"Every row of #{b} is a copy of, or too close to, a training row; nothing would be "
                          "left. Generate again with a different generator or settings.")
    info = store.get(b)
    kept = synth.loc[~mask].reset_index(drop=True)
    return store.save(kept, f"{info.name} (risky rows dropped)", "synthetic", parent_id=b,
                      recipe={"action": "drop_risky_rows", "source": b, "training": train_id,
                              "dcr_threshold": float(threshold), "dropped_rows": int(mask.sum())})


def run(ctx: JobContext, kind: str, a: int, b: int, holdout: int | None = None, target: str | None = None,
        seed: int = 0, drop_risky_threshold: float | None = None) -> dict[str, Any]:
    """Job ``report``. The report and the job's result are one transaction; with ``drop_risky_threshold``
    the new version without risky rows is in it too: a failure, a cancel or a kill stores none of them
    (other writers wait meanwhile), and a stop after it says what was stored."""
    if drop_risky_threshold is None:
        return _run(ctx, kind, a, b, holdout, target, seed)
    ctx.progress(0, "Dropping risky rows, then the report on the rest; both are stored together at the end")
    with ctx.store.transaction():
        return _run(ctx, kind, a, b, holdout, target, seed, drop_risky_threshold)


def _run(ctx: JobContext, kind: str, a: int, b: int, holdout: int | None = None, target: str | None = None,
         seed: int = 0, drop_risky_threshold: float | None = None) -> dict[str, Any]:
    """Optionally drop risky rows first (a new dataset version), then compute and store."""
    spec = report_kind(kind)  # an unknown kind fails before any work
    holdout = holdout if spec.uses_holdout else None
    target = (target or None) if spec.uses_target else None
    progress: Progress = ctx.progress
    dropped: dict[str, Any] = {}
    new_version = ""
    if drop_risky_threshold is not None:
        before = ctx.store.get(b).n_rows
        new = drop_risky_rows(ctx.store, a, b, holdout, drop_risky_threshold, span(progress, 0, 0.2))
        dropped = {"dropped_from": b, "new_dataset_id": new.id, "dropped_rows": before - new.n_rows}
        new_version = f"dataset #{new.id} '{new.name}' and its "
        b = new.id
        progress = span(progress, 0.2, 1.0)
    report = build(ctx.store, kind, a, b, holdout, target, progress, seed)
    if dropped:
        report["notes"].insert(0, f"Dropped {dropped['dropped_rows']:,} risky rows from #{dropped['dropped_from']} "
                                  f"into the new dataset #{b}.")
    key = report_key(kind, a, b, holdout, target)
    with ctx.store.transaction():  # the report and the job's result: both or neither
        artifact_id = save(ctx.store, report, key)
        result = {"artifact_id": artifact_id, "key": key, "verdict": report["verdict"], "b": b, **dropped}
        return ctx.saved(result, f"{new_version}{kind} report #{artifact_id} (#{b} vs #{a})")


def saved_label(art: Artifact) -> str:
    """How a stored report is listed: when it was made, its title and its verdict."""
    summary = art.summary or {}
    when = art.created_at[:19].replace("T", " ")
    return f"{when} · {summary.get('title', art.key)} · {summary.get('verdict', '?').upper()}"


def load(store: DatasetStore, key: str) -> dict[str, Any] | None:
    """A stored report (the summary dict) by key, or None."""
    art = store.get_artifact(ARTIFACT_KIND, key, with_payload=False)
    if art is None:
        return None
    report = dict(art.summary or {}, artifact_id=art.id)
    if "kind" not in report and "section" in report:  # stored before report kinds had their own name
        report["kind"] = report.pop("section")
    return report
