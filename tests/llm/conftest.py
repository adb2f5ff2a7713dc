"""Fixtures for the LLM tests: example sets, and one thread for llama.cpp.

One thread keeps these tests quick on a shared CI machine (llama.cpp's spinning thread barrier
collapses when its threads compete with other processes); results do not depend on it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mdg_core.llm.examples import load_example_records

USERS: list[dict[str, Any]] = load_example_records()


@pytest.fixture(autouse=True)
def _one_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MDG_LLM_THREADS", "1")


@pytest.fixture()
def users() -> list[dict[str, Any]]:
    return json.loads(json.dumps(USERS))


@pytest.fixture()
def users_file(tmp_path: Path) -> Path:
    path = tmp_path / "users.json"
    path.write_text(json.dumps(USERS), encoding="utf-8")
    return path
