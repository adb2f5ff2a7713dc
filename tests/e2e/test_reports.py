"""Browser journey, reports: run a privacy report on a copying 'generator', see it flagged risky,
drop the risky rows into a new version, re-run, and download the self-contained HTML export."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.e2e.harness import select_dataset, shot, tall_shot, wait_idle
from tests.reports.conftest import (
    ROOT,
    copy_generator,
    independent_generator,
    split,
    store_generated,
)

pytestmark = pytest.mark.e2e


def _open_reports(page) -> None:  # type: ignore[no-untyped-def]
    page.locator("[data-testid='stSidebarNav'] a[href$='/reports']").first.click()
    wait_idle(page)
    page.get_by_role("heading", name="Reports").first.wait_for()


def _choose_report(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.locator("[data-testid='stButtonGroup'] button").filter(has_text=name).first.click()
    wait_idle(page)


def _wait_report(page, text: str, timeout_ms: int = 180_000) -> None:  # type: ignore[no-untyped-def]
    page.get_by_text(text).first.wait_for(timeout=timeout_ms)
    wait_idle(page)


def test_privacy_report_flags_copies_and_drop_rerun(page, workbench, tmp_path):  # type: ignore[no-untyped-def]
    customers = pd.read_csv(ROOT / "data" / "customers.csv")
    train, holdout = split(customers, 0.6)
    synth = pd.concat([copy_generator(train).head(60), independent_generator(train, 240)], ignore_index=True)
    ids = store_generated(workbench.store, customers, synth, train, holdout, name="e2e leaky synth")
    page.reload()
    wait_idle(page)
    select_dataset(page, "e2e leaky synth ·")
    _open_reports(page)
    _choose_report(page, "Privacy")
    wait_idle(page)
    page.get_by_role("button", name="Run report").click()
    _wait_report(page, "Distance to closest record")
    body = page.locator("[data-testid='stMain']").inner_text()
    assert "RISKY" in body and "exact copies of training rows" in body and "20.0 %" in body
    tall_shot(page, "50_reports_privacy_risky", height=4200)

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download HTML report").first.click()
    target = tmp_path / "privacy.html"
    download_info.value.save_as(str(target))
    html = target.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "Distance to closest record" in html
    export = page.context.new_page()  # the export opens offline, charts included
    requests: list[str] = []
    export.on("request", lambda r: requests.append(r.url))
    export.goto(target.as_uri())
    export.wait_for_selector(".js-plotly-plot")
    assert not [u for u in requests if u.startswith("http")]
    shot(export, "52_reports_html_export")
    export.close()

    page.get_by_role("button", name="Drop risky rows and re-run").first.click()
    _wait_report(page, "Dropped")
    wait_idle(page)
    versions = [d for d in workbench.store.list() if d.parent_id == ids["synth"]]
    assert len(versions) == 1 and versions[0].n_rows <= 240
    body = page.locator("[data-testid='stMain']").inner_text()
    assert "0.0 % of synthetic rows are exact copies" in body
    tall_shot(page, "51_reports_privacy_after_drop", height=4200)


def test_quality_and_drift_reports_render_charts(page, workbench):  # type: ignore[no-untyped-def]
    penguins = pd.read_csv(ROOT / "data" / "penguins.csv")
    train, holdout = split(penguins, 0.7)
    store_generated(workbench.store, penguins, independent_generator(train), train, holdout, name="e2e shuffled")
    page.reload()
    wait_idle(page)
    select_dataset(page, "e2e shuffled ·")
    _open_reports(page)
    page.get_by_role("button", name="Run report").click()
    _wait_report(page, "Quality: #")
    page.wait_for_selector(".js-plotly-plot", timeout=30_000)
    assert page.locator(".js-plotly-plot").count() >= 4
    tall_shot(page, "53_reports_quality", height=4200)
    _choose_report(page, "Drift")
    wait_idle(page)
    page.get_by_role("button", name="Run report").click()
    _wait_report(page, "Drift: #")
    body = page.locator("[data-testid='stMain']").inner_text()
    assert "classifier tells the two apart" in body
    tall_shot(page, "54_reports_drift", height=4200)


def test_default_pairing_is_the_real_data_and_its_newest_synthetic(page, workbench):  # type: ignore[no-untyped-def]
    penguins = pd.read_csv(ROOT / "data" / "penguins.csv")
    train, _ = split(penguins, 0.7)
    store = workbench.store
    real = store.save(penguins, "e2e pairing penguins")
    store.save(copy_generator(train), "e2e pairing older synth", "synthetic", parent_id=real.id)
    newest = store.save(independent_generator(train), "e2e pairing newest synth", "synthetic", parent_id=real.id)
    other = store.save(pd.read_csv(ROOT / "data" / "customers.csv"), "e2e pairing customers")  # unrelated, newer
    page.reload()
    wait_idle(page)
    select_dataset(page, "e2e pairing penguins ·")
    _open_reports(page)
    boxes = page.locator("[data-testid='stMain'] [data-testid='stSelectbox']")
    assert f"#{real.id} · e2e pairing penguins" in boxes.nth(0).locator("input").first.input_value()
    assert f"#{newest.id} · e2e pairing newest synth" in boxes.nth(1).locator("input").first.input_value()
    body = page.locator("[data-testid='stMain']").inner_text()
    assert "unrelated" not in body and "No report for this choice yet" in body
    page.get_by_role("button", name="Run report").click()
    _wait_report(page, "Quality: #")
    shot(page, "55_reports_default_pairing", full_page=False)
    assert f"Quality report: #{newest.id} vs #{real.id}" in page.locator("[data-testid='stMain']").inner_text()

    select_dataset(page, "e2e pairing customers ·")  # a real table with no synthetic data yet
    body = page.locator("[data-testid='stMain']").inner_text()
    assert "generate one first" in body and f"#{newest.id} vs #{real.id}" not in body  # no stale result
    assert f"#{other.id} · e2e pairing customers" in boxes.nth(0).locator("input").first.input_value()  # shown too
    assert not boxes.nth(1).locator("input").first.input_value()
    shot(page, "56_reports_generate_first", full_page=False)
