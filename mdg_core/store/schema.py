"""Catalogue tables. Each dataset's rows live in their own table named ``ds_<id>``.

Tables:
- ``datasets``: the catalogue with lineage (parent and the recipe that produced a dataset).
- ``dataset_columns``: the per-column type manifest that makes round trips lossless.
- ``artifacts``: stored results (profile and quality reports, fitted models, mock caches), keyed
  by kind and a caller-chosen key, with a SHA-256 of the payload.
- ``runs``: generation runs with everything needed to reproduce them.
- ``jobs``: background jobs, their progress and outcome.

Opening a database checks the schema with reads only (``is_current``); only a new or older file is
upgraded (``upgrade``, under the write lock), so opening never waits for a running writer. A column
added to a table below reaches older files by itself (as a nullable column).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Connection,
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
SCHEMA_VERSION = 1  # PRAGMA user_version once a file has every table and column below

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
    # who runs the job, so that its death is noticed (see mdg_core.jobs)
    Column("owner", String(16)),  # app (queued, not yet handed over) | worker | command (CLI, in-process)
    Column("pid_created", Float),  # the owner's process start time: a reused pid is not the owner
    Column("peak_rss", Integer),  # bytes, as last reported: tells out-of-memory from a kill
    Column("exit_code", Integer),  # the worker's exit status when it died (negative: signal)
)


def _existing(conn: Connection) -> tuple[dict[str, set[str]], set[str]]:
    """Columns of each existing table, and the names of existing indexes (reads only)."""
    names = ", ".join(f"'{name}'" for name in metadata.tables)  # not the thousands of ds_<id> tables
    rows = conn.exec_driver_sql(
        f"SELECT type, name FROM sqlite_master WHERE type IN ('table', 'index') AND tbl_name IN ({names})"
    ).all()
    indexes = {name for kind, name in rows if kind == "index"}
    columns = {
        name: {r[1] for r in conn.exec_driver_sql(f'PRAGMA table_info("{name}")').all()}
        for kind, name in rows if kind == "table"
    }
    return columns, indexes


def is_current(conn: Connection) -> bool:
    """True when every table, column and index of this schema exists; reads only, takes no lock."""
    columns, indexes = _existing(conn)
    for table in metadata.sorted_tables:
        have = columns.get(table.name)
        if have is None or not {c.name for c in table.columns} <= have:
            return False
        if not {str(i.name) for i in table.indexes} <= indexes:
            return False
    return True


def upgrade(conn: Connection) -> None:
    """Create what is missing (inside the caller's write transaction): new tables and indexes, and
    columns added since an older file was made (nullable, since SQLite cannot add NOT NULL ones)."""
    metadata.create_all(conn, checkfirst=True)
    columns, _ = _existing(conn)
    for table in metadata.sorted_tables:
        for column in table.columns:
            if column.name not in columns.get(table.name, set()):
                sql_type = column.type.compile(dialect=conn.dialect)
                conn.exec_driver_sql(f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {sql_type}')
    conn.exec_driver_sql(f"PRAGMA user_version = {SCHEMA_VERSION}")
