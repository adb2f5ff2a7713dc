"""Catalogue tables. Each dataset's rows live in their own table named ``ds_<id>``.

Tables:
- ``datasets``: the catalogue with lineage (parent and the recipe that produced a dataset).
- ``dataset_columns``: the per-column type manifest that makes round trips lossless.
- ``artifacts``: stored results (profile and quality reports, fitted models, mock caches), keyed
  by kind and a caller-chosen key, with a SHA-256 of the payload.
- ``runs``: generation runs with everything needed to reproduce them.
- ``jobs``: background jobs, their progress and outcome.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

DATASET_KINDS = ("uploaded", "transformed", "synthetic", "mock", "split")

datasets = Table(
    "datasets",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("table_name", Text, nullable=False, unique=True),
    Column("source_name", Text),
    Column("source_sha256", String(64)),
    Column("created_at", Text, nullable=False),
    Column("n_rows", Integer, nullable=False),
    Column("n_cols", Integer, nullable=False),
    Column("parent_id", Integer, ForeignKey("datasets.id"), nullable=True),
    Column("recipe", JSON, nullable=True),
    Column("meta", JSON, nullable=True),
)

dataset_columns = Table(
    "dataset_columns",
    metadata,
    Column("dataset_id", Integer, ForeignKey("datasets.id"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("storage_name", Text, nullable=False),
    Column("dtype", Text, nullable=False),
    Column("logical_type", Text, nullable=False),
    Column("extra", JSON, nullable=True),
)

artifacts = Table(
    "artifacts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("key", Text, nullable=False),
    Column("dataset_id", Integer, nullable=True),
    Column("other_dataset_id", Integer, nullable=True),
    Column("created_at", Text, nullable=False),
    Column("params", JSON, nullable=True),
    Column("summary", JSON, nullable=True),
    Column("payload", LargeBinary, nullable=True),
    Column("sha256", String(64), nullable=True),
    UniqueConstraint("kind", "key", name="uq_artifact_kind_key"),
)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("dataset_id", Integer, nullable=False),
    Column("generator", Text, nullable=False),
    Column("params", JSON, nullable=False),
    Column("seed", Integer, nullable=False),
    Column("n_rows", Integer, nullable=False),
    Column("versions", JSON, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("fit_seconds", Float),
    Column("sample_seconds", Float),
    Column("peak_memory_mb", Float),
    Column("violations", JSON),
    Column("output_dataset_id", Integer),
    Column("train_dataset_id", Integer),
    Column("holdout_dataset_id", Integer),
    Column("model_artifact_id", Integer),
    Column("status", String(16), nullable=False, default="done"),
    Column("meta", JSON),
)

jobs = Table(
    "jobs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(48), nullable=False),
    Column("title", Text, nullable=False),
    Column("params", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", Text, nullable=False),
    Column("started_at", Text),
    Column("finished_at", Text),
    Column("progress", Float, nullable=False, default=0.0),
    Column("message", Text),
    Column("eta_seconds", Float),
    Column("cancel_requested", Integer, nullable=False, default=0),
    Column("pid", Integer),
    Column("result", JSON),
    Column("error", Text),
)
