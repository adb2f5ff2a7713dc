"""The dataset store: a catalogue with lineage over one real SQLite table per dataset.

Every write happens inside one ``BEGIN IMMEDIATE`` transaction, so a failure or a killed process
leaves the catalogue and the tables exactly as they were. ``store.transaction()`` makes several
writes one: every save, artifact and run recorded inside it (on this thread) commits together or
not at all. Reads never wait for a writer (WAL); a writer that waits longer than the busy timeout
gets ``DatabaseBusyError`` naming the job that holds the lock.
"""

from __future__ import annotations

import builtins
import gc
import hashlib
import os
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from queue import Full, Queue
from typing import Any

import pandas as pd
from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import OperationalError

from mdg_core.errors import (
    ArtifactIntegrityError,
    DatabaseBusyError,
    DatasetNotFoundError,
    HasDependentsError,
    StoreError,
)
from mdg_core.progress import Progress
from mdg_core.store import schema
from mdg_core.store.engine import BUSY_TIMEOUT_S, WRITE_OPTION, is_busy, make_engine
from mdg_core.store.typemap import ColumnSpec, decode, encode, rows_to_columns, spec_for

WRITE_CHUNK_ROWS = 50_000


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class DatasetInfo:
    """A catalogue entry. ``columns`` is the type manifest in column order."""

    id: int
    name: str
    kind: str
    table_name: str
    created_at: str
    n_rows: int
    n_cols: int
    source_name: str | None = None
    source_sha256: str | None = None
    parent_id: int | None = None
    recipe: dict[str, Any] | None = None
    meta: dict[str, Any] | None = None
    columns: list[ColumnSpec] = field(default_factory=list)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def label(self) -> str:
        return f"#{self.id} {self.name} ({self.kind}, {self.n_rows:,} × {self.n_cols})"


@dataclass(frozen=True)
class Artifact:
    """A stored result: a report, a fitted model, a cache entry."""

    id: int
    kind: str
    key: str
    created_at: str
    dataset_id: int | None
    other_dataset_id: int | None
    params: dict[str, Any] | None
    summary: dict[str, Any] | None
    sha256: str | None
    payload: bytes | None = None


