"""SQLite engine set-up: WAL, ``synchronous=FULL`` and ``BEGIN IMMEDIATE`` for writes.

pysqlite's own transaction handling is switched off so that SQLAlchemy's ``begin`` event can emit
``BEGIN IMMEDIATE`` (writer) or a plain deferred ``BEGIN`` (reader); a deferred writer would fail at
once with "database is locked" when another process writes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event

WRITE_OPTION = "mdg_write"
BUSY_TIMEOUT_S = 60


def make_engine(db_path: Path | str) -> Engine:
    path = Path(db_path)
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_S},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_S * 1000}")
        cursor.execute("PRAGMA cache_size=-65536")  # 64 MB page cache: bulk inserts spill less
        cursor.execute("PRAGMA mmap_size=268435456")  # memory-mapped reads for large loads
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        write = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine
