"""AppTest for the Reports page: a stored report opens instantly; a new one runs in the background."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from mdg_core import jobs
from mdg_core.store import DatasetStore
from tests.reports.conftest import copy_generator, open_reports_page, split, store_generated

ROOT = Path(__file__).resolve().parents[2]


def _shown(markdown: str) -> str:
    """The text a reader sees: names from data are Markdown-escaped on the page (``ui.md``)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def _failures(at: AppTest) -> list[str]:
    """Errors the page reported (``ui.user_errors``); a "risky" verdict is also shown as st.error."""
    return [e.value for e in at.error if e.icon == ":material/error:"]


def _app(db: Path, monkeypatch, current: int) -> AppTest:  # type: ignore[no-untyped-def]
    return open_reports_page(db, monkeypatch, current)


def test_stored_report_opens_and_new_report_runs_in_background(tmp_path: Path, monkeypatch, penguins: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "mdg.db"
    store = DatasetStore(db)
    train, holdout = split(penguins, 0.6)
    ids = store_generated(store, penguins, copy_generator(train), train, holdout)
    jobs.run_inline(store, "report", {"kind": "drift", "a": ids["real"], "b": ids["synth"]})

    at = _app(db, monkeypatch, ids["synth"])
    assert not at.exception and not _failures(at) and at.title[0].value == "Reports"
    assert at.selectbox(key="mdg.reports.a").value == ids["real"]  # the synthetic data's parent
    assert at.selectbox(key="mdg.reports.b").value == ids["synth"]
    assert any("No report for this choice yet" in i.value for i in at.info)

    at.button_group(key="mdg.reports.kind").set_value("drift").run()
    assert not at.exception and not _failures(at)
    assert any(_shown(s.value).startswith("Drift:") for s in at.subheader)       # opened from the store, no job
    assert any("columns passed a drift threshold" in _shown(s.value) or "drifted" in _shown(s.value)
               for s in [*at.success, *at.warning, *at.error])
    assert at.button(key="mdg.reports.run").label == "Re-run report"

    at.button_group(key="mdg.reports.kind").set_value("quality").run()
    at.selectbox(key="mdg.reports.target").set_value("species").run()
    at.button(key="mdg.reports.run").click().run()
    job_id = at.session_state["mdg.reports.job"]
    done = jobs.wait(store, job_id, timeout_s=180)
    assert done.status == "done", done.error
    at.run()
    assert not at.exception and not _failures(at)
    titles = [_shown(s.value) for s in at.subheader]
    assert any(t.startswith("Quality:") for t in titles) and any(t.startswith("Machine-learning utility") for t in titles)
    assert any(m.label == "Overall quality" for m in at.metric)

    assert len(store.list_artifacts("report")) == 2
    saved = at.selectbox(key="mdg.reports.saved")
    assert len(saved.options) == 2 and "Quality report" in saved.options[0]


def test_the_holdout_can_be_judged_as_synthetic_from_the_page(tmp_path: Path, monkeypatch, penguins: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    """The sanity check the page refused: fresh real rows judged as if synthetic come out safe."""
    db = tmp_path / "mdg.db"
    store = DatasetStore(db)
    train, holdout = split(penguins, 0.5)
    ids = store_generated(store, penguins, copy_generator(train), train, holdout)
    at = _app(db, monkeypatch, ids["synth"])
    at.button_group(key="mdg.reports.kind").set_value("privacy").run()
    at.toggle(key="mdg.reports.holdout_as_b").set_value(True).run()
    at.button(key="mdg.reports.run").click().run()
    done = jobs.wait(store, at.session_state["mdg.reports.job"], timeout_s=300)
    assert done.status == "done", done.error
    assert done.params["b"] == ids["holdout"] and done.result["verdict"] == "good"
    at.run()
    assert not at.exception and not _failures(at)
    assert any("is the holdout of generation run" in _shown(c.value) for c in [*at.caption, *at.markdown, *at.info])
