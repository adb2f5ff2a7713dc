"""Browser journey, generation: add a suggested rule, generate synthetic rows in the background with
the recommended generator (sequential trees), watch real progress, read the run's figures and rule
counts, open the result; the sequential-tree form with its privacy settings."""

from __future__ import annotations

import re

import pytest

from mdg_core import jobs
from mdg_core.reports import baselines
from tests.e2e.harness import select_dataset, shot, tall_shot, wait_idle

pytestmark = pytest.mark.e2e


def _open_generate(page) -> None:  # type: ignore[no-untyped-def]
    page.locator("[data-testid='stSidebarNav'] a[href$='/generate']").first.click()
    wait_idle(page)
    page.get_by_role("heading", name="Generate").first.wait_for()


def test_generate_with_a_rule_in_the_background(page, workbench):  # type: ignore[no-untyped-def]
    store = workbench.store
    customers = next(d for d in store.list() if d.name.startswith("Customers"))
    select_dataset(page, "Customers")
    _open_generate(page)

    page.get_by_role("tab", name="Metadata & rules").click()
    wait_idle(page)
    # the rules the real data keeps are on by default: nothing to click
    toggle = page.locator("[data-testid='stCheckbox']").filter(has_text="signup_date ≤ last_active").first
    toggle.wait_for()
    assert toggle.locator("input").is_checked()
    assert not (store.get(customers.id).meta or {}).get("generation_rules")
    page.get_by_role("tab", name="Metadata & rules").click()
    wait_idle(page)
    tall_shot(page, "20_generate_metadata_rules")

    page.get_by_role("tab", name="Generate").click()
    wait_idle(page)
    rows = page.get_by_label("Rows to generate")
    rows.fill("300")
    rows.press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="Generate", exact=True).click()
    page.get_by_text("Elapsed").first.wait_for(timeout=60_000)
    shot(page, "21_generate_running", full_page=False)
    page.get_by_text("done in").first.wait_for(timeout=300_000)
    wait_idle(page)
    main = page.locator("[data-testid='stMain']")
    main.get_by_text("Peak memory").first.wait_for()  # the page reruns when the run's scoring (background) ends
    main.get_by_text("signup_date ≤ last_active").first.wait_for()
    tall_shot(page, "22_generate_done")

    # a refresh keeps the form (generator, rows) from the URL
    assert "rows=300" in page.url
    page.reload()
    wait_idle(page)
    page.get_by_role("heading", name="Generate").first.wait_for()
    page.get_by_label("Rows to generate").wait_for()
    wait_idle(page)
    shot(page, "24_generate_after_refresh", full_page=False)
    assert page.get_by_label("Rows to generate").input_value() == "300", page.url

    done = jobs.list_jobs(store, kinds=["generate"], limit=1)[0]
    assert done.status == "done"
    synth = store.get(done.result["output_dataset_id"])
    assert synth.kind == "synthetic" and synth.parent_id == customers.id and synth.n_rows == 300
    frame = store.load(synth.id)
    assert (frame["signup_date"] <= frame["last_active"]).all()


def test_generator_form_reads_in_words(page, workbench):  # type: ignore[no-untyped-def]
    """Each generator's parameters carry their own labels from the core registry."""
    real = next(d for d in workbench.store.list() if d.name.startswith("Customers") and d.parent_id is None)
    select_dataset(page, f"#{real.id} ·")
    _open_generate(page)
    page.locator("[data-testid='stMain'] [data-testid='stSelectbox']").first.click()
    page.get_by_role("option").filter(has_text="TabDDPM").first.click()
    wait_idle(page)
    main = page.locator("[data-testid='stMain']")
    for label in ("Training steps", "Diffusion steps", "Batch size"):
        main.get_by_text(label, exact=True).first.wait_for()
    shot(page, "23_generate_ddpm_form", full_page=False)


