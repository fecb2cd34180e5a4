"""Fixtures for chat tests: the app on a controllable clock, and a `whatsapp` that posts like Twilio."""

from __future__ import annotations

import pytest
from flask import Flask

from orders_core.db import Database
from orders_core.settings import Settings
from tests.conftest import TenantInfo
from tests.twilio_recorder import Harness, customer_wrote, make_harness
from tests.webhooks.twilio_helpers import Clock, WhatsApp
from webhooks.app import create_app


@pytest.fixture
def clock() -> Clock:
    """The time the app sees; tests move it forward."""
    return Clock()


@pytest.fixture
def chat_app(settings: Settings, database: Database, clock: Clock) -> Flask:
    """The real app on the test database, reading time from `clock`."""
    return create_app(settings, db=database, extras={"clock": clock})


@pytest.fixture
def whatsapp(chat_app: Flask, settings: Settings, tenant: object) -> WhatsApp:
    """A customer's phone talking to the demo business through signed Twilio webhooks."""
    assert settings.twilio_auth_token is not None
    return WhatsApp(
        chat_app.test_client(),
        token=settings.twilio_auth_token,
        base_url=settings.public_base_url,
    )


@pytest.fixture
def h(database: Database, settings: Settings, tenant: TenantInfo) -> Harness:
    """The dispatcher harness; the customer wrote just now (inside WhatsApp's window)."""
    harness = make_harness(database, settings)
    customer_wrote(database, tenant.id, harness.now)
    return harness
