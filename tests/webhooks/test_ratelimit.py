"""Rate limiters: in memory (one process) and in the database (shared by every worker)."""

from __future__ import annotations

from sqlalchemy import func, select

from orders_core.db import Database
from orders_core.models import ApiKey, RateLimitWindow
from tests.conftest import TenantInfo
from webhooks.ratelimit import DatabaseRateLimiter, MemoryRateLimiter, limiter_for


class Clock:
    """Seconds since the epoch, moved by hand."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_memory_limiter_slides_its_window() -> None:
    clock = Clock(1000.0)
    limiter = MemoryRateLimiter(clock)

    assert [limiter.hit(7, 2) for _ in range(2)] == [None, None]
    assert limiter.hit(7, 2) == 60.0
    assert limiter.hit(8, 2) is None  # another key has its own count
    clock.now += 60
    assert limiter.hit(7, 2) is None


def test_two_workers_on_one_database_share_the_limit(
    database: Database, tenant: TenantInfo
) -> None:
    """Two limiters with their own engines stand for two gunicorn workers."""
    url = database.engine.url.render_as_string(hide_password=False)
    other = Database.from_url(url)
    clock = Clock(60 * 1_000_000 + 10.0)
    first, second = DatabaseRateLimiter(database, clock), DatabaseRateLimiter(other, clock)
    key = _api_key_id(database)
    try:
        answers = [(first if n % 2 else second).hit(key, 4) for n in range(4)]
        assert answers == [None] * 4
        wait = first.hit(key, 4)
        assert wait is not None and 1.0 <= wait <= 50.0
        assert second.hit(key, 4) is not None
    finally:
        other.dispose()


def test_the_previous_minute_counts_in_proportion(database: Database, tenant: TenantInfo) -> None:
    clock = Clock(60 * 1_000_000 + 30.0)  # half-way through a minute
    limiter = DatabaseRateLimiter(database, clock)
    key = _api_key_id(database)
    for _ in range(10):
        limiter.hit(key, 100)

    clock.now += 60  # half-way through the next minute: 10 * 0.5 = 5 still count
    assert [limiter.hit(key, 8) for _ in range(3)] == [None, None, None]
    assert limiter.hit(key, 8) is not None


def test_old_windows_are_cleaned_up(database: Database, tenant: TenantInfo) -> None:
    clock = Clock(60 * 1_000_000.0)
    limiter = DatabaseRateLimiter(database, clock)
    key = _api_key_id(database)
    for minute in range(5):
        clock.now = 60 * (1_000_000 + minute)
        limiter.hit(key, 10)

    with database.read() as session:
        windows = session.scalar(select(func.count()).select_from(RateLimitWindow))
    assert windows == 2  # this minute and the one before


def test_sqlite_counts_in_memory_and_postgresql_in_the_database(database: Database) -> None:
    limiter = limiter_for(database)
    expected = (
        MemoryRateLimiter if database.engine.dialect.name == "sqlite" else DatabaseRateLimiter
    )
    assert isinstance(limiter, expected)


def _api_key_id(database: Database) -> int:
    with database.read() as session:
        return session.scalars(select(ApiKey.id)).one()
