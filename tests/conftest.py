"""Shared fixtures: a real database (SQLite always, PostgreSQL when TEST_DATABASE_URL is set),
the Flask app on it, a demo tenant with an API key, and a signed-request helper."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.engine import make_url

from orders_core.db import Database, make_engine, normalize_url
from orders_core.demo import DEMO_STAFF, DEMO_WHATSAPP, demo_menu
from orders_core.migrate import upgrade
from orders_core.models import Base, Tenant
from orders_core.services.catalog import import_menu
from orders_core.services.tenants import create_api_key, create_tenant
from orders_core.settings import Settings
from webhooks.app import create_app

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


def _worker_pg_url() -> str:
    """TEST_DATABASE_URL, or a per-xdist-worker database next to it (created if missing)."""
    url = make_url(normalize_url(os.environ["TEST_DATABASE_URL"]))
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url.render_as_string(hide_password=False)
    name = f"{url.database}_{worker}"
    admin = make_engine(url.set(database="postgres").render_as_string(hide_password=False))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        exists = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
        ).first()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A migrated PostgreSQL database (a fresh public schema for the session)."""
    url = _worker_pg_url()
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(engine)
    engine.dispose()
    yield url


def _truncate(database: Database) -> None:
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with database.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A real, migrated, empty database: a SQLite file, or PostgreSQL when configured."""
    yield from open_database(request, request.param, tmp_path)


def open_database(
    request: pytest.FixtureRequest, backend: str, tmp_path: Path
) -> Iterator[Database]:
    """The `database` fixture's work for one backend ("sqlite" or "postgresql")."""
    if backend == "sqlite":
        path = tmp_path / "chatorders.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        database = Database.from_url(f"sqlite:///{path}")
        yield database
        database.dispose()
        return
    database = Database.from_url(request.getfixturevalue("pg_url"))
    _truncate(database)
    yield database
    database.dispose()


@pytest.fixture
def settings(database: Database) -> Settings:
    """Settings for tests: test Twilio credentials, a known public URL, limits counted in memory."""
    return Settings(
        database_url=database.engine.url.render_as_string(hide_password=False),
        public_base_url="https://chatorders.example.com",
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token="test-auth-token",
        redis_url=None,
    )


@pytest.fixture
def app(settings: Settings, database: Database) -> Flask:
    """The real app on the test database."""
    return create_app(settings, db=database)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of the app."""
    return app.test_client()


@dataclass
class TenantInfo:
    """A tenant made for a test, with its API key."""

    id: int
    key: str
    currency: str
    whatsapp: str | None

    @property
    def headers(self) -> dict[str, str]:
        """Authorization headers for this tenant's key."""
        return {"Authorization": f"Bearer {self.key}"}


def make_tenant(database: Database, **overrides: Any) -> TenantInfo:
    """A tenant with the demo menu and a live key."""
    fields: dict[str, Any] = {
        "name": "Mama Put Lagos",
        "currency": "NGN",
        "timezone": "Africa/Lagos",
        "whatsapp_number": DEMO_WHATSAPP,
        "staff": [DEMO_STAFF],
    }
    fields.update(overrides)
    with database.write() as session:
        tenant = create_tenant(session, **fields)
        import_menu(session, tenant.id, demo_menu())
        key = create_api_key(session, tenant.id)
        return TenantInfo(tenant.id, key.secret, tenant.currency, tenant.whatsapp_number)


@pytest.fixture
def tenant(database: Database) -> TenantInfo:
    """The demo business (NGN, Lagos) with its menu and an API key."""
    return make_tenant(database)


@pytest.fixture
def other_tenant(database: Database) -> TenantInfo:
    """A second business, in Nairobi, to check isolation."""
    return make_tenant(
        database, name="Nyama Choma Nairobi", currency="KES", timezone="Africa/Nairobi",
        whatsapp_number="+254700000000", staff=["+254711000001"],
    )  # fmt: skip


def tenant_row(database: Database, tenant_id: int) -> Tenant:
    """The tenant as stored."""
    with database.read() as session:
        row = session.get(Tenant, tenant_id)
        assert row is not None
        return row
