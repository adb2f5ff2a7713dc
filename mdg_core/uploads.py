"""Uploads: the file an analyst drops on the Data page, previewed with their type choices, then saved.

Two verbs, callable from a notebook as from the page:

- ``preview_upload(raw, overrides)`` parses the file with the requested column types. A type that
  cannot hold a column's values (a name column as integer) does not fail the whole preview: that one
  request is set aside with the reason, named by its column, and the rest of the preview stands.
- ``save_upload(store, preview, raw, file_name, name)`` stores it: at once when the file is small,
  otherwise from a temporary copy in a background ``ingest`` job (the page polls the job), so a large
  file never blocks the app.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from mdg_core import jobs
from mdg_core.errors import TypeOverrideError
from mdg_core.ingest import Parsed, parse, store_parsed
from mdg_core.progress import Progress
from mdg_core.store import DatasetInfo, DatasetStore

BACKGROUND_ABOVE_BYTES = 20 * 1024 * 1024
TYPE_ICONS = {"integer": "🔢", "float": "🔣", "boolean": "☑️", "datetime": "📅", "category": "🏷️",
              "text": "🔤", "duration": "⏱️"}
UPLOADS_DIR = "uploads"  # next to the database: temporary copies for background saves



@dataclass
class UploadPreview:
    """A parsed upload, the type overrides it was read with, and those that were refused (column → why)."""

    parsed: Parsed
    overrides: dict[str, str]
    refused: dict[str, str] = field(default_factory=dict)

    def table(self, refused: dict[str, str] | None = None) -> pd.DataFrame:
        """One row per column: detected and chosen type, gaps, distinct values, examples, and a note that
        names why a requested type was refused (``refused``: column → reason, this preview's by default)."""
        why = self.refused if refused is None else refused
        g = self.parsed.guesses
        return pd.DataFrame({
            "Column": self.parsed.names, "Detected": [f"{TYPE_ICONS.get(x.type, '')} {x.type}" for x in g],
            "Type": self.parsed.types, "Missing": [x.null_count for x in g],
            "Distinct": [f"≈{x.distinct:,}+" if x.distinct_sampled else f"{x.distinct:,}" for x in g],
            "Examples": [", ".join(x.examples[:3]) for x in g],
            "Note": [f"⚠ {why[n]}" if n in why else x.note for n, x in zip(self.parsed.names, g, strict=True)],
        })


@dataclass(frozen=True)
class SavedUpload:
    """Where a save went: a dataset stored now, or the id of the background job storing it."""

    dataset: DatasetInfo | None = None
    job_id: int | None = None


def _refused_column(exc: TypeOverrideError, requested: dict[str, str]) -> str | None:
    """The requested column an override error is about (its messages quote the column's name)."""
    text = str(exc)
    quoted = [c for c in requested if f"'{c}'" in text]
    if quoted:
        return max(quoted, key=len)
    named = [c for c in requested if re.search(rf"(^|\W){re.escape(c)}(\W|$)", text)]
    return max(named, key=len) if named else None


def preview_upload(raw: bytes, overrides: dict[str, str] | None = None, progress: Progress | None = None,
                   max_mb: float | None = None) -> UploadPreview:
    """Parse an upload with the analyst's type overrides, setting aside each override the values refuse.

    Errors that are not about one requested type (an empty, binary or ragged file) propagate as they are.
    """
    wanted = dict(overrides or {})
    refused: dict[str, str] = {}
    while True:
        try:
            return UploadPreview(parse(raw, wanted, progress, max_mb=max_mb), wanted, refused)
        except TypeOverrideError as exc:
            column = _refused_column(exc, wanted)
            if column is None:
                raise
            refused[column] = str(exc)
            del wanted[column]


def save_upload(store: DatasetStore, preview: UploadPreview, raw: bytes, file_name: str, name: str | None = None,
                progress: Progress | None = None, background_above: int = BACKGROUND_ABOVE_BYTES) -> SavedUpload:
    """Store a previewed upload as a new dataset: inline when small, else as a background ``ingest`` job.

    The background job reads a temporary copy under the database's ``uploads/`` folder and removes it
    when it ends, whether it succeeded or not.
    """
    if len(raw) > background_above:
        folder = Path(store.db_path).parent / UPLOADS_DIR
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, suffix=".csv", delete=False) as fh:
            fh.write(raw)
        params = {"path": fh.name, "name": name, "overrides": preview.overrides, "source_name": file_name,
                  "delete_after": True}
        return SavedUpload(job_id=jobs.submit(store, "ingest", params, f"Saving {file_name}"))
    preview.parsed.source_name = file_name
    return SavedUpload(dataset=store_parsed(store, preview.parsed, name, progress=progress))
