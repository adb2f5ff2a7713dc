"""In Chromium: names and cells from data stay text everywhere, and an embedded report cannot reach the app.

Payloads: a column name and cells with an event handler that would set a global flag, and names in
Markdown image syntax pointing at a host the test watches. Nothing may run, no attribute may be
injected and no request may go to that host, on the app's pages and inside the embedded report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from mdg_core import jobs
from mdg_core.profiling import report_job
from tests.e2e.harness import select_dataset, shot, wait_idle

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
PROBE = "mdg-probe.invalid"
HANDLER = "\"'><img src=x onerror=\"window.__xss='{}'\">"
REPORT_FRAME = "iframe[title*='ydata-profiling report']"
CHECK = """() => [window.__xss || null, document.querySelectorAll('[onerror], [onload]').length,
                 document.querySelectorAll('img[src^="http"]').length, !!document.body.dataset.pwned]"""


def _open(page: Any, url_path: str) -> None:
    page.locator(f"[data-testid='stSidebarNav'] a[href$='/{url_path}']").first.click()
    wait_idle(page)


def _watch(page: Any) -> list[Any]:
    requests: list[Any] = []
    page.context.on("request", lambda r: requests.append(r))
    return requests


def _assert_nothing_ran(page: Any, requests: list[Any], markup_expected: bool = False) -> None:
    """No flag set and no request sent to the probe host in any frame; no element from data unless expected.

    A request the page's Content-Security-Policy blocked is reported by the browser with the failure
    "csp" and never leaves it; every other one counts."""
    for frame in page.frames:
        flag, handlers, remote_images, pwned = frame.evaluate(CHECK)
        assert flag is None and not pwned, frame.url
        assert markup_expected or (handlers, remote_images) == (0, 0), frame.url
    tried = [r for r in requests if PROBE in r.url or r.url.endswith("/x")]
    assert [r.url for r in tried if r.failure != "csp"] == []


def _open_minimal_report(page: Any) -> Any:
    _open(page, "profile")
    page.get_by_role("tab", name="Full report").click()
    wait_idle(page)
    page.get_by_text("minimal", exact=True).first.click()
    wait_idle(page)
    page.locator(REPORT_FRAME).wait_for(timeout=60_000)
    inner = page.frame_locator(REPORT_FRAME).locator("iframe")
    inner.wait_for()
    assert inner.get_attribute("sandbox") == "allow-scripts"  # no allow-same-origin: an opaque origin
    wait_idle(page)
    return page.frame_locator(REPORT_FRAME).frame_locator("iframe")


def test_payload_names_and_cells_show_as_text(page, workbench):  # type: ignore[no-untyped-def]
    requests = _watch(page)
    df = pd.read_csv(ROOT / "data" / "penguins.csv").head(80)
    df["island"] = df["island"].where(df.index % 4 > 0, HANDLER.format("cell"))
    df[f"![c](http://{PROBE}/c.png)"] = "same"  # a constant column: the overview warns about it by name
    df = df.rename(columns={"species": HANDLER.format("column") + "species"})
    name = f"{HANDLER.format('name')} ![d](http://{PROBE}/d.png)"
    info = workbench.store.save(df, name)
    jobs.run_inline(workbench.store, "profile_report", {"dataset_id": info.id, "mode": "minimal"})
    page.reload()
    wait_idle(page)
    select_dataset(page, f"{PROBE}/d.png")  # the Data page, the default one, shows the current dataset
    heading = page.locator("[data-testid='stHeading']").filter(has_text=f"![d](http://{PROBE}/d.png)")
    heading.first.wait_for()  # the Markdown and the markup are shown as written, not rendered
    assert HANDLER.format("name") in heading.first.inner_text()
    _open(page, "profile")
    page.locator("[data-testid='stPlotlyChart']").first.wait_for()
    warning = page.locator("[data-testid='stMarkdownContainer']").filter(has_text=f"![c](http://{PROBE}/c.png)")
    warning.first.wait_for()
    report = _open_minimal_report(page)
    report.locator("p.item-header").first.wait_for(state="attached")
    titles = report.locator("p.item-header").evaluate_all("els => els.map(e => e.getAttribute('title'))")
    assert HANDLER.format("column") + "species" in titles  # the whole name, inside its attribute
    assert report.locator("body").evaluate("() => typeof bootstrap") == "object"  # the report's own scripts run
    shot(page, "security_payload_names", full_page=False)
    _assert_nothing_ran(page, requests)


FOREIGN_REPORT = f"""<!DOCTYPE html><html><body><p id=shown>stored elsewhere</p>
<img src=x onerror="window.__xss='handler'">
<script>window.__xss = 'script'; try {{ parent.parent.document.body.dataset.pwned = 1 }} catch (e) {{}}</script>
<img src="http://{PROBE}/foreign.png"></body></html>"""


def test_a_report_from_another_database_cannot_reach_the_app(page, workbench):  # type: ignore[no-untyped-def]
    """Defence in depth: HTML that never went through our escaping (a handed-over database) is contained."""
    requests = _watch(page)
    info = workbench.store.save(pd.read_csv(ROOT / "data" / "penguins.csv").head(20), "foreign-report")
    workbench.store.put_artifact(report_job.REPORT_ARTIFACT, report_job.report_key(info.id, "minimal"),
                                 FOREIGN_REPORT.encode("utf-8"), dataset_id=info.id, summary={"mode": "minimal"})
    page.reload()
    wait_idle(page)
    select_dataset(page, "foreign-report ·")
    report = _open_minimal_report(page)
    report.locator("#shown").wait_for()
    assert report.locator("head > meta[http-equiv='Content-Security-Policy']").count() >= 1
    _assert_nothing_ran(page, requests, markup_expected=True)  # the markup is there, and contained


def test_an_exported_report_draws_its_figures_under_its_policy(browser, tmp_path):  # type: ignore[no-untyped-def]
    """The exported file runs plotly.js and its loader, nothing else, and shows data as text."""
    import json

    import plotly.express as px

    from mdg_core.reports.html import render

    df = pd.read_csv(ROOT / "data" / "penguins.csv").rename(columns={"species": HANDLER.format("figure")})
    figure = json.loads(px.histogram(df, x=HANDLER.format("figure"), color="island", title=HANDLER.format("title"))
                        .to_json())
    report = {"title": HANDLER.format("report"), "verdict": "review", "created_at": "today", "seconds": 1.0,
              "datasets": {"real": f"![d](http://{PROBE}/d.png)"}, "notes": [],
              "sections": [{"title": "Drift", "verdict": "review", "reasons": [HANDLER.format("reason")],
                            "metrics": {}, "tables": {"rows": [{HANDLER.format("key"): HANDLER.format("cell")}]},
                            "figures": [figure, figure]}]}
    path = tmp_path / "report.html"
    path.write_text(render(report), encoding="utf-8")
    context = browser.new_context()
    page = context.new_page()
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text))
    page.on("pageerror", lambda e: messages.append(str(e)))
    requests = _watch(page)
    page.goto(path.as_uri())
    page.wait_for_function("() => document.querySelectorAll('.main-svg').length >= 2", timeout=30_000)
    assert page.get_by_text(HANDLER.format("cell")).count() == 1
    _assert_nothing_ran(page, requests)
    assert [m for m in messages if "Content Security Policy" in m or "Error" in m] == []
    context.close()
