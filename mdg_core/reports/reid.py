"""Re-identification risks with anonymeter: singling out, linkability and attribute inference.

anonymeter attacks the real training rows using the synthetic rows, runs the same attacks against
the holdout rows (never seen by the generator) as a control, and reports the *excess* success as a
risk in 0..1 with a confidence interval. Column names are mapped to safe aliases first because it
breaks on names with spaces or brackets; dates become numbers because it handles numbers and text.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd

from mdg_core.column_kinds import family_of
from mdg_core.reports.common import (
    Progress,
    ReportInputs,
    Section,
    SectionSpec,
    as_category,
    as_numeric,
    no_progress,
    sample,
)

# Rows the attacks see. An attack on a memorised record only works if both that training row and its
# synthetic copy are present, so small samples of each side would hide leaks on large data (3,000 of
# 80,000 rows on both sides keep ~0.1 % of the pairs). Training and holdout rows are cheap for the
# attacks, so they are used whole up to ATTACK_ROWS; the cost grows with n_attacks × synthetic rows,
# so synthetic rows are capped lower, and the report says which share of them the attacks saw.
# Training and control (holdout) rows are equal in number: a query singles out one row far more often
# in 2,000 rows than in 4,000, so unequal sizes show "risk" where there is none (a real sample that
# never touched training came out "review" with 4,000 training vs 2,000 control rows).
ATTACK_ROWS = 100_000
SYNTH_ATTACK_ROWS = 10_000
MAX_ATTEMPTS = 10_000
N_ATTACKS = 300
MAX_SECRETS = 3
RISK_REVIEW, RISK_RISKY = 0.05, 0.2
Z_EXCESS = 1.96  # attack success over control success, in standard errors of their difference (one attack)
EXCESS_ALPHA = 0.025  # one-sided, shared by all the attacks of a report (Bonferroni)


def z_excess(attacks: int) -> float:
    """The z an attack must beat the control by when ``attacks`` attacks run: six attacks at 1.96 each
    flag fresh real data in about one report in seven; sharing 2.5 % among them (2.64 for six) does not."""
    from statistics import NormalDist

    return NormalDist().inv_cdf(1 - EXCESS_ALPHA / max(1, attacks))


def risk_level(risk: float, ci_low: float, attack_rate: float | None = None, control_rate: float | None = None,
               n_attacks: int | None = None, z: float = Z_EXCESS) -> str:
    """Risky when the risk is high and clearly above zero; review when it is clearly above zero and
    not negligible; good otherwise (an estimate whose interval reaches 0 is not evidence of risk).

    anonymeter's interval covers the attack's success rate only, while the control's rate is as noisy:
    with both rates (and the number of attacks) given, a risk also needs the attack to beat the control
    by more than two-sample noise (``z`` standard errors), or a real holdout judged as synthetic is flagged."""
    if attack_rate is not None and control_rate is not None and n_attacks:
        se = np.sqrt((attack_rate * (1 - attack_rate) + control_rate * (1 - control_rate)) / n_attacks)
        if attack_rate - control_rate < z * max(float(se), 1e-12):
            return "good"
    if risk >= RISK_RISKY and ci_low >= RISK_REVIEW:
        return "risky"
    if risk >= RISK_REVIEW and ci_low > 0:
        return "review"
    return "good"


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Make anonymeter reproducible: it draws from numpy's global generator (pandas ``sample`` of the
    attacked rows), from an unseeded ``default_rng()`` (the linkability baseline) and from polars'
    generator (the singling-out fit); its univariate singling-out queries come in the order of a polars
    ``group_by`` and its random (baseline) queries pick values from a polars ``Series.unique``, both in a
    hash order that changes between processes. All three generators are seeded and ``group_by`` and
    ``unique`` keep the order of first appearance for the duration; then numpy's global state and
    polars' methods are put back."""
    import polars as pl
    from anonymeter.evaluators import linkability_evaluator as links

    state = np.random.get_state()
    original = links._random_links
    rng = np.random.default_rng(seed)

    def random_links(n_synthetic: int, n_attacks: int, n_neighbors: int) -> np.ndarray:
        return np.array([rng.choice(n_synthetic, size=n_neighbors, replace=False) for _ in range(n_attacks)])

    group_by, unique = pl.DataFrame.group_by, pl.Series.unique

    def ordered_group_by(self: pl.DataFrame, *by: Any, maintain_order: bool = True, **named: Any) -> Any:
        return group_by(self, *by, maintain_order=True, **named)

    def ordered_unique(self: pl.Series, *, maintain_order: bool = True) -> Any:
        return unique(self, maintain_order=True)

    np.random.seed(seed)
    pl.set_random_seed(seed)
    links._random_links = random_links
    pl.DataFrame.group_by = ordered_group_by  # type: ignore[method-assign]
    pl.Series.unique = ordered_unique  # type: ignore[method-assign]
    try:
        yield
    finally:
        pl.DataFrame.group_by = group_by  # type: ignore[method-assign]
        pl.Series.unique = unique  # type: ignore[method-assign]
        links._random_links = original
        np.random.set_state(state)