class DatasetStore:
    """Datasets, artifacts and runs in one SQLite file. Safe to share between threads."""

    def __init__(self, db_path: Path | str, busy_timeout_s: float | None = None) -> None:
        self.db_path = Path(db_path)
        self.busy_timeout_s = BUSY_TIMEOUT_S if busy_timeout_s is None else float(busy_timeout_s)
        self.engine = make_engine(self.db_path, self.busy_timeout_s)
        self._local = threading.local()
        with self.read() as conn:  # reads only: opening never waits for a running writer
            current = schema.is_current(conn)
        if not current:
            with self.write() as conn:
                if not schema.is_current(conn):  # another process may have done it meanwhile
                    schema.upgrade(conn)

    # --- transactions ------------------------------------------------------------------------
    @contextmanager
    def transaction(self, wait_s: float | None = None) -> Iterator[Connection]:
        """One ``BEGIN IMMEDIATE`` transaction: committed on success, rolled back on any error.

        Every store write and read on this thread inside it joins it (a nested write is a
        savepoint), so what a run produces is stored whole or not at all, and reads see it.
        ``wait_s`` waits less than the busy timeout for another writer, for writes that may be
        skipped (progress updates): ``DatabaseBusyError`` comes sooner.
        """
        outer: Connection | None = getattr(self._local, "conn", None)
        if outer is not None:
            nested = outer.begin_nested()
            try:
                yield outer
            except BaseException:
                if _raw(outer).in_transaction:  # else SQLite rolled it all back itself (a full disk): say why
                    nested.rollback()
                raise
            nested.commit()
            return
        wait = self.busy_timeout_s if wait_s is None else float(wait_s)
        with self.engine.connect() as conn:
            conn.execution_options(**{WRITE_OPTION: True})
            raw = _raw(conn)
            if wait_s is not None:
                raw.execute(f"PRAGMA busy_timeout={int(wait * 1000)}")
            try:
                trans = conn.begin()
            except OperationalError as exc:
                if is_busy(exc):
                    raise self._busy_error(wait) from exc
                raise
            finally:
                if wait_s is not None:
                    raw.execute(f"PRAGMA busy_timeout={int(self.busy_timeout_s * 1000)}")
            self._local.conn = conn
            try:
                with trans:
                    yield conn
            finally:
                self._local.conn = None

    write = transaction

    def in_write(self) -> bool:
        """True inside a write transaction on this thread (a second writer would wait on it)."""
        return getattr(self._local, "conn", None) is not None

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A deferred transaction: a consistent snapshot for several reads (inside a write
        transaction on this thread, that transaction, so that its own writes are visible)."""
        outer: Connection | None = getattr(self._local, "conn", None)
        if outer is not None:
            yield outer
            return
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def _busy_error(self, waited_s: float) -> DatabaseBusyError:
        """Name what holds the write lock: the running jobs of other processes, if any."""
        try:
            with self.read() as conn:
                rows = conn.execute(
                    select(schema.jobs.c.id, schema.jobs.c.title, schema.jobs.c.pid)
                    .where(schema.jobs.c.status == "running").order_by(schema.jobs.c.id)
                ).all()
        except OperationalError:
            rows = []
        others = [f"'{title}' (job #{job_id})" for job_id, title, pid in rows if pid != os.getpid()]
        who = " or ".join(others) if others else "another program writing to it"
        return DatabaseBusyError(
            f"The database is busy: waiting for {who}; gave up after {waited_s:g} s. "
            "Try again when it has finished (reading and browsing work meanwhile)."
        )

    # --- datasets ------------------------------------------------------------------------------
    def save(
        self,
        df: pd.DataFrame,
        name: str,
        kind: str = "uploaded",
        *,
        progress: Progress | None = None,
        **catalogue: Any,
    ) -> DatasetInfo:
        """Store a DataFrame as a new dataset (its index is dropped).

        ``catalogue`` takes ``source_name``, ``source_sha256``, ``parent_id``, ``recipe``, ``meta``.
        """
        specs = [spec_for(i, str(col), df.iloc[:, i]) for i, col in enumerate(df.columns)]
        chunks = (
            [encode(df.iloc[start : start + WRITE_CHUNK_ROWS, s.position], s) for s in specs]
            for start in range(0, len(df), WRITE_CHUNK_ROWS)
        )
        return self.save_encoded(chunks, specs, name, kind, total_rows=len(df), progress=progress, **catalogue)

    def save_encoded(
        self,
        chunks: Iterable[list[list[Any]]],
        specs: list[ColumnSpec],
        name: str,
        kind: str = "uploaded",
        *,
        total_rows: int | None = None,
        source_name: str | None = None,
        source_sha256: str | None = None,
        parent_id: int | None = None,
        recipe: dict[str, Any] | None = None,
        meta: dict[str, Any] | None = None,
        progress: Progress | None = None,
        after_rows: Callable[[sqlite3.Connection, str], None] | None = None,
    ) -> DatasetInfo:
        """Store chunks of already-encoded columns (see ``typemap.encode``) in one transaction.

        ``after_rows(connection, table)`` runs in that transaction once the rows are in (ingest
        writes values too long to bind there)."""
        if kind not in schema.DATASET_KINDS:
            raise StoreError(f"Unknown dataset kind '{kind}'; use one of {', '.join(schema.DATASET_KINDS)}.")
        name = (name or "").strip() or "dataset"
        if not specs:
            raise StoreError("A dataset needs at least one column.")
        if parent_id is not None:
            self.get(parent_id)
        with self.write() as conn:
            dataset_id = new_id(conn.execute(
                insert(schema.datasets).values(
                    name=name, kind=kind, table_name=f"pending_{uuid.uuid4().hex}",
                    source_name=source_name, source_sha256=source_sha256, created_at=now_iso(),
                    n_rows=0, n_cols=len(specs), parent_id=parent_id, recipe=recipe, meta=meta,
                )
            ))
            table = f"ds_{dataset_id}"
            cols_sql = ", ".join(f'"{s.storage_name}" {s.sql_type}' for s in specs)
            raw = _raw(conn)
            raw.execute(f'CREATE TABLE "{table}" ({cols_sql})')
            sql = f'INSERT INTO "{table}" VALUES ({", ".join("?" for _ in specs)})'
            n_rows = 0
            for columns in _prefetch(chunks):
                raw.executemany(sql, zip(*columns, strict=True))
                n_rows += len(columns[0]) if columns else 0
                if progress:
                    all_rows = max(total_rows or n_rows, n_rows)
                    progress(min(0.99, n_rows / max(1, all_rows)), f"Saving… {n_rows:,} of {all_rows:,} rows")
            if after_rows:
                after_rows(raw, table)
            conn.execute(
                update(schema.datasets)
                .where(schema.datasets.c.id == dataset_id)
                .values(table_name=table, n_rows=n_rows)
            )
            conn.execute(
                insert(schema.dataset_columns),
                [
                    dict(dataset_id=dataset_id, position=s.position, name=s.name,
                         storage_name=s.storage_name, dtype=s.dtype,
                         logical_type=s.logical_type, extra=s.extra)
                    for s in specs
                ],
            )
        return self.get(dataset_id)

    def get(self, dataset_id: int) -> DatasetInfo:
        with self.read() as conn:
            return self._get(conn, int(dataset_id))

    def _get(self, conn: Connection, dataset_id: int) -> DatasetInfo:
        row = conn.execute(select(schema.datasets).where(schema.datasets.c.id == dataset_id)).mappings().first()
        if row is None:
            raise DatasetNotFoundError(f"No dataset has id {dataset_id}.")
        cols = conn.execute(
            select(schema.dataset_columns)
            .where(schema.dataset_columns.c.dataset_id == dataset_id)
            .order_by(schema.dataset_columns.c.position)
        ).mappings().all()
        specs = [
            ColumnSpec(c["position"], c["name"], c["storage_name"], c["dtype"], c["logical_type"], c["extra"] or {})
            for c in cols
        ]
        return DatasetInfo(columns=specs, **{k: row[k] for k in _INFO_FIELDS})

    def list(self, kinds: Iterable[str] | None = None, parent_id: int | None = None) -> list[DatasetInfo]:
        """All datasets, newest first, optionally only some kinds or the children of one dataset."""
        query = select(schema.datasets.c.id).order_by(schema.datasets.c.id.desc())
        if kinds is not None:
            query = query.where(schema.datasets.c.kind.in_(list(kinds)))
        if parent_id is not None:
            query = query.where(schema.datasets.c.parent_id == int(parent_id))
        with self.read() as conn:
            ids = conn.execute(query).scalars().all()
            return [self._get(conn, i) for i in ids]

    def load(
        self,
        dataset_id: int,
        columns: builtins.list[str] | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> pd.DataFrame:
        """The dataset's rows as a DataFrame with the dtypes it was saved with."""
        with self.read() as conn:
            info = self._get(conn, int(dataset_id))
            specs = _select_specs(info, columns)
            sql = _select_sql(info.table_name, specs, limit, offset)
            with _gc_paused():
                rows = _raw(conn).execute(sql).fetchall()
                columns_out = rows_to_columns(rows, len(specs))
                del rows
        return _frame(columns_out, specs)

    def iter_chunks(self, dataset_id: int, chunk_rows: int = WRITE_CHUNK_ROWS) -> Iterator[pd.DataFrame]:
        """Rows in chunks, for exports and scans that must not hold everything in memory."""
        info = self.get(dataset_id)
        for offset in range(0, max(info.n_rows, 1), chunk_rows):
            chunk = self.load(dataset_id, limit=chunk_rows, offset=offset)
            if chunk.empty and offset:
                break
            yield chunk

    def rename(self, dataset_id: int, name: str) -> DatasetInfo:
        name = (name or "").strip()
        if not name:
            raise StoreError("A dataset name cannot be empty.")
        with self.write() as conn:
            self._get(conn, int(dataset_id))
            conn.execute(update(schema.datasets).where(schema.datasets.c.id == dataset_id).values(name=name))
        return self.get(dataset_id)

    def descendants(self, dataset_id: int) -> builtins.list[DatasetInfo]:
        """Every dataset derived from this one, directly or not, nearest first."""
        with self.read() as conn:
            self._get(conn, int(dataset_id))
            found: builtins.list[int] = []
            frontier = [int(dataset_id)]
            while frontier:
                children = conn.execute(
                    select(schema.datasets.c.id).where(schema.datasets.c.parent_id.in_(frontier))
                ).scalars().all()
                found.extend(children)
                frontier = list(children)
            return [self._get(conn, i) for i in found]

    def lineage(self, dataset_id: int) -> builtins.list[DatasetInfo]:
        """The dataset and its ancestors, from itself up to the original upload."""
        chain: builtins.list[DatasetInfo] = []
        current: int | None = int(dataset_id)
        while current is not None and len(chain) < 1000:
            info = self.get(current)
            chain.append(info)
            current = info.parent_id
        return chain

    def delete(self, dataset_id: int, cascade: bool = False) -> builtins.list[int]:
        """Delete a dataset; with ``cascade`` its descendants too. Returns the deleted ids."""
        dependents = self.descendants(dataset_id)
        if dependents and not cascade:
            names = "; ".join(d.label() for d in dependents)
            raise HasDependentsError(
                f"Dataset #{dataset_id} has {len(dependents)} derived dataset(s): {names}. "
                "Delete them too (cascade) or delete them first."
            )
        ids = [d.id for d in reversed(dependents)] + [int(dataset_id)]
        with self.write() as conn:
            raw = _raw(conn)
            for i in ids:
                info = self._get(conn, i)
                raw.execute(f'DROP TABLE IF EXISTS "{info.table_name}"')
                conn.execute(delete(schema.dataset_columns).where(schema.dataset_columns.c.dataset_id == i))
                conn.execute(
                    delete(schema.artifacts).where(
                        (schema.artifacts.c.dataset_id == i) | (schema.artifacts.c.other_dataset_id == i)
                    )
                )
                conn.execute(delete(schema.runs).where(schema.runs.c.output_dataset_id == i))
                conn.execute(delete(schema.datasets).where(schema.datasets.c.id == i))
        return ids

    def update_meta(self, dataset_id: int, **values: Any) -> DatasetInfo:
        """Merge keys into a dataset's ``meta`` (e.g. edited SDV metadata, constraints)."""
        with self.write() as conn:
            info = self._get(conn, int(dataset_id))
            meta = dict(info.meta or {})
            meta.update(values)
            conn.execute(update(schema.datasets).where(schema.datasets.c.id == dataset_id).values(meta=meta))
        return self.get(dataset_id)

    # --- artifacts -----------------------------------------------------------------------------
    def put_artifact(
        self,
        kind: str,
        key: str,
        payload: bytes | None = None,
        *,
        dataset_id: int | None = None,
        other_dataset_id: int | None = None,
        params: dict[str, Any] | None = None,
        summary: dict[str, Any] | None = None,
    ) -> int:
        """Store (or replace) the artifact of this kind and key; returns its id."""
        digest = hashlib.sha256(payload).hexdigest() if payload is not None else None
        with self.write() as conn:
            conn.execute(
                delete(schema.artifacts).where(
                    (schema.artifacts.c.kind == kind) & (schema.artifacts.c.key == key)
                )
            )
            return new_id(
                conn.execute(
                    insert(schema.artifacts).values(
                        kind=kind, key=key, payload=payload, sha256=digest, dataset_id=dataset_id,
                        other_dataset_id=other_dataset_id, params=params, summary=summary,
                        created_at=now_iso(),
                    )
                )
            )

    def get_artifact(self, kind: str, key: str, with_payload: bool = True) -> Artifact | None:
        """The artifact of this kind and key, with its payload checked against its hash."""
        cond = (schema.artifacts.c.kind == kind) & (schema.artifacts.c.key == key)
        return self._artifact_where(cond, with_payload)

    def get_artifact_by_id(self, artifact_id: int, with_payload: bool = True) -> Artifact | None:
        return self._artifact_where(schema.artifacts.c.id == artifact_id, with_payload)

    def _artifact_where(self, cond: Any, with_payload: bool) -> Artifact | None:
        cols = [c for c in schema.artifacts.c if with_payload or c.name != "payload"]
        with self.read() as conn:
            row = conn.execute(select(*cols).where(cond)).mappings().first()
        if row is None:
            return None
        art = _artifact(row)
        if with_payload and art.payload is not None and hashlib.sha256(art.payload).hexdigest() != art.sha256:
            raise ArtifactIntegrityError(
                f"Stored {art.kind} '{art.key}' does not match the hash recorded when it was saved."
            )
        return art

    def list_artifacts(self, kind: str | None = None, dataset_id: int | None = None) -> builtins.list[Artifact]:
        """Artifacts without payloads, newest first."""
        cols = [c for c in schema.artifacts.c if c.name != "payload"]
        query = select(*cols).order_by(schema.artifacts.c.id.desc())
        if kind is not None:
            query = query.where(schema.artifacts.c.kind == kind)
        if dataset_id is not None:
            query = query.where(
                (schema.artifacts.c.dataset_id == dataset_id) | (schema.artifacts.c.other_dataset_id == dataset_id)
            )
        with self.read() as conn:
            rows = conn.execute(query).mappings().all()
        return [_artifact(r) for r in rows]

    def delete_artifact(self, artifact_id: int) -> None:
        with self.write() as conn:
            conn.execute(delete(schema.artifacts).where(schema.artifacts.c.id == artifact_id))

    # --- runs ----------------------------------------------------------------------------------
    def record_run(self, **values: Any) -> int:
        """Record a generation run (see ``schema.runs`` for the fields); returns its id."""
        values.setdefault("created_at", now_iso())
        with self.write() as conn:
            return new_id(conn.execute(insert(schema.runs).values(**values)))

    def get_run(self, run_id: int) -> dict[str, Any]:
        with self.read() as conn:
            row = conn.execute(select(schema.runs).where(schema.runs.c.id == run_id)).mappings().first()
        if row is None:
            raise StoreError(f"No generation run has id {run_id}.")
        return dict(row)

    def list_runs(self, dataset_id: int | None = None) -> builtins.list[dict[str, Any]]:
        query = select(schema.runs).order_by(schema.runs.c.id.desc())
        if dataset_id is not None:
            query = query.where(
                (schema.runs.c.dataset_id == dataset_id) | (schema.runs.c.output_dataset_id == dataset_id)
            )
        with self.read() as conn:
            return [dict(r) for r in conn.execute(query).mappings().all()]

    def run_for_output(self, dataset_id: int) -> dict[str, Any] | None:
        """The generation run that produced a synthetic dataset, if any."""
        with self.read() as conn:
            row = conn.execute(
                select(schema.runs).where(schema.runs.c.output_dataset_id == dataset_id)
            ).mappings().first()
        return dict(row) if row else None