def test_sequential_trees_are_preselected_and_run_from_the_page(page, workbench):  # type: ignore[no-untyped-def]
    """The recommended generator is chosen without a click; its privacy settings are in the form."""
    store = workbench.store
    select_dataset(page, "Palmer penguins (sample) · uploaded")  # the first page load stored the samples
    penguins = next(d for d in store.list() if d.name.startswith("Palmer") and d.parent_id is None)
    _open_generate(page)
    main = page.locator("[data-testid='stMain']")
    chosen = page.get_by_role("combobox", name="Generator").input_value()
    assert chosen == "Sequential trees (CART) · scikit-learn (sequential_trees) — recommended", chosen
    for label in ("Minimum real rows per leaf", "Smoothing of numbers", "Never copy a training row", "Column order"):
        main.get_by_text(label, exact=True).first.wait_for()
    assert "Estimate: a few seconds to fit and sample" in main.inner_text()  # before the click, from the shape
    order = page.get_by_role("textbox", name="Column order")
    order.fill("species, island")
    order.press("Enter")
    rows = page.get_by_label("Rows to generate")
    rows.fill("250")
    rows.press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="Generate", exact=True).click()
    page.get_by_text("done in").first.wait_for(timeout=300_000)
    wait_idle(page)
    # the page reruns when the background scoring below ends: wait for the text rather than read it once
    main.get_by_text("Peak memory").first.wait_for()
    # the run is then scored as the reports score it, next to the ceiling and the baselines
    main.get_by_text("How good is it, honestly?").first.wait_for()
    banner = main.locator("[data-testid='stAlert']").filter(has_text=re.compile(r"Quality \d+\.\d%"))
    banner.first.wait_for(timeout=300_000)
    wait_idle(page)
    tall_shot(page, "25_generate_sequential_trees_done", height=2000)

    done = jobs.list_jobs(store, kinds=["generate"], limit=1)[0]
    assert done.status == "done"
    run = store.run_for_output(done.result["output_dataset_id"])
    assert run["generator"] == "sequential_trees" and run["dataset_id"] == penguins.id
    assert run["params"]["column_order"] == "species, island" and run["params"]["no_copies"] is True
    out = store.load(done.result["output_dataset_id"])
    assert len(out) == 250 and set(out["species"].dropna()) <= {"Adelie", "Chinstrap", "Gentoo"}
    scored = baselines.load_run_scores(store, done.result["output_dataset_id"])
    assert scored is not None and scored["verdict"] != "possible copying"
    assert scored["verdict"].capitalize() + "." in banner.first.inner_text()


def test_a_slow_neural_default_is_announced_before_the_click(page, workbench):  # type: ignore[no-untyped-def]
    """CTGAN at its default 300 epochs: the time, the hours warning and a shorter choice, before any run."""
    select_dataset(page, "Palmer penguins (sample) · uploaded")
    _open_generate(page)
    page.locator("[data-testid='stMain'] [data-testid='stSelectbox']").first.click()
    page.get_by_role("option").filter(has_text="(sdv_ctgan)").first.click()
    wait_idle(page)
    main = page.locator("[data-testid='stMain']")
    warning = main.locator("[data-testid='stAlert']").filter(has_text="can take hours on a CPU").first
    warning.wait_for()
    assert "300 epochs" in warning.inner_text()
    assert "Estimate:" in main.inner_text() and "300 epochs" in main.inner_text()
    shot(page, "26_generate_ctgan_estimate", full_page=False)


def test_compare_generators_reads_quality_against_the_ceiling_and_baselines(page, workbench):  # type: ignore[no-untyped-def]
    store = workbench.store
    select_dataset(page, "Palmer penguins (sample) · uploaded")
    penguins = next(d for d in store.list() if d.name.startswith("Palmer") and d.parent_id is None)
    _open_generate(page)
    page.get_by_role("tab", name="Compare generators").click()
    wait_idle(page)
    main = page.locator("[data-testid='stMain']")
    main.get_by_text(re.compile(r"Estimate: .* in all")).first.wait_for()
    page.get_by_role("button", name="Compare", exact=True).click()
    page.get_by_text("Comparing").first.wait_for(timeout=60_000)
    main.locator("[data-testid='stPlotlyChart']").first.wait_for(timeout=400_000)
    # the split's baselines follow in the background and join the chart as lines
    main.locator("[data-testid='stPlotlyChart']").filter(has_text="Independent marginals (baseline)").first.wait_for(
        timeout=300_000)
    wait_idle(page)
    chart = main.locator("[data-testid='stPlotlyChart']").first.inner_text()
    assert "Real holdout (the ceiling)" in chart and "Bubble size" in chart and "sdv_" not in chart
    assert "Sequential trees (CART)" in chart
    tall_shot(page, "27_generate_compare", height=1800)
    assert baselines.load_split_baselines(store, penguins.id, 0) is not None
