"""Drift between any two datasets: per-column tests and a whole-table classifier test.

Why both effect sizes and p-values: with thousands of rows every tiny difference is "significant",
so a column is called drifted only when a test is significant *and* its effect size passes a
threshold, or when the population stability index (PSI) alone says so.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from mdg_core.reports.common import (
    Headline,
    Pair,
    Progress,
    ReportInputs,
    ReportKind,
    Section,
    SectionSpec,
    as_category,
    as_numeric,
    categorical_mask,
    feature_encoder,
    fmt_pct,
    no_progress,
    records,
    sample,
    single_thread,
)

ALPHA = 0.05
THRESHOLDS = {
    "ks_statistic": 0.1,      # max gap between the two CDFs
    "wasserstein_std": 0.2,   # earth mover's distance in units of A's standard deviation
    "js_distance": 0.1,       # Jensen–Shannon distance (base 2, 0..1)
    "psi": 0.2,               # population stability index; ≥ 0.2 is the usual "significant shift"
    "missing_change": 0.05,   # change in the share of missing values (5 points)
}
AUC_GOOD, AUC_RISKY = 0.6, 0.75
CLASSIFIER_ROWS = 20_000
PSI_BINS = 10
EPS = 1e-4
ORDER = ["column", "kind", "drifted", "reasons", "psi", "ks_statistic", "ks_pvalue", "wasserstein_std",
         "js_distance", "chi2_pvalue", "missing_a", "missing_b", "missing_change", "largest_change"]


def psi(expected: np.ndarray, actual: np.ndarray) -> float:
    """Population stability index between two vectors of bin shares."""
    e = np.clip(expected, EPS, None)
    a = np.clip(actual, EPS, None)
    return float(np.sum((a - e) * np.log(a / e)))


def numeric_drift(a: pd.Series, b: pd.Series) -> dict[str, Any]:
    """KS, Wasserstein (raw and in A's standard deviations) and PSI on A's decile bins."""
    from scipy import stats

    xa, xb = as_numeric(a).dropna().to_numpy(), as_numeric(b).dropna().to_numpy()
    if len(xa) < 2 or len(xb) < 2:
        return {"test": "n/a", "note": "fewer than 2 values on one side"}
    ks = stats.ks_2samp(xa, xb)
    wd = float(stats.wasserstein_distance(xa, xb))
    std = float(np.std(xa))
    edges = np.unique(np.quantile(xa, np.linspace(0, 1, PSI_BINS + 1)))
    if len(edges) < 3:  # (almost) constant column: bin on its distinct values instead
        return {**categorical_drift(pd.Series(xa), pd.Series(xb)), "ks_statistic": float(ks.statistic),
                "ks_pvalue": float(ks.pvalue), "wasserstein": wd,
                "wasserstein_std": wd / std if std > 0 else (0.0 if wd == 0 else float("inf"))}
    inner = edges[1:-1]
    ea = np.bincount(np.searchsorted(inner, xa, side="right"), minlength=len(edges) - 1) / len(xa)
    eb = np.bincount(np.searchsorted(inner, xb, side="right"), minlength=len(edges) - 1) / len(xb)
    return {
        "ks_statistic": float(ks.statistic), "ks_pvalue": float(ks.pvalue), "wasserstein": wd,
        "wasserstein_std": wd / std if std > 0 else (0.0 if wd == 0 else float("inf")),
        "psi": psi(ea, eb), "mean_a": float(np.mean(xa)), "mean_b": float(np.mean(xb)),
    }


def categorical_drift(a: pd.Series, b: pd.Series) -> dict[str, Any]:
    """Chi-squared test of homogeneity, Jensen–Shannon distance and PSI over the categories."""
    from scipy import stats
    from scipy.spatial.distance import jensenshannon

    ca, cb = as_category(a).dropna().value_counts(), as_category(b).dropna().value_counts()
    if ca.empty or cb.empty:
        return {"test": "n/a", "note": "no values on one side"}
    cats = ca.index.union(cb.index)
    na = ca.reindex(cats, fill_value=0).to_numpy(float)
    nb = cb.reindex(cats, fill_value=0).to_numpy(float)
    pa, pb = na / na.sum(), nb / nb.sum()
    if len(cats) > 1:
        chi2, pvalue, _, _ = stats.chi2_contingency(np.vstack([na, nb]))
    else:
        chi2, pvalue = 0.0, 1.0
    top = np.argsort(-np.abs(pa - pb))[0]
    return {
        "chi2": float(chi2), "chi2_pvalue": float(pvalue),
        "js_distance": float(jensenshannon(pa, pb, base=2)), "psi": psi(pa, pb),
        "categories": int(len(cats)),
        "largest_change": f"{cats[top]}: {fmt_pct(pa[top])} → {fmt_pct(pb[top])}",
    }


def column_verdict(kind: str, stats_: dict[str, Any]) -> tuple[bool, list[str]]:
    """Drifted or not, with the tests that decided it."""
    why: list[str] = []
    if stats_.get("psi", 0) >= THRESHOLDS["psi"]:
        why.append(f"PSI {stats_['psi']:.3f} ≥ {THRESHOLDS['psi']}")
    if "ks_statistic" in stats_ and stats_["ks_pvalue"] < ALPHA and stats_["ks_statistic"] >= THRESHOLDS["ks_statistic"]:
        why.append(f"KS {stats_['ks_statistic']:.3f} ≥ {THRESHOLDS['ks_statistic']} (p={stats_['ks_pvalue']:.2g})")
    if kind == "numeric" and stats_.get("wasserstein_std", 0) >= THRESHOLDS["wasserstein_std"]:
        why.append(f"Wasserstein {stats_['wasserstein_std']:.2f} std ≥ {THRESHOLDS['wasserstein_std']}")
    if "js_distance" in stats_ and stats_["chi2_pvalue"] < ALPHA and stats_["js_distance"] >= THRESHOLDS["js_distance"]:
        why.append(f"JS {stats_['js_distance']:.3f} ≥ {THRESHOLDS['js_distance']} (χ² p={stats_['chi2_pvalue']:.2g})")
    if abs(stats_.get("missing_change", 0)) >= THRESHOLDS["missing_change"]:
        why.append(f"missing share {fmt_pct(stats_['missing_a'])} → {fmt_pct(stats_['missing_b'])}")
    return bool(why), why


def classifier_auc(pair: Pair, seed: int = 0, max_rows: int = CLASSIFIER_ROWS) -> dict[str, Any]:
    """How well a model tells A's rows from B's: 5-fold cross-validated ROC AUC (0.5 = cannot).

    Equal-size seeded samples of both sides, so the AUC is not skewed by class imbalance.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    n = min(len(pair.a), len(pair.b), max_rows)
    sa, sb = sample(pair.a, n, seed), sample(pair.b, n, seed + 1)
    features = {c: k for c, k in pair.kinds.items() if k != "identifier"}
    if not features:
        return {"auc": None, "note": "no comparable columns (only identifier-like ones)"}
    both = pd.concat([sa, sb], ignore_index=True)
    enc = feature_encoder(features).fit(both)
    x, y = enc.transform(both), np.r_[np.zeros(n), np.ones(n)]
    model = HistGradientBoostingClassifier(max_iter=100, categorical_features=categorical_mask(enc),
                                           random_state=seed)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
    with single_thread():
        scores = cross_val_score(model, x, y, cv=folds, scoring="roc_auc")
    return {"auc": float(np.mean(scores)), "auc_std": float(np.std(scores)), "rows_per_side": int(n),
            "features": list(features)}


def drift_section(pair: Pair, progress: Progress = no_progress, seed: int = 0) -> Section:
    """Per-column drift table, the classifier test, and the verdict."""
    import plotly.graph_objects as go

    sec = Section("drift", f"Drift: {pair.a_label} → {pair.b_label}")
    rows: list[dict[str, Any]] = []
    cols = pair.columns
    for i, col in enumerate(cols):
        progress(i / (len(cols) + 2), f"Drift: column {col}")
        kind = pair.kinds[col]
        ma, mb = float(pair.a[col].isna().mean()), float(pair.b[col].isna().mean())
        if kind == "numeric":
            st = numeric_drift(pair.a[col], pair.b[col])
        elif kind == "categorical":
            st = categorical_drift(pair.a[col], pair.b[col])
        else:
            st = {"note": "identifier-like (nearly all values distinct): only missing values compared"}
        st.update(missing_a=ma, missing_b=mb, missing_change=mb - ma)
        drifted, why = column_verdict(kind, st)
        rows.append({"column": col, "kind": kind, "drifted": drifted,
                     "reasons": "; ".join(why) or "all tests under their thresholds", **st})
    table = pd.DataFrame(rows)
    first = [c for c in ORDER if c in table.columns]
    sec.tables["columns"] = records(table[first + [c for c in table.columns if c not in first]])
    progress(len(cols) / (len(cols) + 2), "Drift: classifier test")
    clf = classifier_auc(pair, seed=seed)
    sec.metrics["classifier"] = clf
    drifted = table.loc[table["drifted"], "column"].tolist()
    sec.metrics.update(columns=len(cols), drifted_columns=drifted, drifted_share=len(drifted) / len(cols),
                       thresholds=THRESHOLDS, alpha=ALPHA, rows_a=len(pair.a), rows_b=len(pair.b))
    if drifted:
        detail = "; ".join(f"{r['column']} ({r['reasons']})" for r in rows if r["drifted"])
        level = "risky" if len(drifted) / len(cols) > 0.3 else "review"
        sec.flag(level, f"{len(drifted)} of {len(cols)} columns drifted: {detail}.")
    else:
        sec.flag("good", f"None of the {len(cols)} columns passed a drift threshold.")
    auc = clf.get("auc")
    if auc is not None:
        text = (f"A classifier tells the two apart with ROC AUC {auc:.3f} ± {clf['auc_std']:.3f} "
                f"(0.5 = indistinguishable; {clf['rows_per_side']:,} rows per side)")
        level = "good" if auc <= AUC_GOOD else "review" if auc <= AUC_RISKY else "risky"
        sec.flag(level, f"{text}; thresholds {AUC_GOOD} / {AUC_RISKY}.")
        if auc < 0.45:
            sec.notes.append("The classifier scores below 0.5 because the datasets share identical rows with "
                             "opposite labels; that means no signal, as 0.5 does.")
    if pair.dropped:
        sec.notes.append(f"Columns in only one dataset were left out: {', '.join(pair.dropped)}.")
    sec.notes.append("A column is drifted when PSI ≥ 0.2, or a test is significant (p < 0.05) and its "
                     "effect passes its threshold (KS ≥ 0.1, JS ≥ 0.1, Wasserstein ≥ 0.2 std), or its "
                     "missing share moved by 5 points or more.")
    # one bar per column: its largest statistic as a multiple of that statistic's threshold
    def ratio(r: dict[str, Any]) -> float:
        keys = ("psi", "ks_statistic", "js_distance", "wasserstein_std")
        vals = [abs(r["missing_change"]) / THRESHOLDS["missing_change"]]
        vals += [float(r[k]) / THRESHOLDS[k] for k in keys if r.get(k) is not None and np.isfinite(r[k])]
        return float(max(vals))

    fig = go.Figure(go.Bar(x=[r["column"] for r in rows], y=[ratio(r) for r in rows],
                           marker_color=["#d62728" if r["drifted"] else "#2ca02c" for r in rows]))
    fig.add_hline(y=1.0, line_dash="dot", annotation_text="threshold")
    fig.update_layout(title="Largest drift statistic ÷ its threshold (red = drifted)", height=360,
                      yaxis_title="× threshold", margin=dict(t=50, b=40))
    from mdg_core.reports.common import figure_json

    sec.figures.append(figure_json(fig))
    progress(1.0, "Drift: done")
    return sec


def compute(inputs: ReportInputs, progress: Progress, seed: int) -> Section:
    return drift_section(inputs.pair, progress, seed)


SECTION = SectionSpec(
    "drift", compute, open_tables=("columns",), summary_tables=("columns",),
    headlines=(Headline("Drifted columns", "drifted_share"),
               Headline("Classifier ROC AUC", "classifier.auc", percent=False)),
)
KIND = ReportKind(
    "drift", "Drift",
    "Where two datasets differ column by column (KS, Wasserstein, χ², Jensen–Shannon, PSI, missing values) "
    "and whether a model can tell them apart.",
    ("Version 1 (A)", "Version 2 (B)"), (SECTION,),
)
