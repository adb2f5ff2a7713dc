"""AppTest for the Reports page's pairing: A is the real data, B a synthetic dataset made from it, split parts are
not offered, an unrelated pair is said to be one, and a result is shown only for exactly the choice on screen."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from mdg_core import jobs
from mdg_core.store import DatasetStore
from tests.reports.conftest import (
    copy_generator,
    independent_generator,
    open_reports_page,
    split,
    store_generated,
)


@pytest.fixture()
def catalogue(tmp_path: Path, penguins: pd.DataFrame, customers: pd.DataFrame) -> tuple[Path, dict[str, int]]:
    """Penguins with two synthetic versions (and its run's train/holdout parts), then an unrelated table
    (customers, uploaded last, so it is the newest dataset) with no synthetic data yet."""
    db = tmp_path / "mdg.db"
    store = DatasetStore(db)
    train, holdout = split(penguins, 0.7)
    ids = store_generated(store, penguins, copy_generator(train), train, holdout, name="penguins copy")
    newer = store.save(independent_generator(train), "penguins shuffled", "synthetic", parent_id=ids["real"])
    other = store.save(customers, "customers")
    return db, {**ids, "newer": newer.id, "other": other.id}


def _app(db: Path, monkeypatch: pytest.MonkeyPatch, current: int) -> AppTest:
    at = open_reports_page(db, monkeypatch, current)
    assert not at.exception and not at.error
    return at


def _warnings(at: AppTest) -> list[str]:
    return [w.value for w in at.warning]


def test_real_current_pairs_with_its_newest_synthetic_child(catalogue, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    db, ids = catalogue
    at = _app(db, monkeypatch, ids["real"])
    a, b = at.selectbox(key="mdg.reports.a"), at.selectbox(key="mdg.reports.b")
    assert a.value == ids["real"]                       # not the newest dataset (customers), not a synthetic one
    assert b.value == ids["newer"]                      # the newest synthetic made from A
    assert b.options[:2] == [b.format_func(ids["newer"]), b.format_func(ids["synth"])]  # A's children first
    for box in (a, b):                                  # train/holdout parts belong to their run
        assert not [o for o in box.options if "· split ·" in o]
    assert not [w for w in _warnings(at) if "not made from" in w]
    assert at.button(key="mdg.reports.run").label == "Run report"


def test_synthetic_current_is_b_and_its_real_parent_is_a(catalogue, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    db, ids = catalogue
    at = _app(db, monkeypatch, ids["synth"])
    assert at.selectbox(key="mdg.reports.a").value == ids["real"]
    assert at.selectbox(key="mdg.reports.b").value == ids["synth"]  # the one the analyst is looking at


def test_real_without_synthetic_says_generate_first_and_unrelated_pair_is_named(catalogue, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    db, ids = catalogue
    at = _app(db, monkeypatch, ids["other"])
    assert at.selectbox(key="mdg.reports.a").value == ids["other"]
    assert at.selectbox(key="mdg.reports.b").value is None          # no unrelated table chosen for the analyst
    assert any("generate one first" in i.value for i in at.info)
    assert not [b for b in at.button if b.key == "mdg.reports.run"]

    at.selectbox(key="mdg.reports.b").set_value(ids["newer"]).run()  # the analyst insists on another table
    assert not at.exception
    assert any("two unrelated tables" in w for w in _warnings(at))


def test_a_result_is_shown_only_for_the_choice_it_was_built_for(catalogue, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    db, ids = catalogue
    store = DatasetStore(db)
    at = _app(db, monkeypatch, ids["real"])
    at.button_group(key="mdg.reports.kind").set_value("drift").run()
    at.button(key="mdg.reports.run").click().run()
    done = jobs.wait(store, at.session_state["mdg.reports.job"], timeout_s=180)
    assert done.status == "done", done.error
    at.run()
    new = at.tabs[0]  # "New report" (the "Saved reports" tab lists every stored report)
    assert any(s.value.startswith("Drift:") for s in new.subheader)
    assert any("done in" in s.value for s in new.success)

    at.selectbox(key="mdg.reports.b").set_value(ids["synth"]).run()  # another B: neither that result nor its job
    new = at.tabs[0]
    assert not at.exception and not new.error
    assert not [s for s in new.subheader if s.value.startswith("Drift:")]
    assert not [s for s in new.success if "done in" in s.value]
    assert any("No report for this choice yet" in i.value for i in new.info)

    at.selectbox(key="mdg.reports.b").set_value(ids["newer"]).run()  # back: the stored report for exactly this pair
    assert any(s.value.startswith("Drift:") for s in at.tabs[0].subheader)
    at.button_group(key="mdg.reports.kind").set_value("quality").run()  # another form, same pair: not the drift one
    assert not [s for s in at.tabs[0].subheader if s.value.startswith("Drift:")]


def test_changing_a_moves_b_to_a_dataset_made_from_the_new_a(catalogue, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    db, ids = catalogue
    at = _app(db, monkeypatch, ids["real"])
    at.selectbox(key="mdg.reports.a").set_value(ids["other"]).run()
    assert not at.exception
    assert at.selectbox(key="mdg.reports.b").value is None           # not the old B, which customers did not make
    assert any("generate one first" in i.value for i in at.info)
