"""Browser-test harness: a real ``streamlit run app.py`` and Debian's Chromium driven by Playwright.

Fixtures:
- ``workbench``: the running app (session-wide): ``base_url``, ``db_path`` and a ``store`` on the
  same database, so a test can prepare data through the core before acting in the browser.
- ``page``: a fresh Playwright page (1440×1000) opened on the app and waited until idle.

Helpers (import from ``tests.e2e.harness``): ``wait_idle(page)``, ``goto(page, "Profile")``,
``shot(page, "name")`` (saves ``artifacts/screenshots/name.png``), ``select_dataset(page, label)``.
Adding a step to the journey is one test function using these.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from mdg_core.store import DatasetStore

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("MDG_CHROMIUM", "/usr/bin/chromium")
VIEWPORT = {"width": 1440, "height": 1000}
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
    "--disable-dev-shm-usage",
]


@dataclass
class Workbench:
    base_url: str
    db_path: Path
    store: DatasetStore
    process: subprocess.Popen[bytes]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout_s: float = 90.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited early with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("streamlit did not become healthy in time")


@contextmanager
def running_workbench(data_dir: Path) -> Iterator[Workbench]:
    """``streamlit run app.py`` on a free port over ``data_dir/mdg.db``, as ``make run`` starts it."""
    db_path = data_dir / "mdg.db"
    port = _free_port()
    env = dict(os.environ, MDG_DB_PATH=str(db_path), TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS="")
    with open(data_dir / "streamlit.log", "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true",
             "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(url, proc)
            yield Workbench(url, db_path, DatasetStore(db_path), proc)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="session")
def workbench(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workbench]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium (make test does).")
    data_dir = tmp_path_factory.mktemp("e2e-data")
    try:
        with running_workbench(data_dir) as bench:
            yield bench
    finally:
        shutil.copy(data_dir / "streamlit.log", _artifacts() / "streamlit.log")


def _artifacts() -> Path:
    path = ROOT / "artifacts" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture()
def page(workbench: Workbench, browser: object) -> Iterator[object]:
    from tests.e2e.harness import QUIET_WATCH, wait_idle

    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)  # type: ignore[attr-defined]
    context.set_default_timeout(30_000)
    context.add_init_script(QUIET_WATCH)
    pg = context.new_page()
    pg.goto(workbench.base_url)
    wait_idle(pg)
    yield pg
    context.close()
