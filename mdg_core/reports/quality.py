"""Quality of synthetic data against the real data: SDMetrics reports plus charts.

- SDMetrics QualityReport (column shapes, column-pair trends) and DiagnosticReport (validity,
  structure), with their overall and per-column scores.
- Charts: each column's real vs synthetic distribution, the pairs whose trend is reproduced worst,
  a Spearman correlation-difference heatmap and a pair-trend score heatmap.
With a holdout (real rows the generator never saw) the section also scores the holdout itself against
the training rows: the *ceiling*, what fresh real data reaches. SDMetrics rewards copying, so a score
above the ceiling is only "good" when the Privacy report's own distance measures (DCR share against
the holdout, exact copies) show no copying.
On large data SDMetrics runs on equal-size seeded samples (the report says so): its pair metrics
scale with rows × pairs and a sample of 50,000 rows already pins scores to ±0.01.
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd

from mdg_core.column_kinds import compared_family
from mdg_core.errors import MdgError
from mdg_core.reports import missing_patterns, privacy, utility
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
    figure_json,
    fmt_pct,
    no_progress,
    records,
    sample,
)

SDMETRICS_ROWS = 50_000
# the two simple baselines a score is read against (computed by ``reports.baselines``), with their titles
BASELINE_TITLES = {"independent_marginals": "Independent marginals", "sdv_gaussian_copula": "Gaussian copula"}
SCORE_GOOD, SCORE_REVIEW = 0.85, 0.7
CEILING_MARGIN = 0.05  # above the ceiling by more than this is not sampling noise (two real samples differ less)
COPY_EXACT_GAP = privacy.EXACT_REVIEW  # exact-copy share over the holdout's the Privacy report calls "review"
MAX_COLUMN_CHARTS = 30
PAIR_CHARTS = 3
POINTS = 600
FEW_VALUES = 15
COLORS = {"real": "#1f77b4", "synthetic": "#ff7f0e"}


def _metadata_and_frames(pair: Pair, n: int, seed: int) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame]:
    """SDMetrics metadata from the dataset's metadata (``pair.kinds``/``pair.sdtypes``: ids, PII and
    column types, as the generators use them); durations become seconds (it has no such type)."""
    a, b = sample(pair.a, n, seed).copy(), sample(pair.b, n, seed + 1).copy()
    cols: dict[str, Any] = {}
    for col, kind in pair.kinds.items():
        sa, sb = a[col], b[col]
        both_bool = pd.api.types.is_bool_dtype(sa.dtype) and pd.api.types.is_bool_dtype(sb.dtype)
        if kind == "identifier":
            cols[col] = {"sdtype": "id"}
        elif kind == "numeric" and pd.api.types.is_datetime64_any_dtype(sa.dtype) and pd.api.types.is_datetime64_any_dtype(sb.dtype):
            cols[col] = {"sdtype": "datetime"}
        elif kind == "numeric":
            cols[col] = {"sdtype": "numerical"}
            a[col], b[col] = as_numeric(sa), as_numeric(sb)
        elif both_bool or (pair.sdtypes.get(col) == "boolean" and sa.dropna().isin([True, False]).all()
                           and sb.dropna().isin([True, False]).all()):
            cols[col] = {"sdtype": "boolean"}
        else:
            cols[col] = {"sdtype": "categorical"}
            a[col], b[col] = as_category(sa), as_category(sb)
    table: dict[str, Any] = {"columns": cols}
    if pair.primary_key is not None and pair.kinds.get(pair.primary_key) == "identifier":
        table["primary_key"] = pair.primary_key
    return {"tables": {"data": table}}, a, b


def bin_labels(edges: np.ndarray, name: str, dates: bool) -> list[str]:
    """Readable labels of the bins between ``edges``, unique as long as the edges are: numbers with as
    many significant digits as it takes to tell them apart, dates (edges in seconds) as dates with the
    time only when two edges fall on one day."""
    def fmt(x: float, digits: int) -> str:
        if dates:
            stamp = pd.Timestamp(x, unit="s")
            return str(stamp.strftime(("%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")[min(digits - 3, 2)]))
        return f"{x:.{digits}g}"

    labels: list[str] = []
    for digits in range(3, 18):
        texts = [fmt(float(e), digits) for e in edges]
        labels = [f"{name} {lo}–{hi}" for lo, hi in pairwise(texts)]
        if len(set(labels)) == len(labels) and len(set(texts)) == len(texts):
            break
    return labels


def _labels(series: pd.Series) -> pd.Series:
    """Category labels; whole numbers stored as floats print without the '.0'."""
    if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
        x = as_numeric(series)
        return x.map(lambda v: "(missing)" if pd.isna(v) else (f"{v:.0f}" if float(v).is_integer() else f"{v:g}"))
    return as_category(series).fillna("(missing)")


def _column_chart(name: str, kind: str, real: pd.Series, synth: pd.Series) -> dict[str, Any]:
    """Real vs synthetic distribution of one column (binned here, so the chart stays small)."""
    import plotly.graph_objects as go

    fig = go.Figure()
    if kind == "numeric" and as_numeric(real).nunique() <= FEW_VALUES and not pd.api.types.is_datetime64_any_dtype(real.dtype):
        kind = "categorical"  # a handful of numbers (years, ratings) reads better as bars per value
    if kind == "numeric":
        xa, xb = as_numeric(real).dropna().to_numpy(), as_numeric(synth).dropna().to_numpy()
        both = np.concatenate([xa, xb]) if len(xa) + len(xb) else np.zeros(1)
        lo, hi = np.percentile(both, [0.5, 99.5]) if len(both) > 1 else (0.0, 1.0)
        hi = hi if hi > lo else lo + 1
        edges = np.linspace(lo, hi, 31)
        for label, x in (("real", xa), ("synthetic", xb)):
            counts, _ = np.histogram(np.clip(x, lo, hi), bins=edges)
            centers = (edges[:-1] + edges[1:]) / 2
            xs = pd.to_datetime(centers, unit="s") if pd.api.types.is_datetime64_any_dtype(real.dtype) else centers
            fig.add_trace(go.Bar(x=xs, y=counts / max(1, counts.sum()), name=label,
                                 marker_color=COLORS[label]))
        fig.update_layout(barmode="group", bargap=0.1, bargroupgap=0)
    else:
        ra, rb = _labels(real), _labels(synth)
        pa, pb = ra.value_counts(normalize=True), rb.value_counts(normalize=True)
        cats = pa.add(pb, fill_value=0).sort_values(ascending=False).index[:15]
        for label, p in (("real", pa), ("synthetic", pb)):
            fig.add_trace(go.Bar(x=[str(c) for c in cats], y=p.reindex(cats, fill_value=0).to_numpy(),
                                 name=label, marker_color=COLORS[label]))
        fig.update_layout(barmode="group")
    fig.update_layout(title=f"{name}: real vs synthetic", height=300, yaxis_title="share of rows",
                      margin=dict(t=40, b=30, l=40, r=10), legend=dict(orientation="h", y=1.12, x=1, xanchor="right"))
    return figure_json(fig)


def _pair_chart(c1: str, c2: str, pair: Pair, seed: int) -> dict[str, Any]:
    """Scatter for two numerics; shares of the most frequent combinations otherwise."""
    import plotly.graph_objects as go

    fig = go.Figure()
    a, b = sample(pair.a, POINTS, seed), sample(pair.b, POINTS, seed + 1)
    if pair.kinds[c1] == pair.kinds[c2] == "numeric":
        for label, f in (("real", a), ("synthetic", b)):
            fig.add_trace(go.Scattergl(x=as_numeric(f[c1]), y=as_numeric(f[c2]), mode="markers", name=label,
                                       marker=dict(size=4, opacity=0.5, color=COLORS[label])))
        fig.update_layout(xaxis_title=c1, yaxis_title=c2)
    else:
        def combos(f: pd.DataFrame) -> pd.Series:
            parts = []
            for c in (c1, c2):
                if pair.kinds[c] == "numeric":
                    x = as_numeric(f[c])
                    edges = np.unique(np.nanquantile(as_numeric(pair.a[c]), [0, 0.25, 0.5, 0.75, 1]))
                    names = bin_labels(edges, c, pd.api.types.is_datetime64_any_dtype(pair.a[c].dtype))
                    parts.append(pd.cut(x, edges, include_lowest=True, labels=names,
                                        ordered=len(set(names)) == len(names)).astype(str))
                else:
                    parts.append(as_category(f[c]).fillna("(missing)"))
            return (parts[0] + " · " + parts[1]).value_counts(normalize=True)
        pa, pb = combos(pair.a), combos(pair.b)
        keys = pa.add(pb, fill_value=0).sort_values(ascending=False).index[:12]
        for label, p in (("real", pa), ("synthetic", pb)):
            fig.add_trace(go.Bar(y=list(keys), x=p.reindex(keys, fill_value=0).to_numpy(), name=label,
                                 marker_color=COLORS[label], orientation="h"))
        fig.update_layout(barmode="group", xaxis_title="share of rows", yaxis=dict(autorange="reversed"))
    fig.update_layout(title=f"{c1} × {c2}", height=360, margin=dict(t=40, b=30))
    return figure_json(fig)


def _heatmap(matrix: pd.DataFrame, title: str, zmax: float, colorscale: str) -> dict[str, Any]:
    import plotly.graph_objects as go

    z = matrix.to_numpy(dtype=float)
    text = [["" if np.isnan(v) else f"{v:.2f}" for v in row] for row in z]
    fig = go.Figure(go.Heatmap(z=z, x=list(matrix.columns), y=list(matrix.index), zmin=0, zmax=zmax,
                               colorscale=colorscale, text=text, texttemplate="%{text}", hoverongaps=False))
    fig.update_layout(title=dict(text=title, font=dict(size=14)), height=160 + 30 * len(matrix),
                      margin=dict(t=60, b=40))
    return figure_json(fig)


def _rows(pair: Pair, max_rows: int) -> int:
    return min(max(len(pair.a), len(pair.b)), max_rows)


def _quality_report(metadata: dict[str, Any], a: pd.DataFrame, b: pd.DataFrame) -> Any:
    from sdmetrics.reports import QualityReport

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = QualityReport()
        report.generate({"data": a}, {"data": b}, metadata, verbose=False)
    return report


def overall_quality(pair: Pair, seed: int = 0, max_rows: int = SDMETRICS_ROWS) -> float | None:
    """The section's overall score alone (what "Compare generators" ranks by); None when every
    column is identifier-like."""
    if all(k == "identifier" for k in pair.kinds.values()):
        return None
    metadata, a, b = _metadata_and_frames(pair, _rows(pair, max_rows), seed)
    return float(_quality_report(metadata, a, b).get_score())


def quality_section(pair: Pair, progress: Progress = no_progress, seed: int = 0,
                    max_rows: int = SDMETRICS_ROWS) -> Section:
    """SDMetrics scores, per-column scores, and the charts."""
    from sdmetrics.reports import DiagnosticReport

    sec = Section("quality", f"Quality: {pair.b_label} vs {pair.a_label}")
    comparable = [c for c, k in pair.kinds.items() if k != "identifier"]
    if not comparable:
        sec.flag("review", "Every common column is identifier-like (nearly all values distinct); there is "
                           "no distribution to compare.")
        return sec
    n = _rows(pair, max_rows)
    metadata, a, b = _metadata_and_frames(pair, n, seed)
    progress(0.05, "Quality: SDMetrics quality report")
    qr = _quality_report(metadata, a, b)
    progress(0.5, "Quality: SDMetrics diagnostic report")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dr = DiagnosticReport()
        dr.generate({"data": a}, {"data": b}, metadata, verbose=False)
    props = {r["Property"]: r["Score"] for r in qr.get_properties().to_dict("records")}
    dprops = {r["Property"]: r["Score"] for r in dr.get_properties().to_dict("records")}
    score = float(qr.get_score())
    shapes = qr.get_details("Column Shapes").drop(columns=["Table"], errors="ignore")
    trends = qr.get_details("Column Pair Trends").drop(columns=["Table"], errors="ignore")
    validity = dr.get_details("Data Validity").drop(columns=["Table"], errors="ignore")
    sec.metrics.update(
        overall_score=score, column_shapes=_f(props.get("Column Shapes")),
        column_pair_trends=_f(props.get("Column Pair Trends")), diagnostic_score=_f(dr.get_score()),
        validity=_f(dprops.get("Data Validity")), structure=_f(dprops.get("Data Structure")),
        rows_compared=[len(a), len(b)],
    )
    sec.tables["column_scores"] = records(shapes)
    sec.tables["validity"] = records(validity)
    sec.tables["pair_trends"] = records(trends)
    level = "good" if score >= SCORE_GOOD else "review" if score >= SCORE_REVIEW else "risky"
    sec.flag(level, f"SDMetrics overall quality {score:.1%} (column shapes {_pct(props.get('Column Shapes'))}, "
                    f"pair trends {_pct(props.get('Column Pair Trends'))}); thresholds {SCORE_GOOD:.0%} / {SCORE_REVIEW:.0%}.")
    worst_cols = shapes.sort_values("Score").head(3)
    weak = worst_cols[worst_cols["Score"] < SCORE_GOOD]
    if not weak.empty:
        sec.flag("review", "Weakest columns: " + ", ".join(f"{r.Column} {r.Score:.1%} ({r.Metric})"
                                                            for r in weak.itertuples())
                 + f" (a column's shape counts from below {SCORE_GOOD:.0%}).")
    validity_score = _f(dprops.get("Data Validity"))
    if validity_score is not None and validity_score < 0.95:
        bad = validity[validity["Score"] < 0.95]
        sec.flag("review", f"Validity {validity_score:.1%} (review below 95 %): synthetic values outside the real "
                           f"range or categories in {', '.join(map(str, bad['Column']))}.")
    if len(pair.a) > n or len(pair.b) > n:
        sec.notes.append(f"SDMetrics ran on seeded samples of {n:,} rows from each dataset.")
    ids = [c for c, k in pair.kinds.items() if k == "identifier"]
    if ids:
        sec.notes.append(f"Identifier-like columns (no distribution to compare): {', '.join(ids)}.")
    # --- charts --------------------------------------------------------------------------------
    progress(0.75, "Quality: charts")
    nums = [c for c in comparable if pair.kinds[c] == "numeric"]
    if len(nums) >= 2:
        ca = pd.DataFrame({c: as_numeric(a[c]) for c in nums}).corr(method="spearman")
        cb = pd.DataFrame({c: as_numeric(b[c]) for c in nums}).corr(method="spearman")
        diff = (ca - cb).abs().fillna(0)
        sec.metrics["max_correlation_difference"] = float(diff.to_numpy().max())
        sec.figures.append(_heatmap(diff, "Correlation difference |real − synthetic|<br><sup>Spearman, numeric and date columns</sup>",
                                    1.0, "Reds"))
    scored = trends.dropna(subset=["Score"]) if "Score" in trends else trends.iloc[0:0]
    if len(scored):
        cols = comparable
        mat = pd.DataFrame(np.nan, index=cols, columns=cols)
        for r in scored.itertuples():
            c1, c2 = r._1, r._2
            if c1 in mat.index and c2 in mat.index:
                mat.loc[c1, c2] = mat.loc[c2, c1] = 1 - r.Score
        sec.figures.append(_heatmap(mat, "Pair-trend gap (1 − SDMetrics pair score)<br><sup>blank: pair not scored (weak association in the real data)</sup>",
                                    1.0, "Oranges"))
        for r in scored.sort_values("Score").head(PAIR_CHARTS).itertuples():
            sec.figures.append(_pair_chart(r._1, r._2, pair, seed))
    for col in comparable[:MAX_COLUMN_CHARTS]:
        sec.figures.append(_column_chart(col, pair.kinds[col], a[col] if pair.kinds[col] != "numeric" else pair.a[col],
                                         b[col] if pair.kinds[col] != "numeric" else pair.b[col]))
    progress(1.0, "Quality: done")
    return sec


def holdout_pair(pair: Pair, holdout: pd.DataFrame) -> Pair:
    """The holdout against the same training rows, columns judged by the same metadata (what ``align``
    does with it), so its score is the ceiling the synthetic score is read against."""
    hold = holdout[pair.columns].reset_index(drop=True)
    kinds: dict[str, str] = {c: compared_family(pair.sdtypes.get(c), pair.a[c], hold[c]) for c in pair.columns}
    return Pair(pair.a, hold, kinds, pair.a_label, "holdout", [], pair.sdtypes, pair.primary_key)


def ceiling_check(sec: Section, pair: Pair, holdout: pd.DataFrame, seed: int = 0,
                  max_rows: int = SDMETRICS_ROWS) -> None:
    """Read the synthetic score against the holdout's own (the ceiling) and the Privacy report's copying
    measures on the same rows; flag a score above the ceiling as possible copying when the distances
    show copying or it beats fresh real data by more than ``CEILING_MARGIN``.

    Like with like: SDMetrics scores a small sample lower than a large one from the same source, so when
    the holdout has fewer rows than the synthetic data scored, the synthetic data is also scored on a
    seeded sample of the holdout's size, and that score is the one read against the ceiling (on a 69-row
    holdout the full 275-row synthetic set beat fresh real data by 7 points on size alone)."""
    score = float(sec.metrics["overall_score"])
    ceiling = overall_quality(holdout_pair(pair, holdout), seed, max_rows)
    n_hold = len(holdout)
    like = score
    if ceiling is not None and n_hold < min(len(pair.b), max_rows):
        like = overall_quality(replace(pair, b=sample(pair.b, n_hold, seed + 2)), seed, max_rows) or score
    m = privacy.distances(pair.a, holdout[pair.columns].reset_index(drop=True), pair.b, seed=seed).metrics
    share, base = m["dcr_share"], m["dcr_share_baseline"]
    exact, exact_hold = m["exact_match_share_synthetic"], m["exact_match_share_holdout"]
    sec.metrics.update(holdout_ceiling=ceiling, quality_at_holdout_size=like,
                       above_ceiling=None if ceiling is None else like - ceiling,
                       dcr_share=share, dcr_share_baseline=base, exact_match_share_synthetic=exact,
                       exact_match_share_holdout=exact_hold)
    if ceiling is None:
        return
    share_level, share_why = privacy.dcr_share_level(share, base, m["query_rows"])
    copying = share_level != "good" or exact - exact_hold > COPY_EXACT_GAP
    at_size = f" ({like:.1%} on {n_hold:,} rows, the holdout's size)" if like != score else ""
    numbers = (f"quality {score:.1%}{at_size} vs holdout ceiling {ceiling:.1%} (margin {CEILING_MARGIN:.0%}); "
               f"{share_why} Exact copies {fmt_pct(exact)} vs holdout {fmt_pct(exact_hold)} (copying above "
               f"+{COPY_EXACT_GAP:.0%}).")
    if like > ceiling and copying:
        sec.flag("risky", "Possible copying: scores above what fresh real data reaches and sits on training "
                          "rows: " + numbers)
    elif like > ceiling + CEILING_MARGIN:
        sec.flag("review", "Possible copying: scores above what fresh real data reaches, though the "
                           "distances show no copying: " + numbers)
    elif copying:
        sec.flag("review", "Below the ceiling, but rows sit on training rows (see the Privacy report): " + numbers)
    else:
        sec.flag("good", "No sign of copying: " + numbers)


def _f(x: Any) -> float | None:
    return None if x is None or (isinstance(x, float) and np.isnan(x)) else float(x)


def _pct(x: Any) -> str:
    v = _f(x)
    return "n/a" if v is None else f"{v:.1%}"


def baseline_check(sec: Section, found: dict[str, Any]) -> None:
    """Read the score against the two simple baselines of the same split (independent marginals: every
    relation lost; the registered GaussianCopula as it comes): a generator that does not beat them adds
    nothing, whatever its absolute score."""
    score = _f(sec.metrics.get("overall_score"))
    rows, floors = [], {}
    for name, title in BASELINE_TITLES.items():
        base = (found.get("baselines") or {}).get(name) or {}
        quality = _f(base.get("quality"))
        rows.append({"baseline": title, "quality": quality, "DCR share": _f(base.get("privacy_closer_to_train")),
                     "exact copies": _f(base.get("exact_copies"))})
        sec.metrics[f"baseline_{name}"] = quality
        if quality is not None:
            floors[title] = quality
    sec.tables["baselines"] = rows
    if score is None or not floors:
        return
    title, best = max(floors.items(), key=lambda kv: kv[1])
    numbers = "; ".join(f"{t.lower()} {q:.1%}" for t, q in floors.items())
    if score <= best:
        sec.flag("review", f"Quality {score:.1%} is no better than the {title.lower()} baseline on the same "
                           f"training rows ({numbers}): the generator adds nothing over that simple method.")
    else:
        sec.reasons.append(f"Quality {score:.1%} beats both baselines on the same training rows ({numbers}).")


def compute(inputs: ReportInputs, progress: Progress, seed: int) -> Section:
    sec = quality_section(inputs.pair, progress, seed)
    if inputs.holdout is not None and "overall_score" in sec.metrics:
        progress(0.98, "Quality: holdout ceiling and copying")
        ceiling_check(sec, inputs.pair, inputs.holdout, seed)
    if inputs.baselines is not None and "overall_score" in sec.metrics:
        progress(0.99, "Quality: the split's baselines (computed once per split, then read)")
        try:
            baseline_check(sec, inputs.baselines(no_progress))
        except MdgError as exc:  # a baseline that cannot fit this table must not take the report with it
            sec.notes.append(f"The baselines could not be computed on these training rows: {exc}")
    return sec


SECTION = SectionSpec(
    "quality", compute, share=0.7,
    headlines=(Headline("Overall quality", "overall_score"), Headline("Column shapes", "column_shapes"),
               Headline("Pair trends", "column_pair_trends"), Headline("Validity", "validity"),
               Headline("Holdout ceiling", "holdout_ceiling"), Headline("Exact copies", "exact_match_share_synthetic")),
)
KIND = ReportKind(
    "quality", "Quality",
    "How close the synthetic data (B) is to the real data (A): SDMetrics scores, missing-value patterns, charts "
    "and, with a target, "
    "train-on-synthetic vs train-on-real. When B comes from a generation run, A's rows the generator "
    "trained on are the reference and the run's holdout is the test set.",
    ("Real data (A)", "Synthetic data (B)"), (SECTION, missing_patterns.SECTION, utility.SECTION),
    uses_holdout=True, uses_target=True, training_reference=True,
)
