"""Per-key rate limits: in memory for one process, in the database for many.

The embedded default (SQLite, one process) counts in memory. With PostgreSQL, where
gunicorn runs several workers on several machines, the count lives in the database so
every worker sees the same limit.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from orders_core.db import Database, is_sqlite
from orders_core.models import RateLimitWindow

WINDOW_SECONDS = 60.0


class RateLimiter(Protocol):
    """Counts requests per key."""

    def hit(self, key_id: int, limit: int) -> float | None:
        """Count one request; None if allowed, else the seconds until one is allowed again."""
        ...


class MemoryRateLimiter:
    """A sliding 60-second window per key, counted in this process."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._hits: dict[int, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key_id: int, limit: int) -> float | None:
        """Count one request; None if allowed, else the seconds until one is allowed again."""
        now = self._clock()
        with self._lock:
            hits = self._hits.setdefault(key_id, deque())
            while hits and hits[0] <= now - WINDOW_SECONDS:
                hits.popleft()
            if len(hits) >= limit:
                return max(hits[0] + WINDOW_SECONDS - now, 0.001)
            hits.append(now)
            return None


class DatabaseRateLimiter:
    """Per-minute counters in the database, weighted across two minutes to smooth the edge.

    The estimate is this minute's count plus the previous minute's count scaled by how
    much of the previous minute still lies inside the last 60 seconds.
    """

    def __init__(self, database: Database, clock: Callable[[], float] = time.time) -> None:
        self._db = database
        self._clock = clock
        self._insert = sqlite_insert if is_sqlite(database.engine) else pg_insert

    def hit(self, key_id: int, limit: int) -> float | None:
        """Count one request; None if allowed, else the seconds until one is allowed again."""
        now = self._clock()
        window, into = divmod(now, WINDOW_SECONDS)
        current = int(window)
        table = RateLimitWindow
        upsert = self._insert(table).values(key_id=key_id, window=current, count=1)
        upsert = upsert.on_conflict_do_update(
            index_elements=[table.key_id, table.window], set_={"count": table.count + 1}
        ).returning(table.count)
        with self._db.write() as session:
            count = session.execute(upsert).scalar_one()
            if count == 1:
                session.execute(
                    delete(table).where(table.key_id == key_id, table.window < current - 1)
                )
            previous = session.scalar(
                select(table.count).where(table.key_id == key_id, table.window == current - 1)
            )
        weight = 1 - into / WINDOW_SECONDS
        if count + (previous or 0) * weight <= limit:
            return None
        # Too many: wait until this minute's requests alone fit, or the minute turns over.
        if previous and count <= limit:
            needed = (count + previous * weight - limit) / previous * WINDOW_SECONDS
            return max(min(needed, WINDOW_SECONDS - into), 1.0)
        return max(WINDOW_SECONDS - into, 1.0)


def limiter_for(database: Database) -> RateLimiter:
    """The database limiter for a shared server database, the in-memory one for SQLite."""
    return MemoryRateLimiter() if is_sqlite(database.engine) else DatabaseRateLimiter(database)


def retry_after_header(seconds: float) -> str:
    """Retry-After in whole seconds, never 0."""
    return str(max(math.ceil(seconds), 1))
