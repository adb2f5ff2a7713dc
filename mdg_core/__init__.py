"""MDG Workbench core: datasets in SQLite, profiling, feature suggestions, synthetic data, reports.

The core operations, each usable from a notebook, the CLI and the Streamlit pages alike:

- ``DatasetStore(db_path)``: save / load / list / rename / delete datasets with lineage, artifacts
  (stored reports, fitted models) and generation runs (``mdg_core.store``).
- ``ingest.inspect(source)`` then ``ingest.ingest_file(store, source, name, overrides)``: read a
  CSV of any common encoding and dialect, infer column types, store it (``mdg_core.ingest``).
- ``jobs.submit(store, kind, params, title)``: long work in a worker process with progress and
  cancel (``mdg_core.jobs``).
- ``config.load_settings()``: settings from ``MDG_*`` variables and the settings file.

Nothing heavy is imported here, so ``import mdg_core`` stays fast.
"""

__version__ = "0.1.0"
