"""SQLite engine set-up: WAL, ``synchronous=FULL`` and ``BEGIN IMMEDIATE`` for writes.

pysqlite's own transaction handling is switched off so that SQLAlchemy's ``begin`` event can emit
``BEGIN IMMEDIATE`` (writer) or a plain deferred ``BEGIN`` (reader); a deferred writer would fail at
once with "database is locked" when another process writes. In WAL mode readers never wait for a
writer; a writer waits up to the busy timeout for another writer, then the store raises
``DatabaseBusyError`` naming the job that holds the lock.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError

WRITE_OPTION = "mdg_write"
BUSY_TIMEOUT_S = 60.0


def make_engine(db_path: Path | str, busy_timeout_s: float | None = None) -> Engine:
    path = Path(db_path)
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    timeout = BUSY_TIMEOUT_S if busy_timeout_s is None else float(busy_timeout_s)
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"check_same_thread": False, "timeout": timeout},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # first, so that switching a brand-new file to WAL queues behind a concurrent creator
        cursor.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
        cursor.execute("PRAGMA journal_mode=WAL")  # no lock needed once the file is in WAL mode
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA cache_size=-65536")  # 64 MB page cache: bulk inserts spill less
        cursor.execute("PRAGMA mmap_size=268435456")  # memory-mapped reads for large loads
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        write = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def is_busy(exc: BaseException) -> bool:
    """True when SQLite gave up waiting for a lock ("database is locked" / SQLITE_BUSY)."""
    orig = getattr(exc, "orig", exc) if isinstance(exc, OperationalError) else exc
    text = str(orig).lower()
    name = str(getattr(orig, "sqlite_errorname", ""))
    return name.startswith("SQLITE_BUSY") or "database is locked" in text or "database is busy" in text
