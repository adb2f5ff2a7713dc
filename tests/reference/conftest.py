"""Data that ships inside the reference libraries: SDMetrics' demo pair, ingested the default way."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from mdg_core.ingest import ingest_file
from mdg_core.store import DatasetStore


@pytest.fixture(scope="session")
def student_placements() -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """SDMetrics' own real/synthetic demo pair and its metadata, as SDMetrics ships them."""
    import sdmetrics

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        real, synth, metadata = sdmetrics.load_demo(modality="single_table")
    return real["student_placements"], synth["student_placements"], metadata


@pytest.fixture()
def placements_ids(store: DatasetStore, tmp_path: Path,
                   student_placements: tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]) -> tuple[int, int]:
    """The demo pair written to CSV and ingested with the default ingest (what an analyst uploads)."""
    real, synth, _ = student_placements
    real.to_csv(tmp_path / "real.csv", index=False)
    synth.to_csv(tmp_path / "synth.csv", index=False)
    return (ingest_file(store, tmp_path / "real.csv", name="student_placements").id,
            ingest_file(store, tmp_path / "synth.csv", name="student_placements synthetic").id)


@pytest.fixture(scope="session")
def penguins() -> pd.DataFrame:
    return pd.read_csv(Path(__file__).resolve().parents[2] / "data" / "penguins.csv")
