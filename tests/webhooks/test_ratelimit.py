"""API rate limits: per business, per key with its own limit, shared by workers through Redis."""

from __future__ import annotations

import os
import uuid

import pytest
from flask import Flask
from sqlalchemy import event, update

from orders_core.db import Database
from orders_core.models import ApiKey
from orders_core.services.tenants import create_api_key
from orders_core.settings import Settings
from tests.conftest import TenantInfo
from tests.webhooks.conftest import assert_error
from webhooks.app import create_app

REDIS_URL = os.environ.get("REDIS_URL")


def _app(settings: Settings, database: Database, **changes: object) -> Flask:
    return create_app(settings.model_copy(update=changes), db=database)


def _second_key(database: Database, tenant: TenantInfo) -> dict[str, str]:
    with database.write() as session:
        secret = create_api_key(session, tenant.id).secret
    return {"Authorization": f"Bearer {secret}"}


def test_a_business_shares_its_limit_across_its_keys(
    settings: Settings, database: Database, tenant: TenantInfo, other_tenant: TenantInfo
) -> None:
    client = _app(settings, database, rate_limit_per_minute=3).test_client()
    second = _second_key(database, tenant)
    statuses = [client.get("/v1/orders", headers=h).status_code
                for h in (tenant.headers, second, tenant.headers)]  # fmt: skip
    assert statuses == [200, 200, 200]

    limited = client.get("/v1/orders", headers=second)
    error = assert_error(limited, 429, "rate_limited")
    assert error["details"] == {"limit": 3, "window_seconds": 60}
    assert "business" in error["message"]
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert client.get("/v1/orders", headers=other_tenant.headers).status_code == 200


def test_a_key_with_its_own_limit_is_counted_apart(
    settings: Settings, database: Database, tenant: TenantInfo
) -> None:
    second = _second_key(database, tenant)
    with database.write() as session:
        session.execute(update(ApiKey).where(ApiKey.id == 1).values(rate_limit_per_minute=1))
    client = _app(settings, database, rate_limit_per_minute=5).test_client()

    assert client.get("/v1/orders", headers=tenant.headers).status_code == 200
    limited = client.get("/v1/orders", headers=tenant.headers)
    assert "this key" in assert_error(limited, 429, "rate_limited")["message"]
    assert client.get("/v1/orders", headers=second).status_code == 200


def test_webhooks_and_pages_are_not_counted(
    settings: Settings, database: Database, tenant: TenantInfo
) -> None:
    client = _app(settings, database, rate_limit_per_minute=1).test_client()
    assert [client.get("/healthz").status_code for _ in range(3)] == [200, 200, 200]
    assert [client.get("/v1/orders").status_code for _ in range(3)] == [401, 401, 401]
    assert client.get("/v1/orders", headers=tenant.headers).status_code == 200


def test_counting_writes_nothing_to_the_database(
    settings: Settings, database: Database, tenant: TenantInfo
) -> None:
    client = _app(settings, database).test_client()
    client.get("/v1/orders", headers=tenant.headers)  # the key's last use is recorded once
    writes: list[str] = []

    @event.listens_for(database.engine, "before_cursor_execute")
    def _record(_conn, _cursor, statement: str, *_args: object) -> None:  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith(("SELECT", "BEGIN", "SAVEPOINT", "RELEASE")):
            writes.append(statement)

    for _ in range(5):
        assert client.get("/v1/orders", headers=tenant.headers).status_code == 200
    assert writes == []


@pytest.mark.skipif(not REDIS_URL, reason="REDIS_URL is not set")
def test_workers_share_counts_through_redis(
    settings: Settings, database: Database, tenant: TenantInfo
) -> None:
    """Two apps stand for two gunicorn workers (or machines) behind one Redis."""
    changes = {"rate_limit_per_minute": 4, "redis_url": REDIS_URL,
               "rate_limit_key_prefix": f"test-{uuid.uuid4().hex}"}  # fmt: skip
    first = _app(settings, database, **changes).test_client()
    second = _app(settings, database, **changes).test_client()

    statuses = [(first if n % 2 else second).get("/v1/orders", headers=tenant.headers).status_code
                for n in range(4)]  # fmt: skip
    assert statuses == [200] * 4
    assert_error(first.get("/v1/orders", headers=tenant.headers), 429, "rate_limited")
    assert_error(second.get("/v1/orders", headers=tenant.headers), 429, "rate_limited")


def test_with_redis_down_requests_are_still_answered_and_counted(
    settings: Settings, database: Database, tenant: TenantInfo
) -> None:
    """Nothing listens on this port: the limiter counts in memory until Redis is back."""
    client = _app(
        settings, database, rate_limit_per_minute=2, redis_url="redis://127.0.0.1:9/0"
    ).test_client()
    statuses = [client.get("/v1/orders", headers=tenant.headers).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
