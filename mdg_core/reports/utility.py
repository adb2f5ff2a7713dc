"""Machine-learning utility: train on synthetic, test on real (TSTR), against train-on-real (TRTR).

The test rows are real rows the generator never saw: the run's holdout when there is one. Without a
holdout, 30 % of the real rows are set aside for testing, and the report says that the synthetic
data may have been generated from them (which flatters TSTR).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from mdg_core.errors import ReportError
from mdg_core.reports.common import (
    Headline,
    Progress,
    ReportInputs,
    Section,
    SectionSpec,
    as_category,
    as_numeric,
    categorical_mask,
    feature_encoder,
    no_progress,
    sample,
    single_thread,
)

MAX_TRAIN_ROWS = 50_000
MAX_CLASSES_AS_NUMBER = 10
RATIO_GOOD, RATIO_REVIEW = 0.9, 0.75


def task_for(series: pd.Series, kind: str) -> str:
    """Classification for categories and small sets of integers; regression for other numbers."""
    if kind == "numeric" and series.nunique() > MAX_CLASSES_AS_NUMBER:
        return "regression"
    return "classification"


def _scores(task: str, model: Any, x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    from sklearn import metrics

    pred = model.predict(x)
    if task == "regression":
        return {"r2": float(metrics.r2_score(y, pred)), "mae": float(metrics.mean_absolute_error(y, pred))}
    out = {"accuracy": float(metrics.accuracy_score(y, pred)),
           "balanced_accuracy": float(metrics.balanced_accuracy_score(y, pred)),
           "f1_macro": float(metrics.f1_score(y, pred, average="macro"))}
    proba = model.predict_proba(x)
    classes = list(model.classes_)
    present = [c for c in np.unique(y) if c in classes]
    if len(present) >= 2:
        if len(classes) == 2:
            out["roc_auc"] = float(metrics.roc_auc_score(y == classes[1], proba[:, 1]))
        else:
            mask = np.isin(y, classes)
            out["roc_auc"] = float(metrics.roc_auc_score(y[mask], proba[mask], multi_class="ovr",
                                                         average="weighted", labels=classes))
    return out


def utility_section(real_train: pd.DataFrame, synth: pd.DataFrame, target: str, kinds: dict[str, str],
                    real_test: pd.DataFrame | None = None, progress: Progress = no_progress,
                    seed: int = 0) -> Section:
    """TSTR and TRTR scores for one target column; the verdict is their ratio."""
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.model_selection import train_test_split

    sec = Section("utility", f"Machine-learning utility (target: {target})")
    if target not in kinds:
        raise ReportError(f"Target column '{target}' is not in both datasets. Choose one of: "
                          f"{', '.join(c for c, k in kinds.items() if k != 'identifier')}.")
    if kinds[target] == "identifier":
        raise ReportError(f"Target '{target}' has a distinct value in nearly every row; choose a column "
                          "with repeated values (a category or a number).")
    task = task_for(real_train[target].dropna(), kinds[target])
    held_out = real_test is not None
    if real_test is None:
        real_train, real_test = train_test_split(real_train, test_size=0.3, random_state=seed)
    train_r = sample(real_train.dropna(subset=[target]), MAX_TRAIN_ROWS, seed)
    train_s = sample(synth.dropna(subset=[target]), MAX_TRAIN_ROWS, seed + 1)
    test = real_test.dropna(subset=[target])
    if min(len(train_r), len(train_s), len(test)) < 10:
        raise ReportError(f"Too few rows with a value in '{target}' to train and test a model "
                          f"(real {len(train_r)}, synthetic {len(train_s)}, test {len(test)}; 10 needed each).")
    features = {c: k for c, k in kinds.items() if c != target and k != "identifier"}
    if not features:
        raise ReportError("No feature columns besides the target (identifier-like columns are not used).")
    enc = feature_encoder(features).fit(pd.concat([train_r, train_s], ignore_index=True))

    def label(f: pd.DataFrame) -> np.ndarray:
        y: np.ndarray = (as_numeric(f[target]).to_numpy() if task == "regression"
                         else as_category(f[target]).to_numpy(dtype=str))
        return y

    results: dict[str, dict[str, float]] = {}
    for i, (name, frame) in enumerate((("train on real (reference)", train_r), ("train on synthetic", train_s))):
        progress(0.1 + 0.4 * i, f"Utility: {name}")
        cls = HistGradientBoostingRegressor if task == "regression" else HistGradientBoostingClassifier
        model = cls(max_iter=200, categorical_features=categorical_mask(enc), random_state=seed)
        y = label(frame)
        if task == "classification" and len(np.unique(y)) < 2:
            raise ReportError(f"'{target}' has a single value in the {name.split(' (')[0]} rows; "
                              "a classifier needs at least two.")
        with single_thread():
            model.fit(enc.transform(frame), y)
            results[name] = _scores(task, model, enc.transform(test), label(test))
    main = "r2" if task == "regression" else "roc_auc" if "roc_auc" in results["train on real (reference)"] else "accuracy"
    ref, syn = results["train on real (reference)"][main], results["train on synthetic"][main]
    ratio = syn / ref if ref > 0 else (1.0 if syn >= ref else 0.0)
    sec.tables["scores"] = [{"model": k, **{m: round(v, 4) for m, v in s.items()}} for k, s in results.items()]
    sec.metrics.update(task=task, target=target, main_metric=main, reference=ref, synthetic=syn, ratio=ratio,
                       test_rows=len(test), test_is_holdout=held_out,
                       train_rows=[len(train_r), len(train_s)])
    level = "good" if ratio >= RATIO_GOOD else "review" if ratio >= RATIO_REVIEW else "risky"
    sec.flag(level, f"{task.capitalize()} of '{target}': trained on synthetic, {main} {syn:.3f} on {len(test):,} "
                    f"real test rows vs {ref:.3f} trained on real ({ratio:.0%} of the reference; "
                    f"thresholds {RATIO_GOOD:.0%} / {RATIO_REVIEW:.0%}).")
    if task == "classification":
        _judge_balanced(sec, results, label(test))
    if not held_out:
        sec.notes.append("No holdout: 30 % of the real rows were set aside for testing, but the synthetic data "
                         "may have been generated from them, which flatters the synthetic score.")
    progress(1.0, "Utility: done")
    return sec


def _judge_balanced(sec: Section, results: dict[str, dict[str, float]], y_test: np.ndarray) -> None:
    """AUC can look fine while a model predicts the majority class for every row; balanced accuracy
    (1 / classes for such a model) and macro F1 cannot. Shows the majority-class baseline and judges
    the synthetic-trained model on balanced accuracy as well."""
    values, counts = np.unique(y_test, return_counts=True)
    majority_share = float(counts.max() / counts.sum())
    chance = 1 / max(1, len(values))
    ref, syn = results["train on real (reference)"], results["train on synthetic"]
    sec.metrics.update(majority_class=str(values[counts.argmax()]), majority_share=majority_share,
                       balanced_accuracy_chance=chance, balanced_accuracy_reference=ref["balanced_accuracy"],
                       balanced_accuracy_synthetic=syn["balanced_accuracy"],
                       f1_macro_reference=ref["f1_macro"], f1_macro_synthetic=syn["f1_macro"])
    span = ref["balanced_accuracy"] - chance
    gained = (syn["balanced_accuracy"] - chance) / span if span > 0 else 1.0
    level = "good" if gained >= RATIO_GOOD else "review" if gained >= RATIO_REVIEW else "risky"
    sec.flag(level, f"Balanced accuracy trained on synthetic {syn['balanced_accuracy']:.3f} vs {ref['balanced_accuracy']:.3f} "
                    f"trained on real; a model that predicts the majority class ('{values[counts.argmax()]}', "
                    f"{majority_share:.1%} of test rows, accuracy {majority_share:.3f}) scores {chance:.3f}: the synthetic "
                    f"model keeps {gained:.0%} of the real model's gain over it (thresholds {RATIO_GOOD:.0%} / "
                    f"{RATIO_REVIEW:.0%}); macro F1 {syn['f1_macro']:.3f} vs {ref['f1_macro']:.3f}.")


def compute(inputs: ReportInputs, progress: Progress, seed: int) -> Section:
    """Trained on A's rows (the run's training rows when there is a run), tested on the holdout."""
    if inputs.target is None:
        raise ReportError("Machine-learning utility needs a target column.")
    return utility_section(inputs.pair.a, inputs.pair.b, inputs.target, inputs.pair.kinds, inputs.holdout,
                           progress, seed)


SECTION = SectionSpec(
    "utility", compute, share=0.3, needs_target=True, open_tables=("scores",),
    headlines=(Headline("Trained on real", "reference", percent=False),
               Headline("Trained on synthetic", "synthetic", percent=False), Headline("Ratio", "ratio")),
)
