"""Background ingest job: large uploads are parsed and stored in a worker with progress.

The file is parsed first (no lock held, progress recorded), then the dataset and the job's result
are stored in one transaction: a worker stopped after that commit still ends "done" with its dataset.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mdg_core.ingest.reader import parse, store_parsed
from mdg_core.jobs import JobContext
from mdg_core.progress import span


def run(ctx: JobContext, path: str, name: str | None = None, overrides: dict[str, str] | None = None,
        source_name: str | None = None, delete_after: bool = False) -> dict[str, Any]:
    """Ingest the file at ``path`` (as ``ingest_file`` does); the temporary upload is removed afterwards if asked."""
    try:
        parsed = parse(Path(path), overrides, span(ctx.progress, 0, 0.5))
        if source_name:
            parsed.source_name = source_name
        with ctx.store.transaction():
            info = store_parsed(ctx.store, parsed, name, span(ctx.progress, 0.5, 1))
            result = ctx.saved({"dataset_id": info.id, "name": info.name, "rows": info.n_rows,
                                "columns": info.n_cols}, f"dataset #{info.id} '{info.name}'")
    finally:
        if delete_after:
            Path(path).unlink(missing_ok=True)
    ctx.progress(1.0, f"Stored {info.n_rows:,} rows × {info.n_cols} columns")
    return result
