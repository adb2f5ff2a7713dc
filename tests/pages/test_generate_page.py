"""AppTest for the Generate page: the form, metadata and rules, a background run, compare."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from mdg_core import jobs
from mdg_core.generators import registry
from mdg_core.reports import baselines
from mdg_core.store import DatasetStore

ROOT = Path(__file__).resolve().parents[2]


def _app(db: Path, monkeypatch) -> AppTest:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MDG_DB_PATH", str(db))
    monkeypatch.chdir(ROOT)
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)


def _open_generate(at: AppTest, dataset_id: int) -> AppTest:
    at.session_state["mdg.pending_dataset_id"] = dataset_id
    at.switch_page("pages/generate.py")
    return at.run()


def _generate_on(db: Path, monkeypatch, name: str) -> tuple[AppTest, DatasetStore, int]:  # type: ignore[no-untyped-def]
    """A session opened on Generate with the named sample current (chosen through the URL's ``?ds=``)."""
    _app(db, monkeypatch).run()  # the first run stores the samples
    store = DatasetStore(db)
    dataset_id = next(d.id for d in store.list() if d.name.startswith(name))
    at = _app(db, monkeypatch)
    at.query_params["ds"] = str(dataset_id)
    at.run()
    at.switch_page("pages/generate.py")
    at.run()
    assert not at.exception and at.session_state["mdg.current_dataset_id"] == dataset_id
    return at, store, dataset_id


def test_generate_page_runs_a_job_and_shows_rules_and_results(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "mdg.db"
    at = _app(db, monkeypatch).run()
    store = DatasetStore(db)
    customers = next(d for d in store.list() if d.name.startswith("Customers"))
    at = _open_generate(at, customers.id)
    assert not at.exception, at.exception
    assert at.title[0].value == "Generate"
    assert [t.label for t in at.tabs] == ["Generate", "Metadata & rules", "Runs & models", "Compare generators"]

    # metadata: detected and editable; PII columns proposed
    assert any(b.label == "Save metadata" for b in at.button)
    at.button(key="mdg.generate.meta.save").click()
    at.run()
    saved = store.get(customers.id).meta["generation_metadata"]
    assert saved["primary_key"] == "customer_id" and saved["columns"]["email"]["pii"]
    # rules: the rules the data keeps (the real city ↔ country combination, the date order) are on by default
    toggles = [c for c in at.checkbox if c.key and c.key.startswith(f"mdg.generate.rule.on.{customers.id}.")]
    labels = " ".join(c.label for c in toggles)
    assert "city ↔ country" in labels or "country ↔ city" in labels
    date_order = next(c for c in toggles if "signup_date ≤ last_active" in c.label)
    assert all(c.value for c in toggles)
    assert not (store.get(customers.id).meta or {}).get("generation_rules")  # nothing stored until an edit
    date_order.uncheck()
    at.run()
    assert not at.exception and not at.error
    stored = store.get(customers.id).meta["generation_rules"]
    assert stored and not any(r.get("low") == "signup_date" for r in stored)
    next(c for c in at.checkbox if c.key == date_order.key).check()
    at.run()
    assert any(r.get("low") == "signup_date" for r in store.get(customers.id).meta["generation_rules"])

    # a real background run with the recommended default generator; the test double is not offered
    generator = at.selectbox(key="mdg.generate.generator")
    assert not any("Copy real rows" in o or "copy_rows" in o for o in generator.options) and generator.value == registry.recommended()
    at.number_input(key="mdg.generate.rows").set_value(120)
    at.run()
    at.button(key="mdg.generate.go").click()
    at.run()
    assert not at.exception
    job_id = at.session_state["mdg.generate.job"]
    info = jobs.wait(store, job_id, timeout_s=180)
    assert info.status == "done", info.error
    at.run()
    assert not at.exception
    assert any("done" in s.value for s in at.success)
    assert any(m.label == "Peak memory" for m in at.metric)
    synth = store.get(info.result["output_dataset_id"])
    assert synth.kind == "synthetic" and synth.parent_id == customers.id and synth.n_rows == 120
    assert store.run_for_output(synth.id)["holdout_dataset_id"] is not None
    assert "signup_date ≤ last_active" in {v["rule"] for v in info.result["violations"]}


def test_unavailable_or_bad_input_never_crashes_the_page(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "mdg.db"
    at = _app(db, monkeypatch).run()
    store = DatasetStore(db)
    penguins = next(d for d in store.list() if d.name.startswith("Palmer"))
    at = _open_generate(at, penguins.id)
    assert not at.exception
    # a bad manual rule shows an analyst-readable error
    at.radio(key="mdg.generate.rule.kind").set_value("range")
    at.run()
    at.button(key="mdg.generate.rule.add_manual").click()
    at.run()
    assert not at.exception
    assert any("needs a min or a max" in e.value for e in at.error)
    assert not (store.get(penguins.id).meta or {}).get("generation_rules")


def test_compare_generators_shows_table_and_chart(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "mdg.db"
    at = _app(db, monkeypatch).run()
    store = DatasetStore(db)
    penguins = next(d for d in store.list() if d.name.startswith("Palmer"))
    at = _open_generate(at, penguins.id)
    listed = {g["name"]: g for g in registry.list_generators(check=False)}  # what `generators` in the CLI prints
    assert listed["copy_rows"]["test_only"] and not listed[registry.recommended()]["test_only"]
    picker = at.multiselect(key="mdg.generate.cmp.gens")
    assert not any("Copy real rows" in o or "copy_rows" in o for o in picker.options)  # the test double leaks by design: not an analyst's choice
    assert picker.value[0] == registry.recommended() and registry.BASELINE in picker.value
    picker.set_value([registry.recommended(), "sdv_gaussian_copula"])
    at.run()
    at.button(key="mdg.generate.cmp.go").click()
    at.run()
    assert not at.exception
    info = jobs.wait(store, at.session_state["mdg.generate.compare_job"], timeout_s=240)
    assert info.status == "done", info.error
    at.run()
    assert not at.exception and not at.error
    assert at.get("plotly_chart")
    assert {r["generator"] for r in info.result["results"]} == {registry.recommended(), "sdv_gaussian_copula"}
    chart = at.get("plotly_chart")[0].proto.spec
    assert "Gaussian" in chart and "Bubble size" in chart and "sdv_gaussian_copula" not in chart
    # the comparison's split gets its baselines in the background; then chart and table read against them
    compared_id = info.result["dataset_id"]
    base = jobs.wait(store, at.session_state[f"mdg.generate.cmp.baselines.{compared_id}.0"], timeout_s=300)
    assert base.status == "done", base.error
    at.run()
    assert not at.exception and not at.error
    chart = at.get("plotly_chart")[0].proto.spec
    assert "Real holdout (the ceiling)" in chart and "Independent marginals (baseline)" in chart
    table = next(d.value for d in at.dataframe if "Exact copies" in d.value.columns)
    assert list(table["Generator"])[-3:] == ["Real holdout (the ceiling)", "Independent marginals (baseline)",
                                             "Gaussian copula (baseline)"]
    split = baselines.load_split_baselines(store, compared_id, 0)
    assert split is not None and table["Quality"].iloc[-3] == f"{split['holdout_ceiling']:.1%}"
    compared = {r["generator"]: r for r in info.result["results"]}
    first = table.iloc[0]  # each generator's own numbers are the comparison's (the reports' code)
    assert first["Quality"] == f"{compared[registry.recommended()]['quality']:.1%}"
    assert first["Exact copies"] == f"{compared[registry.recommended()]['exact_copies']:.1%}"
    assert set(table["Verdict"].iloc[:2]) <= {"excellent", "above the ceiling", "good", "weak", "possible copying"}


def test_the_generator_form_survives_a_refresh_in_the_url(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "mdg.db"
    at = _app(db, monkeypatch).run()
    penguins = next(d for d in DatasetStore(db).list() if d.name.startswith("Palmer"))
    at = _open_generate(at, penguins.id)
    at.selectbox(key="mdg.generate.generator").set_value("sdv_ctgan")
    at.run()
    at.number_input(key="mdg.generate.rows").set_value(77)
    at.number_input(key="mdg.generate.param.sdv_ctgan.epochs").set_value(12)
    at.run()
    url = {k: str(at.query_params[k]) for k in ("generator", "rows", "seed", "epochs")}
    assert url == {"generator": "sdv_ctgan", "rows": "77", "seed": "0", "epochs": "12"}

    # a refresh: a new session opened on the same URL
    fresh = _app(db, monkeypatch)
    for k, v in url.items():
        fresh.query_params[k] = v
    fresh.query_params["ds"] = str(penguins.id)
    fresh.run()
    fresh.switch_page("pages/generate.py")
    fresh.run()
    assert not fresh.exception and not fresh.error
    assert fresh.selectbox(key="mdg.generate.generator").value == "sdv_ctgan"
    assert fresh.number_input(key="mdg.generate.rows").value == 77
    assert fresh.number_input(key="mdg.generate.param.sdv_ctgan.epochs").value == 12


def test_sequential_trees_is_preselected_and_runs_with_its_privacy_settings(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    at, store, _ = _generate_on(tmp_path / "mdg.db", monkeypatch, "Palmer")
    box = at.selectbox(key="mdg.generate.generator")
    assert box.value == "sequential_trees"
    assert "recommended" in box.format_func(box.value)
    assert at.number_input(key="mdg.generate.param.sequential_trees.min_samples_leaf").value == 5
    assert at.number_input(key="mdg.generate.param.sequential_trees.smoothing").value == 1.0
    at.number_input(key="mdg.generate.param.sequential_trees.min_samples_leaf").set_value(8)
    at.text_input(key="mdg.generate.param.sequential_trees.column_order").set_value("species, island")
    at.number_input(key="mdg.generate.rows").set_value(150)
    at.run()
    at.button(key="mdg.generate.go").click()
    at.run()
    assert not at.exception
    info = jobs.wait(store, at.session_state["mdg.generate.job"], timeout_s=180)
    assert info.status == "done", info.error
    at.run()
    assert not at.exception and any("done" in s.value for s in at.success)
    run = store.run_for_output(info.result["output_dataset_id"])
    assert run["generator"] == "sequential_trees"
    assert run["params"]["min_samples_leaf"] == 8 and run["params"]["column_order"] == "species, island"
    assert run["params"]["no_copies"] is True and run["params"]["smoothing"] == 1.0
    out = store.load(info.result["output_dataset_id"])
    assert len(out) == 150 and set(out["species"].dropna()) <= {"Adelie", "Chinstrap", "Gentoo"}


def test_a_bad_column_order_is_an_error_on_the_page_not_a_crash(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    at, store, _ = _generate_on(tmp_path / "mdg.db", monkeypatch, "Palmer")
    at.text_input(key="mdg.generate.param.sequential_trees.column_order").set_value("species, wingspan")
    at.number_input(key="mdg.generate.rows").set_value(50)
    at.run()
    at.button(key="mdg.generate.go").click()
    at.run()
    info = jobs.wait(store, at.session_state["mdg.generate.job"], timeout_s=180)
    assert info.status == "failed" and "unknown column(s) wingspan. Modelled columns: species" in info.error
    at.run()
    assert not at.exception
    assert not [d for d in store.list() if d.kind == "synthetic"]


def test_the_estimate_is_shown_before_the_click_and_a_slow_default_gets_a_shorter_choice(
        tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    at, store, dataset_id = _generate_on(tmp_path / "mdg.db", monkeypatch, "Palmer")
    shown = " ".join(c.value for c in at.caption)
    assert "Estimate: a few seconds to fit and sample" in shown and "MB" in shown and "275 training rows" in shown
    assert not any("can take hours" in w.value for w in at.warning)

    # CTGAN at its default 300 epochs: the page says it can take hours, with this table's figure
    at.selectbox(key="mdg.generate.generator").set_value("sdv_ctgan")
    at.run()
    assert not at.exception and not at.error
    warning = next(w.value for w in at.warning if "can take hours on a CPU" in w.value)
    assert "300 epochs" in warning and "about" in warning
    # a census-sized table: the suggestion is a button that sets the epochs input
    big = store.save(pd.concat([store.load(dataset_id)] * 100, ignore_index=True), "penguins × 100", "uploaded")
    at = _app(tmp_path / "mdg.db", monkeypatch)
    at.query_params.update(ds=str(big.id), generator="sdv_ctgan", rows="1000")
    at.run()
    at.switch_page("pages/generate.py")
    at.run()
    assert at.session_state["mdg.current_dataset_id"] == big.id
    warning = next(w.value for w in at.warning if "can take hours on a CPU" in w.value)
    use = next(b for b in at.button if b.key == "mdg.generate.use_suggestion")
    suggested = int(use.label.split()[1].replace(",", ""))
    assert f"Try {suggested:,} epochs" in warning and "time budget" in warning and 1 <= suggested < 300
    use.click()
    at.run()
    assert not at.exception and at.number_input(key="mdg.generate.param.sdv_ctgan.epochs").value == suggested
    assert not any("can take hours" in w.value for w in at.warning)


def test_a_run_shows_its_quality_next_to_the_ceiling_copies_and_baselines(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    at, store, dataset_id = _generate_on(tmp_path / "mdg.db", monkeypatch, "Palmer")
    at.number_input(key="mdg.generate.rows").set_value(200)
    at.run()
    at.button(key="mdg.generate.go").click()
    at.run()
    info = jobs.wait(store, at.session_state["mdg.generate.job"], timeout_s=180)
    assert info.status == "done", info.error
    at.run()  # the run's summary starts scoring it in the background
    synth = info.result["output_dataset_id"]
    scoring = jobs.wait(store, at.session_state[f"mdg.generate.score_job.{synth}"], timeout_s=300)
    assert scoring.status == "done", scoring.error
    at.run()
    assert not at.exception and not at.error
    table = next(d.value for d in at.dataframe if "Exact copies" in d.value.columns)
    names = list(table["Generator"])
    assert names == ["This run: Sequential trees (CART)", "Real holdout (the ceiling)",
                     "Independent marginals (baseline)", "Gaussian copula (baseline)"]
    stored = baselines.load_run_scores(store, synth)
    assert stored is not None  # the page shows the stored numbers, the Quality report's own
    assert table["Quality"].iloc[0] == f"{stored['own']['quality']:.1%}"
    assert table["Quality"].iloc[1] == f"{stored['split']['holdout_ceiling']:.1%}"
    assert table["Exact copies"].iloc[0] == "0.0%" and stored["own"]["exact_copies"] == 0.0
    assert table["Closer to training"].iloc[1] == "—"  # the holdout is not compared with itself
    banner = " ".join(m.value for m in [*at.success, *at.info, *at.warning, *at.error])
    assert f"**{stored['verdict'].capitalize()}.**" in banner and stored["verdict"] != "possible copying"
