"""Every verdict line names the numbers and the thresholds that produced it, so an analyst can check it."""

from __future__ import annotations

import re

import pandas as pd

from mdg_core.reports import drift, missing_patterns, pii_leak, privacy, quality, reid, utility
from mdg_core.reports.job import build
from mdg_core.store import DatasetStore
from tests.reports.conftest import independent_generator, split, store_generated

THRESHOLDS = {  # section key → text every one of its verdict lines (but explanations) shows
    "quality": [f"{quality.SCORE_GOOD:.0%}"],
    "missing_patterns": [f"≥ {missing_patterns.PATTERN_GAP}"],
    "utility": [f"{utility.RATIO_GOOD:.0%}"],
    "drift": [f"KS {drift.THRESHOLDS['ks_statistic']}", f"α {drift.ALPHA:.0%}"],
    "distances": [f"+{privacy.EXACT_REVIEW:.0%}", f"+{privacy.DCR_SHARE_REVIEW:.0%}", f"{privacy.BELOW_P5_REVIEW:.0%}"],
    "reid": [f"review from {reid.RISK_REVIEW}"],
    "pii": [f"+{pii_leak.REPLAY_REVIEW:.0%}"],
}


def test_every_verdict_line_cites_numbers_and_thresholds(store: DatasetStore, penguins: pd.DataFrame) -> None:
    train, holdout = split(penguins, 0.6)
    ids = store_generated(store, penguins, independent_generator(train), train, holdout)
    sections = []
    for kind, target in (("quality", "species"), ("drift", None), ("privacy", None)):
        sections += build(store, kind, ids["real"], ids["synth"], target=target)["sections"]
    assert {s["key"] for s in sections} == set(THRESHOLDS)
    for sec in sections:
        assert sec["reasons"], sec["key"]
        for reason in sec["reasons"]:
            assert re.search(r"\d", reason), (sec["key"], reason)  # a measured number in every line
        for threshold in THRESHOLDS[sec["key"]]:
            assert any(threshold in r for r in sec["reasons"]), (sec["key"], threshold, sec["reasons"])
