"""The sample datasets shipped in ``data/``, loaded once into a new database so a demo has data."""

from __future__ import annotations

from mdg_core.config import PROJECT_ROOT
from mdg_core.ingest import ingest_file
from mdg_core.store import DatasetStore

SAMPLES = {
    "penguins.csv": "Palmer penguins (sample)",
    "customers.csv": "Customers (sample, fake people)",
}
SEEDED_FLAG = ("workbench", "samples-seeded")


def seed_samples(store: DatasetStore) -> list[int]:
    """Ingest the samples the first time a database is opened; never again once done or deleted."""
    if store.get_artifact(*SEEDED_FLAG, with_payload=False) is not None:
        return []
    ids = []
    if not store.list():
        for file_name, name in SAMPLES.items():
            path = PROJECT_ROOT / "data" / file_name
            if path.exists():
                ids.append(ingest_file(store, path, name=name).id)
    store.put_artifact(*SEEDED_FLAG, summary={"datasets": ids})
    return ids
