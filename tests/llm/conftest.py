"""Fixtures for the LLM tests: example sets, and one thread for llama.cpp.

One thread keeps these tests quick on a shared CI machine (llama.cpp's spinning thread barrier
collapses when its threads compete with other processes); results do not depend on it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

USERS: list[dict[str, Any]] = [
    {"id": "user-001", "name": "Alice Smith", "email": "alice.smith@example.com", "age": 34,
     "address": {"city": "Paris", "country": "FR"}, "plan": "pro"},
    {"id": "user-002", "name": "Bob Jones", "email": "bob.jones@example.org", "age": 51,
     "address": {"city": "Berlin", "country": "DE"}, "plan": "free"},
    {"id": "user-003", "name": "Chen Wei", "email": "chen.wei@mail.cn", "age": 27,
     "address": {"city": "Shanghai", "country": "CN"}, "plan": "team"},
    {"id": "user-004", "name": "Maria Garcia", "email": "mgarcia@corp.es", "age": 45,
     "address": {"city": "Madrid", "country": "ES"}, "plan": "pro"},
    {"id": "user-005", "name": "John Miller", "email": "john.miller@example.com", "age": 62,
     "address": {"city": "Chicago", "country": "US"}, "plan": "free"},
]


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
