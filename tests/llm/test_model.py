"""Model management: GGUF metadata, a clear error for missing or broken files, one load per process."""

from __future__ import annotations

import struct
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
    # the header's generated name is "Smollm2 135M 8k Lc100K Mix1 Ep2"; the file keeps the real spelling
    assert info.name == "SmolLM2 135M Instruct (Q4_1)"
    assert info.size_label == "94 MB"  # whole megabytes


def _gguf(path: Path, **meta: str | int) -> Path:
    """A GGUF file with only a header (strings and uint32 values): enough for ``model_info``."""
    def text(value: str) -> bytes:
        return struct.pack("<Q", len(value.encode())) + value.encode()

    body = b"GGUF" + struct.pack("<IQQ", 3, 0, len(meta))
    for key, value in meta.items():
        body += text(key) + (struct.pack("<I", 8) + text(value) if isinstance(value, str)
                             else struct.pack("<II", 4, value))
    path.write_bytes(body)
    return path


def test_model_name_reads_like_its_publishers_name(tmp_path: Path) -> None:
    """A generic file name gives way to the header's name; a slug in the header to the file name."""
    generic = _gguf(tmp_path / "ggml-model-q4_0.gguf", **{
        "general.name": "Meta Llama 3.1 8B Instruct", "general.basename": "Meta-Llama-3.1",
        "general.architecture": "llama", "llama.context_length": 131072, "general.file_type": 15})
    info = model_info(generic)
    assert info.name == "Meta Llama 3.1 8B Instruct (Q4_K_M)" and info.context_length == 131072
    slug = _gguf(tmp_path / "mistral-7b-instruct-v0.2.Q5_K_M.gguf",
                 **{"general.name": "mistralai_mistral-7b-instruct-v0.2"})
    assert model_info(slug).name == "mistral 7b instruct v0.2 (Q5_K_M)"
    assert model_info(_gguf(tmp_path / "plain.gguf")).name == "plain"


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


def test_settings_page_shows_the_readable_name_whole_megabytes_and_auto_threads(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.llm.test_pages import _app

    at = _app(tmp_path / "mdg.db", monkeypatch, "pages/settings.py")
    assert not at.exception
    assert any("SmolLM2 135M Instruct (Q4_1)" in m.value for m in at.markdown)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["File size"] == "94 MB" and metrics["Context in use"] == "4,096 tokens"
    assert [k for k in metrics if "context" in k.lower()] == ["Context in use"]  # one context length
    threads = next(s for s in at.selectbox if s.label == "llama.cpp threads")
    assert threads.format_func(0).startswith("auto")
