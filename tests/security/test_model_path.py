"""A GGUF path that is not a regular file is named for what it is, never read (``/dev/urandom`` never ends)."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from mdg_core.errors import ModelLoadError
from mdg_core.llm.model import load_model, model_info


def test_character_device_is_named_not_called_a_folder() -> None:
    with pytest.raises(ModelLoadError) as err:
        model_info("/dev/urandom")
    msg = str(err.value)
    assert "character device" in msg and "folder" not in msg and ".gguf" in msg


def test_link_to_a_device_and_a_named_pipe_are_refused_before_reading(tmp_path: Path) -> None:
    link = tmp_path / "model.gguf"
    link.symlink_to("/dev/zero")
    with pytest.raises(ModelLoadError, match="character device"):
        load_model(link)
    fifo = tmp_path / "pipe.gguf"
    os.mkfifo(fifo)  # opening it to read would block forever
    with pytest.raises(ModelLoadError, match="named pipe"):
        model_info(fifo)
    sock_path = tmp_path / "s.gguf"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(sock_path))
        with pytest.raises(ModelLoadError, match="socket"):
            model_info(sock_path)


def test_folder_is_still_called_a_folder(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="is a folder"):
        model_info(tmp_path)
