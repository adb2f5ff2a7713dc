"""Chart labels of binned columns are unique and readable (dates as dates)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mdg_core.reports.common import align
from mdg_core.reports.quality import _pair_chart, bin_labels


def test_close_date_quartiles_get_distinct_date_labels() -> None:
    # quartiles of these dates agree to 3 significant digits in seconds since 1970 (1.58e9)
    edges = pd.to_datetime(["2020-01-01", "2020-01-03", "2020-01-09", "2020-02-01", "2020-03-01"])
    seconds = edges.astype("int64").to_numpy() / 1e9
    labels = bin_labels(seconds, "start_date", dates=True)
    assert len(set(labels)) == len(labels) == 4
    assert labels[0] == "start_date 2020-01-01–2020-01-03"


def test_close_number_edges_get_enough_digits() -> None:
    labels = bin_labels(np.array([1000.1, 1000.2, 1000.3]), "x", dates=False)
    assert labels == ["x 1000.1–1000.2", "x 1000.2–1000.3"]


def test_pair_chart_of_a_date_and_a_category_builds() -> None:
    rng = np.random.default_rng(0)
    n = 200
    dates = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 60, n), unit="D")
    frame = pd.DataFrame({"start_date": dates, "plan": rng.choice(["a", "b"], n)})
    fig = _pair_chart("start_date", "plan", align(frame, frame.sample(frac=1, random_state=1)), 0)
    names = [y for trace in fig["data"] for y in trace["y"]]
    assert any("2020-0" in str(y) for y in names) and not any("1.58e" in str(y) for y in names)
