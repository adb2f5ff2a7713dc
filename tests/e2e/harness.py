"""Small helpers for browser steps (see ``tests/e2e/conftest.py``)."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "screenshots"


def wait_idle(page: Any, timeout_ms: int = 60_000) -> None:
    """Wait until the app is connected and its script has finished running (Streamlit's e2e idiom)."""
    page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']",
                           timeout=timeout_ms)
    time.sleep(0.2)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']",
                           timeout=timeout_ms)
    page.wait_for_timeout(300)


def goto(page: Any, title: str) -> None:
    """Open a page through the sidebar navigation, by its title."""
    # a link's text also holds its Material icon's name ("query_stats Profile"): match the end
    page.locator("[data-testid='stSidebarNav'] a").filter(
        has_text=re.compile(rf"(^|\s){re.escape(title)}\s*$")
    ).first.click()
    wait_idle(page)


def shot(page: Any, name: str, full_page: bool = True) -> Path:
    """Save a screenshot under artifacts/screenshots/ and return its path."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def select_dataset(page: Any, label_part: str) -> None:
    """Choose the current dataset in the sidebar by part of its label."""
    box = page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").first
    box.click()
    page.get_by_role("option").filter(has_text=label_part).first.click()
    wait_idle(page)


def reload(page: Any) -> None:
    page.reload()
    wait_idle(page)
