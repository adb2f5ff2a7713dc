"""Background ingest job: large uploads are parsed and stored in a worker with progress."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mdg_core.ingest.reader import ingest_file
from mdg_core.jobs import JobContext


def run(ctx: JobContext, path: str, name: str | None = None, overrides: dict[str, str] | None = None,
        source_name: str | None = None, delete_after: bool = False) -> dict[str, Any]:
    """Ingest the file at ``path``; the temporary upload is removed afterwards if asked."""
    try:
        info = ingest_file(
            ctx.store, Path(path), name=name, overrides=overrides, source_name=source_name,
            progress=ctx.progress,
        )
    finally:
        if delete_after:
            Path(path).unlink(missing_ok=True)
    return {"dataset_id": info.id, "name": info.name, "rows": info.n_rows, "columns": info.n_cols}