def _prepare(frames: list[pd.DataFrame], columns: list[str]) -> tuple[list[pd.DataFrame], dict[str, str]]:
    """Safe aliases (c0, c1, …) and anonymeter-friendly dtypes (float or str)."""
    aliases = {col: f"c{i}" for i, col in enumerate(columns)}
    kinds = {col: family_of(frames[0][col]) for col in columns}
    out = []
    for f in frames:
        data = {}
        for col in columns:
            if kinds[col] == "numeric":
                data[aliases[col]] = as_numeric(f[col]).astype(float)
            else:
                data[aliases[col]] = as_category(f[col]).fillna("(missing)").astype(str)
        out.append(pd.DataFrame(data))
    return out, aliases


def _risk(evaluator: Any) -> dict[str, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = evaluator.results(confidence_level=0.95)
        risk = res.risk()
    return {
        "risk": float(risk.value), "ci_low": float(risk.ci[0]), "ci_high": float(risk.ci[1]),
        "attack_rate": float(res.attack_rate.value), "baseline_rate": float(res.baseline_rate.value),
        "control_rate": None if res.control_rate is None else float(res.control_rate.value),
    }


def _secrets(train: pd.DataFrame, columns: list[str]) -> list[str]:
    """Columns an attacker would like to infer: categorical first, then numeric; no identifiers."""
    cats = [c for c in columns if family_of(train[c]) == "categorical" and train[c].nunique() > 1]
    nums = [c for c in columns if family_of(train[c]) == "numeric" and train[c].nunique() > 1]
    return (cats + nums)[:MAX_SECRETS]


def reid_section(train: pd.DataFrame, holdout: pd.DataFrame | None, synth: pd.DataFrame,
                 progress: Progress = no_progress, seed: int = 0) -> Section:
    """Run the three anonymeter attacks and turn their risks into a verdict."""
    from anonymeter.evaluators import InferenceEvaluator, LinkabilityEvaluator, SinglingOutEvaluator

    sec = Section("reid", "Re-identification risks (anonymeter)")
    columns = [c for c in train.columns if family_of(train[c]) != "identifier"]
    if len(columns) < 2:
        sec.flag("review", "Fewer than two comparable columns: re-identification attacks were not run.")
        return sec
    n_real = min(len(train), ATTACK_ROWS, len(holdout) if holdout is not None else ATTACK_ROWS)
    tr, sy = sample(train, n_real, seed), sample(synth, SYNTH_ATTACK_ROWS, seed + 1)
    ho = sample(holdout, n_real, seed + 2) if holdout is not None else None
    frames, aliases = _prepare([tr, sy] + ([ho] if ho is not None else []), columns)
    ori, syn = frames[0], frames[1]
    control = frames[2] if ho is not None else None
    n_attacks = min(N_ATTACKS, len(ori) // 2, len(control) // 2 if control is not None else N_ATTACKS)
    rows: list[dict[str, Any]] = []
    with warnings.catch_warnings():  # each attack seeded on its own: its numbers do not depend on the others
        warnings.simplefilter("ignore")
        progress(0.05, "Re-identification: singling out")
        for mode in ("univariate", "multivariate"):
            try:
                with seeded(seed):
                    ev = SinglingOutEvaluator(ori=ori, syn=syn, control=control, n_attacks=n_attacks,
                                              n_cols=min(3, len(columns)), seed=seed, max_attempts=MAX_ATTEMPTS)
                    ev.evaluate(mode=mode)
                rows.append({"attack": f"singling out ({mode})", **_risk(ev)})
            except RuntimeError as exc:  # too few distinct queries on tiny data
                sec.notes.append(f"Singling out ({mode}) could not run: {exc}")
        progress(0.35, "Re-identification: linkability")
        half = len(columns) // 2
        aux = ([aliases[c] for c in columns[:half]], [aliases[c] for c in columns[half:]])
        with seeded(seed):
            ev = LinkabilityEvaluator(ori=ori, syn=syn, control=control, aux_cols=aux, n_attacks=n_attacks,
                                      n_neighbors=10)
            ev.evaluate(n_jobs=1)
        rows.append({"attack": "linkability (2 halves of the columns, 10 neighbours)", **_risk(ev)})
        secrets = _secrets(tr, columns)
        for i, secret in enumerate(secrets):
            progress(0.55 + 0.4 * i / max(1, len(secrets)), f"Re-identification: inferring {secret}")
            aux_cols = [aliases[c] for c in columns if c != secret]
            with seeded(seed):
                ev = InferenceEvaluator(ori=ori, syn=syn, control=control, aux_cols=aux_cols,
                                        secret=aliases[secret], regression=family_of(tr[secret]) == "numeric",
                                        n_attacks=n_attacks)
                ev.evaluate(n_jobs=1)
            rows.append({"attack": f"attribute inference of '{secret}'", **_risk(ev)})
    sec.tables["attacks"] = rows
    sec.metrics.update(rows=[len(tr), len(sy), len(ho) if ho is not None else 0], n_attacks=n_attacks, holdout_used=control is not None,
                       columns=columns)
    z = z_excess(len(rows))
    sec.metrics["z_excess"] = z
    for r in rows:
        text = (f"{r['attack']}: risk {r['risk']:.3f} (95 % CI {r['ci_low']:.3f}–{r['ci_high']:.3f}; "
                f"attack success {r['attack_rate']:.1%}"
                + (f" vs {r['control_rate']:.1%} on holdout, counts beyond {z:.2f} standard errors"
                   if r["control_rate"] is not None else "")
                + f"; review from {RISK_REVIEW}, risky from {RISK_RISKY})")
        sec.flag(risk_level(r["risk"], r["ci_low"], r["attack_rate"], r["control_rate"], n_attacks, z), text)
    if len(sy) < len(synth):
        sec.notes.append(f"The attacks saw {len(sy) / len(synth):.0%} of the synthetic rows, so on this data their "
                         "risks are lower bounds; the distance checks above use every training row.")
    if control is None:
        sec.flag("review", "No holdout: risks are raw attack success rates, not excess over a control.")
    sec.notes.append(
        f"Attacks on {len(tr):,} training, {len(sy):,} synthetic and {len(ho) if ho is not None else 0:,} holdout rows "
        f"(seeded samples above {ATTACK_ROWS:,} real and {SYNTH_ATTACK_ROWS:,} synthetic rows; as many training "
        f"as holdout rows, so both are attacked alike), {n_attacks} attacks each, seed {seed}; risk = success "
        "on training rows beyond success on holdout rows (0 = no risk, 1 = full), 95 % intervals. A risk "
        f"counts when its interval excludes 0 and the attack beats the holdout by {z:.2f} standard errors "
        f"({EXCESS_ALPHA:.1%} one-sided shared by the {len(rows)} attacks): "
        f"review from {RISK_REVIEW}, risky from {RISK_RISKY} (with the interval above {RISK_REVIEW}). "
        "Identifier-like columns are left out (they are covered by the exact-match and PII checks).")
    progress(1.0, "Re-identification: done")
    return sec


def compute(inputs: ReportInputs, progress: Progress, seed: int) -> Section:
    return reid_section(inputs.pair.a, inputs.holdout, inputs.pair.b, progress, seed)


SECTION = SectionSpec("reid", compute, share=0.4, open_tables=("attacks",), summary_tables=("attacks",))
