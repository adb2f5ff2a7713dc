"""The peer benchmark's measures, from the workbench's own report sections wherever one exists.

- SDMetrics quality (overall, column shapes, pair trends) vs the training rows: ``quality_section``.
- TSTR vs TRTR on the real holdout: ``utility_section`` (gradient boosting; ROC AUC or R²).
- DCR share against an equal-size training sample, so that 0.50 is the no-memorisation ideal (the
  definition MOSTLY AI's QA report and issue 11 use): ``distance_section``.
- Exact copies of training rows, counted over *all* synthetic and training rows: ``exact_match_share``.
- Holdout-referenced accuracy: ``mostlyai-qa`` (run in the peers venv) when it is there, else
  ``tvd_accuracy`` below, the same idea (1 − total variation distance over binned uni- and bivariate
  distributions) computed for the holdout as well, which is then the ceiling.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

BINS = 10


def conform(synth: pd.DataFrame, train: pd.DataFrame) -> pd.DataFrame:
    """A peer's output in the training table's dtypes (parquet round trips lose categories, ints)."""
    out = pd.DataFrame(index=range(len(synth)))
    for col in train.columns:
        s = synth[col].reset_index(drop=True) if col in synth.columns else pd.Series([pd.NA] * len(synth))
        dtype = train[col].dtype
        if isinstance(dtype, pd.CategoricalDtype):
            s = pd.Categorical(s.astype(object).where(s.notna()), categories=dtype.categories, ordered=dtype.ordered)
        elif pd.api.types.is_datetime64_any_dtype(dtype):
            s = pd.to_datetime(s, errors="coerce")
        elif pd.api.types.is_bool_dtype(dtype):
            s = s.astype(object).where(s.notna()).map(lambda v: v if v is None else str(v).lower() in ("true", "1"))
        elif pd.api.types.is_numeric_dtype(dtype):
            s = pd.to_numeric(s, errors="coerce")
            if pd.api.types.is_integer_dtype(dtype) and s.notna().all():
                s = s.round().astype(dtype)
        else:
            s = s.astype(object).where(s.notna())
        out[col] = s
    return out


def _binner(train: pd.Series) -> Any:
    """Maps a column to bin labels learnt on training: deciles for numbers, top categories otherwise."""
    from mdg_core.column_kinds import family_of
    from mdg_core.reports.common import as_category, as_numeric

    if family_of(train) == "numeric":
        x = as_numeric(train).dropna().to_numpy()
        edges = np.unique(np.quantile(x, np.linspace(0, 1, BINS + 1))[1:-1]) if len(x) else np.array([])

        def numeric(s: pd.Series) -> np.ndarray:
            v = as_numeric(s).to_numpy()
            return np.where(np.isnan(v), -1, np.searchsorted(edges, v, side="right")).astype(str)

        return numeric
    top = set(as_category(train).value_counts().index[:BINS])

    def categorical(s: pd.Series) -> np.ndarray:
        c = as_category(s)
        return np.where(c.isna(), "(missing)", np.where(c.isin(top), c.astype(str), "(other)")).astype(str)

    return categorical


def tvd_accuracy(train: pd.DataFrame, other: pd.DataFrame) -> dict[str, float]:
    """1 − TVD of binned univariate and bivariate distributions; overall is their mean."""
    cols = list(train.columns)
    binned_t, binned_o = {}, {}
    for c in cols:
        f = _binner(train[c])
        binned_t[c], binned_o[c] = f(train[c]), f(other[c])

    def acc(a: np.ndarray, b: np.ndarray) -> float:
        pa = pd.Series(a).value_counts(normalize=True)
        pb = pd.Series(b).value_counts(normalize=True)
        return 1 - 0.5 * float(pa.sub(pb, fill_value=0).abs().sum())

    uni = float(np.mean([acc(binned_t[c], binned_o[c]) for c in cols]))
    pairs = list(combinations(cols, 2))
    bi = float(np.mean([acc(np.char.add(np.char.add(binned_t[a], "|"), binned_t[b]),
                            np.char.add(np.char.add(binned_o[a], "|"), binned_o[b])) for a, b in pairs])) if pairs else uni
    return {"overall": (uni + bi) / 2, "univariate": uni, "bivariate": bi}


def evaluate(train: pd.DataFrame, holdout: pd.DataFrame, synth: pd.DataFrame, target: str, label: str,
             seed: int = 0) -> dict[str, Any]:
    """Every measure of one synthetic table (all rows for TSTR and exact copies; a holdout-size
    seeded sample for quality, accuracy and distances, so the holdout's own figures are its ceiling)."""
    from mdg_core.reports.common import align, sample
    from mdg_core.reports.privacy import distance_section, exact_match_share, match_columns
    from mdg_core.reports.quality import quality_section
    from mdg_core.reports.utility import utility_section

    evaluated = sample(synth, len(holdout), seed)
    q = quality_section(align(train, evaluated, "training", label)).metrics
    out: dict[str, Any] = {"quality": q["overall_score"], "shapes": q["column_shapes"],
                           "pairs": q["column_pair_trends"], "evaluated_rows": len(evaluated)}
    u = utility_section(train, synth, target, align(train, synth).kinds, real_test=holdout, seed=seed).metrics
    out.update(tstr_metric=u["main_metric"], tstr=u["synthetic"], trtr=u["reference"])
    same_size = sample(train, len(holdout), seed + 7)
    d = distance_section(same_size, holdout, evaluated, seed=seed)[0].metrics
    out.update(dcr_share=d["dcr_share"], dcr_baseline=d["dcr_share_baseline"])
    cols = match_columns(train)
    out["exact_copy_share"] = exact_match_share(synth[cols], train[cols])
    out["tvd_accuracy"] = tvd_accuracy(train, evaluated)
    out["_evaluated"] = evaluated
    return out


def evaluate_holdout(train: pd.DataFrame, holdout: pd.DataFrame, target: str) -> dict[str, Any]:
    """The ceiling: the real holdout scored like a synthetic table (TSTR is then train-on-real)."""
    from mdg_core.reports.common import align
    from mdg_core.reports.privacy import exact_match_share, match_columns
    from mdg_core.reports.quality import quality_section

    q = quality_section(align(train, holdout, "training", "holdout")).metrics
    cols = match_columns(train)
    return {"quality": q["overall_score"], "shapes": q["column_shapes"], "pairs": q["column_pair_trends"],
            "evaluated_rows": len(holdout), "exact_copy_share": exact_match_share(holdout[cols], train[cols]),
            "tvd_accuracy": tvd_accuracy(train, holdout)}
