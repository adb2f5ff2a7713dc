"""Fixtures of the reliability tests: a database holding the penguins, optionally with one run."""

from __future__ import annotations

from pathlib import Path

import pytest

from mdg_core import jobs
from mdg_core.ingest import ingest_file
from mdg_core.samples import seed_samples
from mdg_core.store import DatasetStore
from tests.reliability._kill import ROOT


@pytest.fixture()
def penguins_db(tmp_path: Path) -> tuple[Path, int]:
    """A database with the penguins (id returned); the app will not add its samples to it."""
    db = tmp_path / "mdg.db"
    store = DatasetStore(db)
    info = ingest_file(store, ROOT / "data" / "penguins.csv", name="penguins")
    seed_samples(store)  # as a first open of the app would: a store that has data gets no samples, now or later
    return db, info.id


@pytest.fixture()
def penguins_run(penguins_db: tuple[Path, int]) -> tuple[Path, int, int]:
    """The penguins and a small synthetic version of them (its train and holdout splits too)."""
    db, real_id = penguins_db
    synth_id = jobs.run_inline(DatasetStore(db), "generate", {"dataset_id": real_id, "generator": "copy_rows",
                                                              "seed": 1, "n_rows": 300, "keep_model": False}
                               )["output_dataset_id"]
    return db, real_id, int(synth_id)
