"""Small helpers for browser steps (see ``tests/e2e/conftest.py``)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "artifacts" / "screenshots"


# Installed in every page before the app loads (see conftest): the time of the last DOM change, so
# that waits can ask "has the app been quiet for a moment?" instead of sleeping a fixed time.
QUIET_WATCH = """
window.__mdgLastChange = performance.now();
new MutationObserver(() => { window.__mdgLastChange = performance.now(); })
  .observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
"""
_IDLE = """(quietMs) => {
  const app = document.querySelector("[data-testid='stApp']");
  if (!app || app.dataset.testConnectionState !== 'CONNECTED') return false;
  if (app.dataset.testScriptState !== 'notRunning') return false;
  if (document.querySelector("[data-stale='true']")) return false;
  return performance.now() - (window.__mdgLastChange || 0) >= quietMs;
}"""


def wait_idle(page: Any, timeout_ms: int = 60_000, quiet_ms: int = 250) -> None:
    """Wait until the app is connected, its script has finished, nothing on screen is stale and the DOM
    has been still for ``quiet_ms`` (conditions polled in the browser; no fixed sleep)."""
    page.wait_for_function(_IDLE, arg=quiet_ms, timeout=timeout_ms, polling=50)


def settle(page: Any) -> None:
    """After a viewport change: wait for two animation frames and the app to be quiet again."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    wait_idle(page)


def tall_shot(page: Any, name: str, height: int = 2200) -> Path:
    """Streamlit scrolls inside its main block, so a tall viewport is what captures a long page."""
    size = page.viewport_size
    page.set_viewport_size({"width": 1440, "height": height})
    settle(page)
    path = shot(page, name, full_page=False)
    page.set_viewport_size(size)
    settle(page)
    return path


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
