"""Engines and sessions: SQLite in WAL mode with a busy timeout, PostgreSQL through psycopg 3."""

from __future__ import annotations

import fcntl
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from orders_core import versioning

SQLITE_BUSY_TIMEOUT_MS = 15_000
# A pooled server connection idle for longer than this is pinged before use; busy ones are not.
IDLE_PING_SECONDS = 30.0


def normalize_url(url: str) -> str:
    """Pick psycopg 3 for a bare postgresql:// URL; leave others alone."""
    for bare in ("postgresql://", "postgres://"):
        if url.startswith(bare):
            return "postgresql+psycopg://" + url[len(bare) :]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`; SQLite files get WAL, a busy timeout and foreign keys. SQL
    parameters (phones, names, addresses) never appear in errors or logs."""
    kwargs.setdefault("hide_parameters", True)
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        engine = create_engine(url, **kwargs)
        _ping_when_idle(engine)
        return engine
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
    _configure_sqlite(engine)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """Check a connection that sat idle (the server may have closed it) before handing it out.

    A round trip on every checkout would cost a busy server a fifth of its requests; one
    after a quiet spell costs nothing. A dead connection is replaced by the pool.
    """

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < IDLE_PING_SECONDS:
            return
        try:
            dbapi_connection.execute("SELECT 1")
            dbapi_connection.rollback()
        except Exception as exc:
            raise DisconnectionError("pooled connection is gone") from exc


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the write lock up front, so a read-then-write transaction
        # waits its turn instead of failing with SQLITE_BUSY half-way.
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def is_sqlite(engine: Engine) -> bool:
    """True for the embedded SQLite backend."""
    return engine.dialect.name == "sqlite"


class WriterQueue:
    """Writers to one SQLite file take turns: threads on a lock, processes on a file lock.

    SQLite has one writer at a time. One that finds the file busy polls in its busy handler,
    sleeping milliseconds (more and more) between tries; one woken by a lock starts at once.
    """

    def __init__(self, database: str | None) -> None:
        self._threads = threading.Lock()
        self._path = f"{database}-writers.lock" if database and database != ":memory:" else None
        self._depth = threading.local()

    def __enter__(self) -> None:
        if getattr(self._depth, "n", 0):  # a write inside a write: already holding the turn
            self._depth.n += 1
            return
        self._threads.acquire()
        self._file = open(self._path, "a+b") if self._path else None
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_EX)
        self._depth.n = 1

    def __exit__(self, *_exc: object) -> None:
        self._depth.n -= 1
        if self._depth.n:
            return
        if self._file is not None:
            self._file.close()  # releases the file lock
        self._threads.release()


class Database:
    """One engine and its session factories: `write()` for units of work, `read()` for queries."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        writer = engine.execution_options(sqlite_begin="IMMEDIATE") if is_sqlite(engine) else engine
        self._write = sessionmaker(writer, expire_on_commit=False)
        self._writers: AbstractContextManager[Any] = (
            WriterQueue(engine.url.database) if is_sqlite(engine) else nullcontext()
        )
        self._read = sessionmaker(engine, expire_on_commit=False)
        # Per-process copies of what this database holds, each checked by its own version.
        self.caches: dict[str, Any] = {}
        versioning.install()

    @classmethod
    def from_url(cls, url: str) -> Database:
        """A Database on a new engine for `url`."""
        return cls(make_engine(url))

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session in one transaction: committed if the block succeeds, else rolled back.

        On SQLite writers queue first (see WriterQueue).
        """
        with self._writers, self._write() as session, session.begin():
            yield session

    @contextmanager
    def lookup(self) -> Iterator[Session]:
        """A session for a single read statement; on PostgreSQL it runs in autocommit mode,
        sparing the BEGIN and ROLLBACK round trips of a transaction."""
        if is_sqlite(self.engine):
            with self.read() as session:
                yield session
            return
        with (
            self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection,
            Session(bind=connection, expire_on_commit=False) as session,
        ):
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; nothing it does is committed. Objects stay readable after."""
        with self._read() as session:
            yield session

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