def _raw(conn: Connection) -> Any:
    """The sqlite3 connection under SQLAlchemy's, for bulk inserts and fast fetches."""
    raw = conn.connection.driver_connection
    assert raw is not None
    return raw


def _artifact(row: Any) -> Artifact:
    """An ``Artifact`` from a result row; columns left out of the select (the payload) read as None."""
    fields: dict[str, Any] = {k: row.get(k) for k in _ARTIFACT_FIELDS}
    return Artifact(**fields)


def new_id(result: Any) -> int:
    """The primary key SQLite gave the row just inserted (SQLAlchemy types it as optional)."""
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


_DONE = object()


def _prefetch(chunks: Iterable[list[list[Any]]], depth: int = 1) -> Iterator[list[list[Any]]]:
    """Encode the next chunk in a thread while SQLite inserts the current one.

    sqlite3 releases the GIL while it steps each insert, so encoding (Python objects) and
    inserting (B-tree work in C) overlap; this is what lets ingest beat read_csv + to_sql.
    """
    queue: Queue[Any] = Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in chunks:
                while not stop.is_set():
                    try:
                        queue.put(item, timeout=0.1)
                        break
                    except Full:
                        continue
                if stop.is_set():
                    return
            queue.put(_DONE)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            queue.put(exc)

    worker = threading.Thread(target=produce, name="mdg-encode", daemon=True)
    worker.start()
    try:
        while True:
            item = queue.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join(timeout=5)


