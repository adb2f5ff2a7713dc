"""Distance-based privacy: how close synthetic rows sit to the real rows the generator trained on.

Encoding (Gower-style, so every column weighs the same): numerics scaled by the training range to
0..1 (missing → a separate indicator), categoricals one-hot scaled by 1/√2 so a mismatch adds 1 to
the squared distance, like a full-range numeric gap. Distances are Euclidean on that encoding,
divided by √(columns), so 0 = identical and 1 = different in every column.

Sampling without bias: query rows are equal-size seeded samples of the synthetic and the holdout
rows; the reference is the *whole* training set (searched in chunks, so memory stays flat). A
subsampled reference would miss the very training rows a copying generator copied and make the
data look safer than it is. Because the training set is usually larger than the holdout, the share
of synthetic rows closer to training than to holdout is compared with its exact no-memorisation
baseline |T| / (|T| + |H|) (50 % when both are the same size).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mdg_core.column_kinds import family_of
from mdg_core.reports import pii_leak, reid
from mdg_core.reports.common import (
    Headline,
    Progress,
    ReportInputs,
    ReportKind,
    Section,
    SectionSpec,
    as_category,
    as_numeric,
    fmt_pct,
    no_progress,
    records,
    sample,
)

QUERY_ROWS = 5_000        # synthetic and holdout rows sampled as queries (each): share ± 1.4 points
REFERENCE_ROWS = 200_000  # training / holdout rows searched (seeded sample above this)
CHUNK_ROWS = 2_000
TOP_CATEGORIES = 20
RISKY_ROWS_SHOWN = 20
ZERO = 1e-6  # distances below this are rounding noise of the Euclidean expansion: identical rows


class GowerEncoder:
    """Maps mixed-type rows to vectors whose Euclidean distance is a Gower-style distance."""

    def __init__(self, max_categories: int = TOP_CATEGORIES) -> None:
        self.max_categories = max_categories
        self.numeric: dict[str, tuple[float, float, float]] = {}
        self.categories: dict[str, list[str]] = {}
        self.columns: list[str] = []

    def fit(self, df: pd.DataFrame) -> GowerEncoder:
        self.columns = list(df.columns)
        for col in df.columns:
            kind = family_of(df[col])
            if kind == "numeric":
                x = as_numeric(df[col])
                lo, hi = float(np.nanmin(x)) if x.notna().any() else 0.0, float(np.nanmax(x)) if x.notna().any() else 1.0
                self.numeric[col] = (lo, (hi - lo) or 1.0, float(np.nanmedian(x)) if x.notna().any() else 0.0)
            else:
                counts = as_category(df[col]).fillna("(missing)").value_counts()
                self.categories[col] = [str(v) for v in counts.index[: self.max_categories]]
        return self

    def transform(self, df: pd.DataFrame) -> np.ndarray:
        parts: list[np.ndarray] = []
        for col, (lo, span, med) in self.numeric.items():
            x = as_numeric(df[col])
            missing = x.isna().to_numpy()
            scaled = np.clip((x.fillna(med).to_numpy() - lo) / span, -1, 2)
            parts.append(scaled[:, None])
            parts.append(missing.astype(float)[:, None])
        w = 1 / np.sqrt(2)
        for col, cats in self.categories.items():
            values = as_category(df[col]).fillna("(missing)")
            codes = pd.Categorical(values, categories=cats).codes  # -1 = other
            onehot = np.zeros((len(df), len(cats) + 1), dtype=np.float64)
            onehot[np.arange(len(df)), np.where(codes < 0, len(cats), codes)] = w
            parts.append(onehot)
        if not parts:
            return np.zeros((len(df), 1), dtype=np.float64)
        return np.hstack(parts).astype(np.float64)

    @property
    def n_columns(self) -> int:
        return max(1, len(self.numeric) + len(self.categories))


def nearest(query: np.ndarray, reference: np.ndarray, k: int = 2, progress: Progress = no_progress,
            label: str = "", chunk: int = CHUNK_ROWS) -> tuple[np.ndarray, np.ndarray]:
    """k nearest reference rows for each query row, in query chunks (flat memory)."""
    from sklearn.neighbors import NearestNeighbors

    k = min(k, len(reference))
    nn = NearestNeighbors(n_neighbors=k, algorithm="brute", metric="euclidean").fit(reference)
    dist = np.empty((len(query), k), dtype=np.float64)
    idx = np.empty((len(query), k), dtype=np.int64)
    for start in range(0, len(query), chunk):
        progress(start / max(1, len(query)), f"{label}: {start:,} of {len(query):,} rows")
        d, i = nn.kneighbors(query[start:start + chunk])
        dist[start:start + chunk], idx[start:start + chunk] = d, i
    return dist, idx


def row_hashes(df: pd.DataFrame) -> np.ndarray:
    """One 64-bit hash per row over all its values (for exact-match counting on all rows)."""
    norm = pd.DataFrame({c: as_category(df[c]) if family_of(df[c]) != "numeric"
                         else as_numeric(df[c]).round(9) for c in df.columns})
    hashes: np.ndarray = pd.util.hash_pandas_object(norm, index=False).to_numpy()
    return hashes


def exact_match_share(query: pd.DataFrame, reference: pd.DataFrame) -> float:
    """Share of ``query`` rows identical (in every column) to some ``reference`` row."""
    h = row_hashes(query)
    return float(np.mean(np.isin(h, row_hashes(reference)))) if len(h) else 0.0


def match_columns(train: pd.DataFrame) -> list[str]:
    """Columns compared for exact copies: not the identifier-like ones (generators make new ids, which
    would hide a copied record); all columns when fewer than two others are left."""
    cols = [c for c in train.columns if family_of(train[c]) != "identifier"]
    return cols if len(cols) >= 2 else list(train.columns)


@dataclass
class Distances:
    """The distance measurements of one synthetic dataset: the metrics and what the section's tables
    and charts are drawn from."""

    metrics: dict[str, Any]
    dcr_synthetic: np.ndarray
    nndr_synthetic: np.ndarray
    nearest_training: np.ndarray  # row of ``reference`` nearest to each query row
    queries: pd.DataFrame  # the synthetic rows measured
    reference: pd.DataFrame  # the training rows searched
    dcr_holdout: np.ndarray | None
    match_columns: list[str]


def excess_share(share: float, baseline: float) -> float:
    """The DCR share rescaled so that 0 is the no-memorisation baseline and 1 means every synthetic row
    sits on a training row (what "Compare generators" charts)."""
    return max(0.0, (share - baseline) / (1 - baseline)) if baseline < 1 else 0.0


DCR_SHARE_REVIEW, DCR_SHARE_RISKY = 0.08, 0.20  # DCR share over its baseline that matters
EXACT_REVIEW, EXACT_RISKY = 0.01, 0.05  # exact copies of training rows over the holdout's own share
BELOW_P5_REVIEW, BELOW_P5_RISKY = 0.10, 0.25  # synthetic rows closer to training than the holdout's 5th percentile
DCR_SHARE_Z = 2.33  # ... and that sampling noise does not explain (one-sided 1 %)


def dcr_share_level(share: float, baseline: float, query_rows: int) -> tuple[str, str]:
    """The verdict on a DCR share and the line that says which numbers made it.

    A gap over the no-memorisation baseline counts only when it is material (8 / 20 points) and beyond
    what the binomial noise of ``query_rows`` rows explains: 86 fresh real rows land 9 points over the
    baseline by chance often enough that a fixed threshold flagged them.
    """
    gap = share - baseline
    noise = DCR_SHARE_Z * float(np.sqrt(baseline * (1 - baseline) / max(query_rows, 1)))
    level = "good" if gap <= noise else "risky" if gap > DCR_SHARE_RISKY else "review" if gap > DCR_SHARE_REVIEW else "good"
    why = (f"{fmt_pct(share)} of {query_rows:,} synthetic rows are closer to training than to holdout; "
           f"the no-memorisation baseline is {fmt_pct(baseline)} (|T|/(|T|+|H|)); flagged above "
           f"+{DCR_SHARE_REVIEW:.0%} (review) / +{DCR_SHARE_RISKY:.0%} (risky) when beyond sampling noise "
           f"(±{noise:.1%} at this size).")
    return level, why


def distances(train: pd.DataFrame, holdout: pd.DataFrame | None, synth: pd.DataFrame,
              progress: Progress = no_progress, seed: int = 0, query_rows: int = QUERY_ROWS) -> Distances:
    """DCR, DCR share, NNDR and exact matches, as in the report (see the module docstring)."""
    ref_train = sample(train, REFERENCE_ROWS, seed)
    enc = GowerEncoder().fit(ref_train)
    scale = np.sqrt(enc.n_columns)
    n_q = min(len(synth), query_rows, len(holdout) if holdout is not None else query_rows)
    q_syn = sample(synth, n_q, seed + 1)
    t_vec = enc.transform(ref_train)
    s_vec = enc.transform(q_syn)

    def sub(lo: float, hi: float) -> Progress:
        return lambda f, m: progress(lo + (hi - lo) * f, m)

    d_syn, i_syn = nearest(s_vec, t_vec, 2, sub(0.0, 0.45), "Synthetic → training")
    dcr_syn = d_syn[:, 0] / scale
    nndr_syn = np.where(d_syn[:, 1] > 0, d_syn[:, 0] / np.maximum(d_syn[:, 1], 1e-12), 0.0)
    cols = match_columns(train)
    m: dict[str, Any] = {
        "training_rows": len(train), "synthetic_rows": len(synth), "query_rows": n_q,
        "reference_rows": len(ref_train), "encoded_columns": enc.n_columns,
        "exact_match_share_synthetic": exact_match_share(synth[cols], train[cols]),
        "dcr_synthetic_median": float(np.median(dcr_syn)), "dcr_synthetic_p5": float(np.percentile(dcr_syn, 5)),
        "nndr_synthetic_median": float(np.median(nndr_syn)),
        "zero_distance_share_synthetic": float(np.mean(dcr_syn <= ZERO)),
    }
    dcr_hold = None
    if holdout is not None:
        q_hold = sample(holdout, n_q, seed + 2)
        h_vec = enc.transform(q_hold)
        d_hold, _ = nearest(h_vec, t_vec, 2, sub(0.45, 0.75), "Holdout → training")
        dcr_hold = d_hold[:, 0] / scale
        nndr_hold = np.where(d_hold[:, 1] > 0, d_hold[:, 0] / np.maximum(d_hold[:, 1], 1e-12), 0.0)
        ref_hold = sample(holdout, REFERENCE_ROWS, seed + 3)
        d_sh, _ = nearest(s_vec, enc.transform(ref_hold), 1, sub(0.75, 0.95), "Synthetic → holdout")
        closer = d_syn[:, 0] < d_sh[:, 0]
        ties = d_syn[:, 0] == d_sh[:, 0]
        share = float(np.mean(closer) + 0.5 * np.mean(ties))
        baseline = len(ref_train) / (len(ref_train) + len(ref_hold))
        threshold = float(np.percentile(dcr_hold, 5))
        m.update({
            "holdout_rows": len(holdout), "exact_match_share_holdout": exact_match_share(holdout[cols], train[cols]),
            "dcr_holdout_median": float(np.median(dcr_hold)), "dcr_holdout_p5": threshold,
            "nndr_holdout_median": float(np.median(nndr_hold)),
            "dcr_share": share, "dcr_share_baseline": baseline, "dcr_share_excess": excess_share(share, baseline),
            "synthetic_below_holdout_p5": float(np.mean(dcr_syn < threshold)),
        })
    return Distances(m, dcr_syn, nndr_syn, i_syn[:, 0], q_syn, ref_train, dcr_hold, cols)


def distance_section(train: pd.DataFrame, holdout: pd.DataFrame | None, synth: pd.DataFrame,
                     progress: Progress = no_progress, seed: int = 0,
                     query_rows: int = QUERY_ROWS) -> tuple[Section, dict[str, Any]]:
    """The measurements with their verdict, riskiest rows and chart; returns the section and what the
    drop action needs."""
    import plotly.graph_objects as go

    from mdg_core.reports.common import figure_json

    sec = Section("distances", "Distance to closest record")
    d = distances(train, holdout, synth, progress, seed, query_rows)
    m, cols, dcr_syn = d.metrics, d.match_columns, d.dcr_synthetic
    exact_syn = m["exact_match_share_synthetic"]
    threshold = m.get("dcr_holdout_p5", 0.0)
    figs_data = {"Synthetic → training": dcr_syn}
    if d.dcr_holdout is not None:
        figs_data["Holdout → training (reference)"] = d.dcr_holdout
    # --- verdict -------------------------------------------------------------------------------
    ref_exact = m.get("exact_match_share_holdout", 0.0)
    excess = exact_syn - ref_exact
    ref_text = f" (holdout rows: {fmt_pct(ref_exact)})" if holdout is not None else ""
    level = "risky" if excess > EXACT_RISKY else "review" if excess > EXACT_REVIEW else "good"
    sec.flag(level, f"{fmt_pct(exact_syn)} of synthetic rows are exact copies of training rows{ref_text}; "
                    f"flagged above +{EXACT_REVIEW:.0%} (review) / +{EXACT_RISKY:.0%} (risky) over "
                    f"{'the holdout' if holdout is not None else 'zero (no holdout)'}.")
    if holdout is not None:
        sec.flag(*dcr_share_level(m["dcr_share"], m["dcr_share_baseline"], m["query_rows"]))
        below = m["synthetic_below_holdout_p5"]
        level = "risky" if below > BELOW_P5_RISKY else "review" if below > BELOW_P5_REVIEW else "good"
        sec.flag(level, f"{fmt_pct(below)} of synthetic rows are closer to a training row than 95 % of "
                        f"unseen holdout rows are (5 % expected; review above {BELOW_P5_REVIEW:.0%}, risky above "
                        f"{BELOW_P5_RISKY:.0%}); median DCR {m['dcr_synthetic_median']:.3f} "
                        f"vs {m['dcr_holdout_median']:.3f} for holdout.")
    else:
        sec.flag("review", "No holdout: distances have no reference, so memorisation cannot be told from "
                           "ordinary similarity. Pick a holdout (rows kept out of training).")
    sec.notes.append(
        f"Distances on {m['query_rows']:,} seeded synthetic rows and as many holdout rows, each searched against "
        f"{m['reference_rows']:,} training rows (the whole training set up to {REFERENCE_ROWS:,}); "
        f"exact matches counted on all rows over {len(cols)} columns"
        + (f" (identifier-like columns left out: {', '.join(c for c in train.columns if c not in cols)}; the PII "
           "section checks their values for verbatim replay)"
           if len(cols) < len(train.columns) else "")
        + ". Gower-style encoding: numerics scaled by the training range, "
        "categoricals one-hot (top 20), 0 = identical, 1 = different in every column.")
    sec.metrics.update(m)
    # --- riskiest rows -------------------------------------------------------------------------
    order = np.argsort(dcr_syn, kind="stable")[:RISKY_ROWS_SHOWN]
    rows = []
    for j in order:
        s_row = {f"synthetic.{k}": v for k, v in d.queries.iloc[j].items()}
        t_row = {f"nearest real.{k}": v for k, v in d.reference.iloc[d.nearest_training[j]].items()}
        rows.append({"dcr": float(dcr_syn[j]), "nndr": float(d.nndr_synthetic[j]), **s_row, **t_row})
    sec.tables["riskiest_rows"] = records(pd.DataFrame(rows))
    fig = go.Figure()
    hi = float(max(np.percentile(v, 99) for v in figs_data.values())) or 1.0
    for name, values in figs_data.items():
        counts, edges = np.histogram(np.clip(values, 0, hi), bins=40, range=(0, hi))
        fig.add_trace(go.Bar(x=(edges[:-1] + edges[1:]) / 2, y=counts / max(1, counts.sum()), name=name,
                             opacity=0.6))
    fig.update_layout(barmode="overlay", title="Distance to closest training record", height=360,
                      xaxis_title="DCR (0 = identical row)", yaxis_title="share of rows",
                      margin=dict(t=50, b=40))
    sec.figures.append(figure_json(fig))
    progress(1.0, "Distances: done")
    return sec, {"risk_threshold": threshold}


def risky_row_mask(train: pd.DataFrame, synth: pd.DataFrame, threshold: float,
                   progress: Progress = no_progress) -> np.ndarray:
    """For every synthetic row: is it an exact copy or closer to training than ``threshold``?"""
    ref = sample(train, REFERENCE_ROWS, 0)
    enc = GowerEncoder().fit(ref)
    d, _ = nearest(enc.transform(synth), enc.transform(ref), 1, progress, "Checking synthetic rows")
    dcr = d[:, 0] / np.sqrt(enc.n_columns)
    cols = match_columns(train)
    copies = np.isin(row_hashes(synth[cols]), row_hashes(train[cols]))
    risky: np.ndarray = copies | (dcr < threshold) | (dcr <= ZERO)
    return risky


def risky_rows_measured(metrics: dict[str, Any]) -> int:
    """About how many synthetic rows "drop risky rows" would remove, from a report's distance metrics: the
    share of measured rows that copy a training row, sit on one or lie closer to one than the holdout's 5th
    percentile, times the synthetic rows; 0 only when the report measured none (then there is nothing to offer)."""
    share = max(float(metrics.get(m) or 0.0) for m in (
        "exact_match_share_synthetic", "zero_distance_share_synthetic", "synthetic_below_holdout_p5"))
    return int(np.ceil(share * int(metrics.get("synthetic_rows") or 0)))


def compute(inputs: ReportInputs, progress: Progress, seed: int) -> Section:
    return distance_section(inputs.pair.a, inputs.holdout, inputs.pair.b, progress, seed)[0]


SECTION = SectionSpec(
    "distances", compute, share=0.35, open_tables=("riskiest_rows",), drop_risky=True,
    headlines=(Headline("Exact copies", "exact_match_share_synthetic"), Headline("Closer to training", "dcr_share"),
               Headline("No-memorisation share", "dcr_share_baseline"),
               Headline("Median NNDR", "nndr_synthetic_median", percent=False)),
)
KIND = ReportKind(
    "privacy", "Privacy",
    "Whether the synthetic data (B) leaks the real rows it was trained on: distances to closest records, "
    "re-identification attacks and PII.",
    ("Real data (A)", "Synthetic data (B)"), (SECTION, reid.SECTION, pii_leak.SECTION),
    uses_holdout=True, training_reference=True, distinct=True,
    no_holdout_note="No holdout was given and the synthetic dataset has no generation run with one: distance "
                    "and attack results have no control. Pass a holdout for a full report.",
)
