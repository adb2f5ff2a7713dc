"""Model management: GGUF metadata, a clear error for missing or broken files, one load per process."""

from __future__ import annotations

from pathlib import Path

import pytest

from mdg_core.config import default_gguf_model_path, load_settings
from mdg_core.errors import ModelLoadError
from mdg_core.llm.model import load_model, model_info


def test_default_model_ships_and_reports_its_metadata() -> None:
    path = default_gguf_model_path()
    assert path is not None and path.name.endswith(".gguf")
    info = model_info()
    assert info.path == str(path)
    assert "135M" in (info.parameters or "") and info.context_length == 8192
    assert info.size_bytes > 50_000_000 and info.size_label.endswith("MB")


def test_missing_folder_and_broken_files_give_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="does not exist"):
        model_info(tmp_path / "nope.gguf")
    with pytest.raises(ModelLoadError, match="folder"):
        model_info(tmp_path)
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"this is not a model")
    with pytest.raises(ModelLoadError, match="not a GGUF"):
        model_info(bad)
    truncated = tmp_path / "truncated.gguf"
    truncated.write_bytes(default_gguf_model_path().read_bytes()[:2000])  # type: ignore[union-attr]
    with pytest.raises(ModelLoadError, match="damaged or truncated"):
        load_model(truncated)


def test_env_setting_chooses_the_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MDG_GGUF_MODEL_PATH", str(tmp_path / "other.gguf"))
    assert load_settings().resolved_model_path == tmp_path / "other.gguf"
    with pytest.raises(ModelLoadError, match="MDG_GGUF_MODEL_PATH"):
        load_model()


def test_model_is_loaded_once_with_the_configured_threads() -> None:
    first = load_model()
    assert load_model() is first
    assert first.threads == load_settings().threads == 1  # tests pin one thread (conftest)
