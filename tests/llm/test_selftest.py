"""The model test that doctor and Settings run: a real decode in a child process, crashes named."""

from __future__ import annotations

import pytest

from mdg_core.llm.selftest import TEST_CRASH_ENV, probe_model


def test_a_real_decode_reports_its_speed() -> None:
    result = probe_model()
    assert result.ok, result.error
    assert result.prompt_tokens > 10 and result.generated_tokens > 0
    assert result.tokens_per_s > 0 and result.prompt_tokens_per_s > 0
    assert "tokens/s" in result.summary()


def test_a_crash_of_the_model_process_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TEST_CRASH_ENV, "1")
    result = probe_model()
    assert not result.ok
    assert "crashed (segmentation fault in llama.cpp)" in result.error
    assert "doctor" in result.error


def test_a_file_that_is_not_a_model_gets_the_reason(tmp_path) -> None:  # type: ignore[no-untyped-def]
    fake = tmp_path / "notes.gguf"
    fake.write_text("hello")
    result = probe_model(fake)
    assert not result.ok and "not a GGUF model file" in result.error