_INFO_FIELDS = (
    "id", "name", "kind", "table_name", "created_at", "n_rows", "n_cols", "source_name",
    "source_sha256", "parent_id", "recipe", "meta",
)
_ARTIFACT_FIELDS = (
    "id", "kind", "key", "created_at", "dataset_id", "other_dataset_id", "params", "summary",
    "sha256", "payload",
)


def _select_specs(info: DatasetInfo, columns: list[str] | None) -> list[ColumnSpec]:
    if columns is None:
        return list(info.columns)
    by_name = {c.name: c for c in info.columns}
    missing = [c for c in columns if c not in by_name]
    if missing:
        raise StoreError(f"Dataset #{info.id} has no column(s): {', '.join(missing)}.")
    return [by_name[c] for c in columns]


def _select_sql(table: str, specs: list[ColumnSpec], limit: int | None, offset: int) -> str:
    cols = ", ".join(f'"{s.storage_name}"' for s in specs) or "1"
    sql = f'SELECT {cols} FROM "{table}" ORDER BY rowid'
    if limit is not None or offset:
        sql += f" LIMIT {int(limit) if limit is not None else -1} OFFSET {int(offset)}"
    return sql


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Millions of fetched row tuples would trigger the cyclic garbage collector over and over;
    none of them can form a cycle, so it is paused while they exist."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _frame(columns: list[Any], specs: list[ColumnSpec]) -> pd.DataFrame:
    if not specs:
        return pd.DataFrame()
    data = {i: decode(col, s) for i, (col, s) in enumerate(zip(columns, specs, strict=True))}
    frame = pd.DataFrame(data)
    frame.columns = [s.name for s in specs]
    return frame
