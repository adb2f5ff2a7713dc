"""Quality and utility on real data: scores come from SDMetrics and real model fits."""

from __future__ import annotations

import pandas as pd
import pytest

from mdg_core.errors import ReportError
from mdg_core.reports.common import align
from mdg_core.reports.quality import quality_section
from mdg_core.reports.utility import utility_section
from tests.reports.conftest import independent_generator, split


def test_copy_scores_near_perfect_and_resampling_loses_pair_trends(penguins: pd.DataFrame) -> None:
    same = quality_section(align(penguins, penguins.sample(frac=1, random_state=0)))
    assert same.metrics["overall_score"] > 0.97 and same.verdict == "good"
    shuffled = quality_section(align(penguins, independent_generator(penguins)))
    m = shuffled.metrics
    assert m["column_shapes"] > 0.85          # each column's distribution is kept...
    assert m["column_pair_trends"] < m["column_shapes"] - 0.1  # ...but not how columns move together
    assert m["max_correlation_difference"] > 0.5
    assert {r["Column"] for r in shuffled.tables["column_scores"]} == set(penguins.columns)
    titles = [f["layout"]["title"]["text"] for f in shuffled.figures]
    assert any(t.startswith("Correlation difference") for t in titles)
    assert any(t.startswith("body_mass_g: real vs synthetic") for t in titles)


def test_utility_train_on_synthetic_vs_real(penguins: pd.DataFrame) -> None:
    train, test = split(penguins, 0.7)
    pair = align(train, train)
    good = utility_section(train, train.sample(frac=1, random_state=1), "species", pair.kinds, test)
    assert good.metrics["task"] == "classification" and good.metrics["reference"] > 0.95
    assert good.metrics["ratio"] == pytest.approx(1.0, abs=0.02) and good.verdict == "good"
    bad = utility_section(train, independent_generator(train), "species", pair.kinds, test)
    assert bad.metrics["ratio"] < 0.8 and bad.verdict in ("review", "risky")
    reg = utility_section(train, train, "body_mass_g", pair.kinds, test)
    assert reg.metrics["task"] == "regression" and reg.metrics["main_metric"] == "r2"


def test_target_errors_are_actionable(penguins: pd.DataFrame) -> None:
    pair = align(penguins, penguins)
    with pytest.raises(ReportError, match="not in both datasets"):
        utility_section(penguins, penguins, "nope", pair.kinds)
    tiny = penguins.assign(species="Adelie")
    with pytest.raises(ReportError, match="single value"):
        utility_section(tiny, tiny, "species", pair.kinds)
