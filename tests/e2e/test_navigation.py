"""Navigation a demo relies on: a deep link on a fresh server, and a refresh that keeps the current dataset."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import VIEWPORT, running_workbench
from tests.e2e.harness import QUIET_WATCH, reload, select_dataset, shot, wait_idle

pytestmark = pytest.mark.e2e


def _new_page(browser: Any) -> Any:
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(60_000)
    context.add_init_script(QUIET_WATCH)
    return context.new_page()


def test_a_deep_link_on_a_fresh_server_shows_the_app(browser: Any, tmp_path: Path) -> None:
    with running_workbench(tmp_path) as bench:
        page = _new_page(browser)
        page.goto(f"{bench.base_url}/generate")
        wait_idle(page)
        page.get_by_role("heading", name="Generate").first.wait_for()
        nav = page.locator("[data-testid='stSidebarNav']")
        assert nav.get_by_text("Prepare").is_visible()  # app.py's sections, not the raw file list
        assert not nav.locator("a[href$='/app']").count()
        assert page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").count() == 1
        shot(page, "60_deep_link_fresh_server", full_page=False)
        page.context.close()


def test_a_refresh_keeps_the_current_dataset(page: Any, workbench: Any) -> None:
    import pandas as pd

    older = workbench.store.save(pd.DataFrame({"x": [1, 2, 3]}), "refresh-older")
    workbench.store.save(pd.DataFrame({"y": [1.5]}), "refresh-newer")
    reload(page)
    select_dataset(page, "refresh-older ·")
    page.locator("[data-testid='stSidebarNav'] a[href$='/profile']").first.click()
    wait_idle(page)
    assert f"ds={older.id}" in page.url
    reload(page)
    page.get_by_role("heading", name="Profile").first.wait_for()
    box = page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").first
    shown = box.inner_text() + " " + " ".join(box.locator("input").evaluate_all("els => els.map(e => e.value)"))
    assert "refresh-older" in shown, shown
    shot(page, "61_refresh_keeps_dataset", full_page=False)
