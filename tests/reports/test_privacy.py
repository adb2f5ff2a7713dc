"""Privacy on real data: a copying 'generator' is flagged risky; column-wise resampling is not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mdg_core import jobs
from mdg_core.reports.job import load
from mdg_core.reports.privacy import GowerEncoder, distance_section, exact_match_share, nearest
from tests.reports.conftest import copy_generator, independent_generator, split, store_generated


def test_gower_encoding_counts_each_column_once() -> None:
    df = pd.DataFrame({"x": [0.0, 10.0, 5.0], "c": ["a", "b", "a"]})
    enc = GowerEncoder().fit(df)
    v = enc.transform(df)
    d, _ = nearest(v[[1]], v[[0]], k=1)
    # row 1 differs from row 0 by the full numeric range and by its category: squared distance 1 + 1
    assert d[0, 0] == pytest.approx(np.sqrt(2))
    d, _ = nearest(v[[2]], v[[0]], k=1)
    assert d[0, 0] == pytest.approx(0.5)


def test_chunked_nearest_neighbours_match_brute_force() -> None:
    rng = np.random.default_rng(0)
    q, r = rng.random((250, 4)), rng.random((300, 4))
    d, i = nearest(q, r, k=2, chunk=37)
    full = np.sqrt(((q[:, None, :] - r[None, :, :]) ** 2).sum(-1))
    assert np.allclose(d[:, 0], full.min(1)) and (i[:, 0] == full.argmin(1)).all()
    assert np.allclose(d[:, 1], np.sort(full, 1)[:, 1])


def test_copying_generator_is_flagged_risky(customers: pd.DataFrame) -> None:
    train, holdout = split(customers, 0.5)
    sec, extra = distance_section(train, holdout, copy_generator(train))
    m = sec.metrics
    assert sec.verdict == "risky"
    assert m["exact_match_share_synthetic"] == 1.0 and m["exact_match_share_holdout"] == 0.0
    assert m["dcr_share"] > 0.95 and m["dcr_share_baseline"] == pytest.approx(0.5)
    assert m["dcr_synthetic_median"] == pytest.approx(0, abs=1e-6) and m["dcr_holdout_median"] > 0.01
    assert any("exact copies" in r and "100.0 %" in r for r in sec.reasons)
    assert sec.tables["riskiest_rows"][0]["dcr"] == pytest.approx(0, abs=1e-6)


def test_copies_are_found_when_training_is_larger_than_holdout(customers: pd.DataFrame) -> None:
    """The reference is the whole training set, so copies are not hidden by subsampling it."""
    train, holdout = split(customers, 0.8)
    sec, _ = distance_section(train, holdout, copy_generator(train))
    assert sec.metrics["dcr_share"] > 0.95
    assert sec.metrics["dcr_share_baseline"] == pytest.approx(0.8)
    assert sec.verdict == "risky"


def test_independent_resampling_is_not_memorisation(customers: pd.DataFrame) -> None:
    train, holdout = split(customers, 0.5)
    sec, _ = distance_section(train, holdout, independent_generator(train))
    m = sec.metrics
    assert m["exact_match_share_synthetic"] == 0.0
    assert abs(m["dcr_share"] - m["dcr_share_baseline"]) < 0.15
    assert m["synthetic_below_holdout_p5"] < 0.1
    assert sec.verdict == "good"


def test_exact_match_share_ignores_row_order_and_dtypes() -> None:
    a = pd.DataFrame({"x": [1, 2, 3], "y": ["a", "b", "c"]})
    b = pd.DataFrame({"x": [3.0, 9.0], "y": ["c", "b"]})
    assert exact_match_share(b, a) == 0.5


def test_privacy_job_uses_the_runs_holdout_and_drop_makes_a_new_version(store, customers: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    train, holdout = split(customers, 0.5)
    synth = pd.concat([copy_generator(train).head(30), independent_generator(train, 270)], ignore_index=True)
    ids = store_generated(store, customers, synth, train, holdout)
    result = jobs.run_inline(store, "report", {"kind": "privacy", "a": ids["real"], "b": ids["synth"]})
    report = load(store, result["key"])
    assert report["resolved"] == {"train_id": ids["train"], "holdout_id": ids["holdout"]}
    dist = next(s for s in report["sections"] if s["key"] == "distances")
    assert dist["metrics"]["exact_match_share_synthetic"] == pytest.approx(0.1)
    assert [s["key"] for s in report["sections"]] == ["distances", "reid", "pii"]
    art = store.get_artifact("report", result["key"])
    assert art.payload.startswith(b"<!DOCTYPE html>") and art.other_dataset_id == ids["synth"]
    assert dist["tables"]["riskiest_rows"][0]["nearest real.email"]  # shown in the workbench...
    assert b"nearest real." not in art.payload  # ...but never in the shareable export
    first_email = dist["tables"]["riskiest_rows"][0]["synthetic.email"]
    assert first_email.encode() not in art.payload

    threshold = dist["metrics"]["dcr_holdout_p5"]
    again = jobs.run_inline(store, "report", {"kind": "privacy", "a": ids["real"], "b": ids["synth"],
                                              "drop_risky_threshold": threshold})
    new = store.get(again["new_dataset_id"])
    assert new.parent_id == ids["synth"] and new.kind == "synthetic"
    assert again["dropped_rows"] >= 30 and new.n_rows == 300 - again["dropped_rows"]
    rerun = load(store, again["key"])
    dist2 = next(s for s in rerun["sections"] if s["key"] == "distances")
    assert dist2["metrics"]["exact_match_share_synthetic"] == 0.0
    assert rerun["resolved"]["holdout_id"] == ids["holdout"]  # found through the new version's lineage


def test_no_holdout_is_reported_as_needing_review(customers: pd.DataFrame) -> None:
    train, _ = split(customers, 0.5)
    sec, _ = distance_section(train, None, independent_generator(train))
    assert sec.verdict == "review" and any("No holdout" in r for r in sec.reasons)


def test_copies_with_fresh_ids_are_still_exact_matches(customers: pd.DataFrame) -> None:
    """Generators make new ids; a copied record must not hide behind one."""
    train, holdout = split(customers, 0.5)
    synth = copy_generator(train)
    synth["customer_id"] = [f"S{i:05d}" for i in range(len(synth))]
    sec, _ = distance_section(train, holdout, synth)
    assert sec.metrics["exact_match_share_synthetic"] == 1.0 and sec.verdict == "risky"
    assert any("identifier-like columns left out" in n and "customer_id" in n for n in sec.notes)
