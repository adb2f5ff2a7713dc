"""Dataset store: catalogue, lossless tables, artifacts, runs and exports."""

from mdg_core.store.catalog import Artifact, DatasetInfo, DatasetStore
from mdg_core.store.typemap import ColumnSpec

__all__ = ["Artifact", "ColumnSpec", "DatasetInfo", "DatasetStore"]
