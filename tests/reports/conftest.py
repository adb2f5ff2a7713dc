"""Real data for the report tests and simple stand-in "generators" (no waiting for the real ones)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def penguins() -> pd.DataFrame:
    return pd.read_csv(ROOT / "data" / "penguins.csv")


@pytest.fixture(scope="session")
def customers() -> pd.DataFrame:
    return pd.read_csv(ROOT / "data" / "customers.csv", parse_dates=["signup_date", "last_active"])


def split(df: pd.DataFrame, train_share: float = 0.7, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    idx = np.random.default_rng(seed).permutation(len(df))
    cut = int(len(df) * train_share)
    return df.iloc[idx[:cut]].reset_index(drop=True), df.iloc[idx[cut:]].reset_index(drop=True)


def copy_generator(train: pd.DataFrame, seed: int = 1) -> pd.DataFrame:
    """The planted leak: 'synthetic' rows that are the training rows, shuffled."""
    return train.sample(frac=1, random_state=seed).reset_index(drop=True)


def independent_generator(train: pd.DataFrame, n: int | None = None, seed: int = 1) -> pd.DataFrame:
    """Each column resampled on its own: right marginals, no real row kept together."""
    rng = np.random.default_rng(seed)
    n = n or len(train)
    return pd.DataFrame({c: train[c].to_numpy()[rng.integers(0, len(train), n)] for c in train.columns})


def store_generated(store, real: pd.DataFrame, synth: pd.DataFrame, train: pd.DataFrame,  # type: ignore[no-untyped-def]
                    holdout: pd.DataFrame, name: str = "synth") -> dict[str, int]:
    """Save real, split parts and synthetic data and record the run, as the generators do."""
    r = store.save(real, "real")
    t = store.save(train, "real (train)", "split", parent_id=r.id)
    h = store.save(holdout, "real (holdout)", "split", parent_id=r.id)
    s = store.save(synth, name, "synthetic", parent_id=r.id)
    store.record_run(dataset_id=r.id, generator="test", params={}, seed=0, n_rows=len(synth), versions={},
                     output_dataset_id=s.id, train_dataset_id=t.id, holdout_dataset_id=h.id)
    return {"real": r.id, "train": t.id, "holdout": h.id, "synth": s.id}


def open_reports_page(db: Path, monkeypatch: pytest.MonkeyPatch, current: int) -> Any:
    """The Reports page in an AppTest over ``db``, with dataset ``current`` chosen in the sidebar."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("MDG_DB_PATH", str(db))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["mdg.pending_dataset_id"] = current
    at.run()
    return at.switch_page("pages/reports.py").run()
