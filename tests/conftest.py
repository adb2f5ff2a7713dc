"""Shared fixtures: a fresh store per test, and the network switched off for every test."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
# llama.cpp slows down sharply when its threads compete with other work on 2 cores
os.environ.setdefault("MDG_LLM_THREADS", "1")

from mdg_core.store import DatasetStore  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: object) -> object:
    """Tests must pass with no network: only loopback and local sockets are allowed."""
    host = address[0] if isinstance(address, tuple) else None
    if host is not None and host not in ("127.0.0.1", "localhost", "::1", "0.0.0.0"):
        raise OSError(f"network access blocked in tests: {address}")
    return _real_connect(self, address)


socket.socket.connect = _guarded_connect  # type: ignore[method-assign]


@pytest.fixture()
def store(tmp_path: Path) -> Iterator[DatasetStore]:
    yield DatasetStore(tmp_path / "mdg.db")


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MDG_DB_PATH", str(tmp_path / "mdg.db"))
    monkeypatch.setenv("MDG_ARTIFACT_KEY_FILE", str(tmp_path / "artifact.key"))  # never the user's own key
