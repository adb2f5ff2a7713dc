"""Drift between any two datasets: per-column tests and a whole-table classifier test.

A column is drifted when an effect passes its threshold (KS, Wasserstein in standard deviations, JS,
PSI, the change in missing share) *and* that is more than random splits of the same rows produce at
this size. Fixed thresholds alone flag same-source samples of a few hundred rows (PSI over sparse
values, JS on rare categories); p-values alone flag every tiny difference on large data. So the
column's largest effect (as a multiple of its threshold) is compared with its permutation baseline:
A's and B's rows of that column are pooled and split at random into the same two sizes, with a fixed
seed, and the column counts only if the observed effect is beaten by fewer than α / (columns) of the
random splits (Bonferroni: the chance that same-source data shows *any* drifted column stays under α).
Missing values are their own line (missing share), never a category.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
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

ALPHA = 0.01  # family-wise: the chance that two samples of one source show any drifted column
THRESHOLDS = {
    "ks_statistic": 0.1,      # max gap between the two CDFs
    "wasserstein_std": 0.2,   # earth mover's distance in units of A's standard deviation
    "js_distance": 0.1,       # Jensen–Shannon distance (base 2, 0..1)
    "psi": 0.2,               # population stability index; ≥ 0.2 is the usual "significant shift"
    "missing_change": 0.05,   # change in the share of missing values (5 points)
}
PERMUTATION_ROWS = 5_000   # rows per side the baseline shuffles; fewer only widen it (never a false alarm)
MAX_PERMUTATIONS = 20_000
AUC_GOOD, AUC_RISKY = 0.6, 0.75
AUC_Z = 2.33  # an AUC counts only beyond this many standard errors of 0.5 (one-sided 1 %)
CLASSIFIER_ROWS = 20_000
PSI_BINS = 10
EPS = 1e-4
ORDER = ["column", "kind", "drifted", "reasons", "effect_ratio", "permutation_p", "permutations", "psi",
         "ks_statistic", "ks_pvalue", "wasserstein_std", "js_distance", "chi2_pvalue", "missing_a", "missing_b",
         "missing_change", "largest_change"]


def psi(expected: np.ndarray, actual: np.ndarray) -> float:
    """Population stability index between two vectors of bin shares."""
    return float(_psi_rows(np.atleast_2d(expected), np.atleast_2d(actual))[0])


def _psi_rows(expected: np.ndarray, actual: np.ndarray) -> np.ndarray:
    e = np.clip(expected, EPS, None)
    a = np.clip(actual, EPS, None)
    out: np.ndarray = np.sum((a - e) * np.log(a / e), axis=1)
    return out


def _divergences(counts_a: np.ndarray, counts_b: np.ndarray) -> dict[str, np.ndarray]:
    """Jensen–Shannon distance (base 2, as scipy's ``jensenshannon``) and PSI, one per row of counts."""
    with np.errstate(divide="ignore", invalid="ignore"):
        pa = counts_a / counts_a.sum(axis=1, keepdims=True)
        pb = counts_b / counts_b.sum(axis=1, keepdims=True)
        m = (pa + pb) / 2
        kl = (np.where(pa > 0, pa * np.log(pa / m), 0.0).sum(axis=1)
              + np.where(pb > 0, pb * np.log(pb / m), 0.0).sum(axis=1))
    return {"js_distance": np.sqrt(np.maximum(kl / np.log(2) / 2, 0.0)), "psi": _psi_rows(pa, pb)}


def _quantiles(sorted_values: np.ndarray, nth: Callable[[np.ndarray], np.ndarray], n: np.ndarray,
               q: np.ndarray) -> np.ndarray:
    """numpy's default (linear) quantiles ``q`` of each split's values (one split per row), computed from
    positions, not copies: ``nth(ranks)`` maps each row's ranks k to the position in ``sorted_values`` of
    that split's k-th smallest value; ``n`` is each split's number of values."""
    virtual = (n - 1)[:, None] * q[None, :]
    lo = np.clip(np.floor(virtual), 0, (n - 1)[:, None]).astype(np.int64)
    hi = np.clip(lo + 1, 0, (n - 1)[:, None])
    gamma = virtual - np.floor(virtual)
    a, b = sorted_values[nth(lo)], sorted_values[nth(hi)]
    diff = b - a
    out: np.ndarray = np.where(gamma >= 0.5, b - diff * (1 - gamma), a + diff * gamma)
    return out


@dataclass
class PooledColumn:
    """One column of A and B pooled and prepared once, so that any split of its rows into an A side and
    a B side is scored by the same code: the observed split, and the random splits of the baseline
    (scored many at a time, one split per row of ``in_a``).

    ``values`` holds the non-missing values (numbers sorted, or category codes) and ``rows`` their
    positions among the pooled rows; ``missing`` the positions of missing values; for numbers
    ``codes`` is each sorted value's index among its distinct ``labels``."""

    kind: str
    n_a: int
    n: int
    values: np.ndarray
    rows: np.ndarray
    missing: np.ndarray
    labels: np.ndarray
    codes: np.ndarray

    @classmethod
    def of(cls, kind: str, a: pd.Series, b: pd.Series) -> PooledColumn:
        both = pd.concat([a, b], ignore_index=True)
        if kind == "numeric":
            x = as_numeric(both).to_numpy(dtype=float)
            rows = np.flatnonzero(~np.isnan(x))
            order = np.argsort(x[rows], kind="mergesort")
            values, rows = x[rows][order], rows[order]
            labels, codes = np.unique(values, return_inverse=True)
            missing = np.flatnonzero(np.isnan(x))
        else:
            c = as_category(both)
            present = c.notna().to_numpy()
            rows, missing = np.flatnonzero(present), np.flatnonzero(~present)
            if kind == "categorical":
                codes, labels = pd.factorize(c.to_numpy()[rows], sort=True)
            else:
                codes, labels = np.zeros(len(rows), dtype=np.int64), np.array([])
            values = np.asarray(codes, dtype=np.int64)
        return cls(kind, len(a), len(both), values, rows, missing, np.asarray(labels), np.asarray(codes, dtype=np.int64))

    def observed(self) -> np.ndarray:
        """The split as it is: the first ``n_a`` pooled rows are A's."""
        in_a = np.zeros(self.n, dtype=bool)
        in_a[: self.n_a] = True
        return in_a

    def effects(self, in_a: np.ndarray) -> dict[str, np.ndarray]:
        """Effect sizes of each split (a row of ``in_a``: True = that pooled row is on the A side); an
        effect that cannot be measured (too few values on a side) is NaN."""
        in_a = np.atleast_2d(in_a)
        size_a = in_a.sum(axis=1)
        miss_a = in_a[:, self.missing].sum(axis=1)
        out = {"missing_a": miss_a / size_a, "missing_b": (len(self.missing) - miss_a) / (self.n - size_a)}
        out["missing_change"] = out["missing_b"] - out["missing_a"]
        if self.kind == "identifier":
            return out
        side = in_a[:, self.rows]
        if self.kind == "categorical":
            out.update(self._category_shares(side, self.values, len(self.labels)))
            return out
        return {**out, **self._numeric(side)}

    def _category_shares(self, side: np.ndarray, codes: np.ndarray, k: int) -> dict[str, np.ndarray]:
        batch = len(side)
        offsets = (np.arange(batch) * k)[:, None]
        counts_a = np.bincount((codes[None, :] + offsets)[side], minlength=batch * k).reshape(batch, k).astype(float)
        counts_b = np.bincount(codes, minlength=k)[None, :] - counts_a
        empty = (counts_a.sum(axis=1) == 0) | (counts_b.sum(axis=1) == 0)
        found = _divergences(counts_a, counts_b)
        return {key: np.where(empty, np.nan, v) for key, v in found.items()}

    def _numeric(self, side: np.ndarray) -> dict[str, np.ndarray]:
        """KS and Wasserstein (as scipy's ``ks_2samp`` and ``wasserstein_distance``), Wasserstein in A's
        standard deviations, and PSI on A's decile bins (its distinct values when it has < 3 deciles)."""
        s, batch, nv = self.values, len(side), len(self.values)
        na = side.sum(axis=1)
        nb = nv - na
        bad = (na < 2) | (nb < 2)
        na_, nb_ = np.maximum(na, 1), np.maximum(nb, 1)
        ca = np.cumsum(side, axis=1, dtype=np.int32)  # A's values up to each sorted position
        gap = ca / na_[:, None]
        gap -= (np.arange(1, nv + 1, dtype=np.int32)[None, :] - ca) / nb_[:, None]
        np.abs(gap, out=gap)
        last = np.r_[s[1:] != s[:-1], True]  # the CDFs are compared after each distinct value
        ks = gap.max(axis=1, where=last[None, :], initial=0.0)
        wd = gap @ np.r_[np.diff(s), 0.0]
        centred = s - (s.mean() if nv else 0.0)
        weights = side.astype(float)
        mean_a = weights @ centred / na_
        std = np.sqrt(np.maximum(weights @ (centred * centred) / na_ - mean_a * mean_a, 0.0))
        with np.errstate(divide="ignore", invalid="ignore"):
            wd_std = np.where(std > 0, wd / std, np.where(wd == 0, 0.0, np.inf))

        def nth(k: np.ndarray) -> np.ndarray:  # where A's k-th smallest value sits: its count first reaches k + 1
            return np.vstack([np.searchsorted(ca[r], (k[r] + 1).astype(ca.dtype)) for r in range(batch)])

        edges = _quantiles(s, nth, na_, np.linspace(0, 1, PSI_BINS + 1)) if nv else np.zeros((batch, PSI_BINS + 1))
        distinct = 1 + (np.diff(edges, axis=1) > 0).sum(axis=1)
        inner = edges[:, 1:-1]  # edges equal to the ends are not inner edges (np.unique drops them): empty bins
        inner = np.where(inner == edges[:, :1], -np.inf, np.where(inner == edges[:, -1:], np.inf, inner))
        pos = np.searchsorted(s, inner.ravel(), side="left").reshape(inner.shape)
        a_before = np.where(pos > 0, ca[np.arange(batch)[:, None], np.maximum(pos - 1, 0)], 0)
        counts_a = np.diff(np.hstack([np.zeros((batch, 1)), a_before, na[:, None]]), axis=1)
        counts_b = np.diff(np.hstack([np.zeros((batch, 1)), pos - a_before, nb[:, None]]), axis=1)
        out = {"ks_statistic": ks, "wasserstein": wd, "wasserstein_std": wd_std,
               "psi": _psi_rows(counts_a / na_[:, None], counts_b / nb_[:, None]),
               "js_distance": np.full(batch, np.nan)}
        few = distinct < 3  # (almost) constant: compare its distinct values instead of deciles
        if few.any():
            shares = self._category_shares(side[few], self.codes, len(self.labels))
            out["psi"][few], out["js_distance"][few] = shares["psi"], shares["js_distance"]
        return {k: np.where(bad, np.nan, v) for k, v in out.items()}

    def sides(self) -> tuple[np.ndarray, np.ndarray]:
        """The non-missing values of A and B as they were (numbers, or category codes)."""
        side = self.observed()[self.rows]
        return self.values[side], self.values[~side]


def ratios(kind: str, effects: dict[str, Any]) -> np.ndarray:
    """Each split's largest effect as a multiple of its threshold (≥ 1: some effect passes)."""
    keys = ["missing_change", "psi", "ks_statistic", "js_distance"] + (["wasserstein_std"] if kind == "numeric" else [])
    parts = [np.abs(np.atleast_1d(np.asarray(effects[k], dtype=float))) / THRESHOLDS[k] for k in keys if k in effects]
    stacked = np.vstack(parts)
    stacked = np.where(np.isfinite(stacked) | np.isinf(stacked), stacked, -np.inf)
    return np.asarray(np.max(stacked, axis=0), dtype=float)


def effect_ratio(kind: str, stats_: dict[str, Any]) -> float:
    """The column's largest effect as a multiple of its threshold (≥ 1: some effect passes)."""
    return float(ratios(kind, {k: v for k, v in stats_.items() if isinstance(v, (int, float)) and v is not None})[0])


PERMUTATION_BATCH = 64


def permutation_p(pooled: PooledColumn, ratio: float, level: float, seed: int) -> tuple[float, int]:
    """How often random splits of the pooled rows (the sizes of A and B, at most ``PERMUTATION_ROWS``
    each) reach ``ratio``: the permutation p-value ``(1 + hits) / (1 + splits)`` and the splits drawn.

    Enough splits are drawn to show ``p < level`` (2 / level); drawing stops as soon as the hits already
    rule that out (most same-source columns need one batch). Seeded, so the numbers repeat."""
    rng = np.random.default_rng(seed)
    n_b = pooled.n - pooled.n_a
    if max(pooled.n_a, n_b) > PERMUTATION_ROWS:
        keep_a = np.sort(rng.choice(pooled.n_a, min(pooled.n_a, PERMUTATION_ROWS), replace=False))
        keep_b = pooled.n_a + np.sort(rng.choice(n_b, min(n_b, PERMUTATION_ROWS), replace=False))
        pooled = _subset(pooled, np.r_[keep_a, keep_b], len(keep_a))
    total = min(MAX_PERMUTATIONS, math.ceil(2 / level))
    split = pooled.observed()
    hits = drawn = 0
    while drawn < total:
        batch = min(PERMUTATION_BATCH, total - drawn)
        shuffled = rng.permuted(np.broadcast_to(split, (batch, len(split))), axis=1)
        hits += int(np.sum(ratios(pooled.kind, pooled.effects(shuffled)) >= ratio))
        drawn += batch
        if (1 + hits) / (1 + total) >= level:
            return hits / drawn, drawn
    return (1 + hits) / (1 + total), total


def _subset(pooled: PooledColumn, keep: np.ndarray, n_a: int) -> PooledColumn:
    """``pooled`` restricted to the pooled rows ``keep`` (the first ``n_a`` of them from A)."""
    new_pos = np.full(pooled.n, -1)
    new_pos[keep] = np.arange(len(keep))
    inside = new_pos[pooled.rows] >= 0
    return PooledColumn(pooled.kind, n_a, len(keep), pooled.values[inside], new_pos[pooled.rows][inside],
                        new_pos[pooled.missing][new_pos[pooled.missing] >= 0], pooled.labels,
                        pooled.codes[inside])


def column_drift(kind: str, a: pd.Series, b: pd.Series) -> tuple[dict[str, Any], PooledColumn]:
    """The column's statistics (effects plus the scipy tests and a readable summary) and its pooled
    values for the baseline. Missing values are only counted (missing share), never compared as values."""
    from scipy import stats

    pooled = PooledColumn.of(kind, a, b)
    st: dict[str, Any] = {k: float(v[0]) for k, v in pooled.effects(pooled.observed()).items() if not np.isnan(v[0])}
    xa, xb = pooled.sides()
    if kind == "numeric":
        if len(xa) < 2 or len(xb) < 2:
            return {**st, "test": "n/a", "note": "fewer than 2 values on one side"}, pooled
        st.update(ks_pvalue=float(stats.ks_2samp(xa, xb).pvalue), mean_a=float(np.mean(xa)), mean_b=float(np.mean(xb)))
    elif kind == "categorical":
        if not len(xa) or not len(xb):
            return {**st, "test": "n/a", "note": "no values on one side"}, pooled
        na = np.bincount(xa, minlength=len(pooled.labels)).astype(float)
        nb = np.bincount(xb, minlength=len(pooled.labels)).astype(float)
        chi2, pvalue = (stats.chi2_contingency(np.vstack([na, nb]))[:2] if len(pooled.labels) > 1 else (0.0, 1.0))
        pa, pb = na / na.sum(), nb / nb.sum()
        top = int(np.argsort(-np.abs(pa - pb), kind="stable")[0])
        st.update(chi2=float(chi2), chi2_pvalue=float(pvalue), categories=len(pooled.labels),
                  largest_change=f"{pooled.labels[top]}: {fmt_pct(pa[top])} → {fmt_pct(pb[top])}")
    else:
        st["note"] = "identifier-like (nearly all values distinct): only missing values compared"
    return st, pooled


def column_verdict(kind: str, stats_: dict[str, Any], p: float | None = None,
                   columns: int = 1) -> tuple[bool, list[str]]:
    """Drifted or not, with the effects over their thresholds and the baseline that decided it: ``p`` is
    the permutation p-value of the largest effect, judged against α / ``columns``."""
    why: list[str] = []
    for key, name in (("psi", "PSI"), ("ks_statistic", "KS"), ("js_distance", "JS")):
        if stats_.get(key) is not None and stats_[key] >= THRESHOLDS[key]:
            why.append(f"{name} {stats_[key]:.3f} ≥ {THRESHOLDS[key]}")
    if kind == "numeric" and stats_.get("wasserstein_std", 0) >= THRESHOLDS["wasserstein_std"]:
        why.append(f"Wasserstein {stats_['wasserstein_std']:.2f} std ≥ {THRESHOLDS['wasserstein_std']}")
    if abs(stats_.get("missing_change", 0)) >= THRESHOLDS["missing_change"]:
        why.append(f"missing share {fmt_pct(stats_['missing_a'])} → {fmt_pct(stats_['missing_b'])} "
                   f"(≥ {THRESHOLDS['missing_change'] * 100:.0f} points)")
    if not why:
        return False, [f"all effects under their thresholds (largest {effect_ratio(kind, stats_):.2f}× its threshold)"]
    if p is None:
        return True, why
    level = ALPHA / max(1, columns)
    drifted = p < level
    odds = (f"random splits of the pooled rows reach this with p = {p:.2g} ({'<' if drifted else '≥'} "
            f"{level:.2g} = α {ALPHA:.0%} / {columns} columns)")
    return drifted, why + [odds if drifted else f"within chance at this size: {odds}"]


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


def auc_noise(rows_per_side: int) -> float:
    """How far above 0.5 a classifier's ROC AUC gets by chance (``AUC_Z`` standard errors; Hanley–McNeil
    at AUC 0.5 with ``rows_per_side`` rows of each class): 300 rows reach 0.55, 50 rows 0.63."""
    n = max(1, rows_per_side)
    return AUC_Z * math.sqrt((2 * n + 1) / (12 * n * n))


def drift_section(pair: Pair, progress: Progress = no_progress, seed: int = 0) -> Section:
    """Per-column drift table, the classifier test, and the verdict."""
    import plotly.graph_objects as go

    sec = Section("drift", f"Drift: {pair.a_label} → {pair.b_label}")
    rows: list[dict[str, Any]] = []
    cols = pair.columns
    level = ALPHA / max(1, len(cols))
    for i, col in enumerate(cols):
        progress(i / (len(cols) + 2), f"Drift: column {col}")
        kind = pair.kinds[col]
        st, pooled = column_drift(kind, pair.a[col], pair.b[col])
        ratio = effect_ratio(kind, st)
        p, drawn = permutation_p(pooled, ratio, level, seed + i) if ratio >= 1 else (None, 0)
        drifted, why = column_verdict(kind, st, p, len(cols))
        rows.append({"column": col, "kind": kind, "drifted": drifted, "reasons": "; ".join(why),
                     "effect_ratio": ratio, "permutation_p": p, "permutations": drawn, **st})
    table = pd.DataFrame(rows)
    first = [c for c in ORDER if c in table.columns]
    sec.tables["columns"] = records(table[first + [c for c in table.columns if c not in first]])
    progress(len(cols) / (len(cols) + 2), "Drift: classifier test")
    clf = classifier_auc(pair, seed=seed)
    sec.metrics["classifier"] = clf
    drifted = table.loc[table["drifted"], "column"].tolist()
    sec.metrics.update(columns=len(cols), drifted_columns=drifted, drifted_share=len(drifted) / len(cols),
                       thresholds=THRESHOLDS, alpha=ALPHA, column_level=level, rows_a=len(pair.a),
                       rows_b=len(pair.b))
    rule = (f"thresholds KS {THRESHOLDS['ks_statistic']}, Wasserstein {THRESHOLDS['wasserstein_std']} std, "
            f"JS {THRESHOLDS['js_distance']}, PSI {THRESHOLDS['psi']}, missing share "
            f"{THRESHOLDS['missing_change'] * 100:.0f} points, each beyond random splits of the pooled rows at "
            f"p < {level:.2g} = α {ALPHA:.0%} / {len(cols)} columns")
    if drifted:
        detail = "; ".join(f"{r['column']} ({r['reasons']})" for r in rows if r["drifted"])
        share_level = "risky" if len(drifted) / len(cols) > 0.3 else "review"
        sec.flag(share_level, f"{len(drifted)} of {len(cols)} columns drifted ({rule}; risky above 30 % of "
                              f"columns): {detail}.")
    else:
        noisy = [r["column"] for r in rows if r["effect_ratio"] >= 1]
        sec.flag("good", f"None of the {len(cols)} columns drifted ({rule})"
                 + (f"; {', '.join(noisy)} passed a threshold only as far as random splits of the same rows "
                    "do at this size" if noisy else "") + ".")
    auc = clf.get("auc")
    if auc is not None:
        chance = 0.5 + auc_noise(int(clf["rows_per_side"]))
        text = (f"A classifier tells the two apart with ROC AUC {auc:.3f} ± {clf['auc_std']:.3f} "
                f"(0.5 = indistinguishable; {clf['rows_per_side']:,} rows per side, where chance reaches "
                f"{chance:.3f})")
        auc_level = ("good" if auc <= max(AUC_GOOD, chance) else "review" if auc <= max(AUC_RISKY, chance)
                     else "risky")
        sec.flag(auc_level, f"{text}; thresholds {AUC_GOOD} / {AUC_RISKY}.")
        if auc < 0.45:
            sec.notes.append("The classifier scores below 0.5 because the datasets share identical rows with "
                             "opposite labels; that means no signal, as 0.5 does.")
    if pair.dropped:
        sec.notes.append(f"Columns in only one dataset were left out: {', '.join(pair.dropped)}.")
    sec.notes.append(
        "A column is drifted when an effect passes its threshold (PSI ≥ 0.2, KS ≥ 0.1, JS ≥ 0.1, Wasserstein "
        "≥ 0.2 std, missing share moved by 5 points) and random splits of A's and B's rows of that column, "
        f"pooled, reach its largest effect less often than α / columns = {level:.2g} (seeded permutations, at "
        f"most {PERMUTATION_ROWS:,} rows per side): small samples differ by chance, and that is not drift. "
        "Missing values are counted as the missing share, not as a value. KS and χ² p-values are scipy's.")
    fig = go.Figure(go.Bar(x=[r["column"] for r in rows], y=[r["effect_ratio"] for r in rows],
                           marker_color=["#d62728" if r["drifted"] else "#2ca02c" for r in rows]))
    fig.add_hline(y=1.0, line_dash="dot", annotation_text="threshold")
    fig.update_layout(title="Largest drift statistic ÷ its threshold (red = drifted: beyond random splits too)", height=360,
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
