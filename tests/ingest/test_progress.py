"""Ingest reports one progress, 0 → 1, with the rows it saved: reading is the first half, saving the second."""

from __future__ import annotations

from pathlib import Path

from mdg_core.ingest import ingest_file
from mdg_core.store import DatasetStore


def test_ingest_progress_rises_to_one_and_counts_the_saved_rows(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_text("a,b\n" + "".join(f"{i},x{i}\n" for i in range(120_000)))
    seen: list[tuple[float, str]] = []
    info = ingest_file(DatasetStore(tmp_path / "mdg.db"), path, progress=lambda f, m: seen.append((f, m)))
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions)
    assert fractions[-1] == 1.0
    saving = [(f, m) for f, m in seen if m.startswith("Saving")]
    assert saving and all(0.5 <= f < 1.0 for f, _ in saving)
    assert saving[-1][1] == f"Saving… {info.n_rows:,} of {info.n_rows:,} rows"
