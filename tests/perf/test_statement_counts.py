"""How many SQL statements the hot paths send: a chat message, an order by chat, the API.

The figures are what the work needs today (issue 9 took a chat message from 11-12 statements
in two transactions to 4 in one, and POST /v1/orders from 12-14 to 7-9); a change that adds a statement to a hot path fails
here and has to say why.
"""

from __future__ import annotations

import pytest
from flask import Flask

from orders_core.db import Database
from orders_core.demo import DEMO_STAFF
from orders_core.settings import Settings
from tests.conftest import TenantInfo
from tests.statements import counting
from tests.webhooks.twilio_helpers import Clock, WhatsApp
from webhooks.app import create_app

THREE_ITEMS = [
    {"product_id": "prod_jollof", "quantity": 2},
    {"product_id": "prod_chapman", "quantity": 1},
    {"product_id": "prod_suya", "quantity": 1},
]


@pytest.fixture
def app(settings: Settings, database: Database) -> Flask:
    """The app with a clock the test moves."""
    return create_app(settings, db=database, extras={"clock": Clock()})


@pytest.fixture
def phone(app: Flask, settings: Settings, tenant: TenantInfo) -> WhatsApp:
    """A customer who has written before (the business is cached, the customer exists)."""
    assert settings.twilio_auth_token is not None
    customer = WhatsApp(
        app.test_client(), token=settings.twilio_auth_token, base_url=settings.public_base_url
    )
    customer.send("hi")
    return customer


def _bound(database: Database, sqlite: int, postgresql: int) -> int:
    return sqlite if database.engine.dialect.name == "sqlite" else postgresql


def test_a_chat_message_takes_one_short_transaction(phone: WhatsApp, database: Database) -> None:
    # business version, conversation (locked) with its customer, its update, both message rows
    with counting(database.engine) as seen:
        assert "Jollof" in phone.send("2 jollof rice and 1 chapman").text
    assert len(seen) <= 4, seen
    assert not [s for s in seen if "FROM products" in s or "FROM staff" in s], seen


def test_placing_an_order_by_chat(phone: WhatsApp, database: Database) -> None:
    phone.send("2 jollof rice and 1 chapman")
    phone.send("yes")
    with counting(database.engine) as seen:
        assert "#1001" in phone.send("12 Allen Avenue, Ikeja").text + phone.send("yes").text
    assert len(seen) <= _bound(database, sqlite=17, postgresql=16), seen


def test_a_staff_command(
    app: Flask, settings: Settings, database: Database, tenant: TenantInfo
) -> None:
    assert settings.twilio_auth_token is not None
    staff = WhatsApp(app.test_client(), token=settings.twilio_auth_token,
                     base_url=settings.public_base_url, from_=DEMO_STAFF)  # fmt: skip
    staff.send("orders")
    with counting(database.engine) as seen:
        staff.send("orders")
    assert len(seen) <= 4, seen


def test_post_orders(app: Flask, database: Database, tenant: TenantInfo) -> None:
    client = app.test_client()
    body = {"customer": {"name": "Amara", "phone": "+2348012345678"}, "items": THREE_ITEMS}
    assert client.post("/v1/orders", json=body, headers=tenant.headers).status_code == 201
    with counting(database.engine) as seen:
        assert client.post("/v1/orders", json=body, headers=tenant.headers).status_code == 201
    # key, business version, customer, number, order, items, timeline, outbox
    assert len(seen) <= _bound(database, sqlite=10, postgresql=8), seen
    assert not [s for s in seen if "rate_limit_windows" in s or "FROM products" in s], seen

    keyed = {**tenant.headers, "Idempotency-Key": "one-more"}
    with counting(database.engine) as seen:
        assert client.post("/v1/orders", json=body, headers=keyed).status_code == 201
    assert len(seen) <= _bound(database, sqlite=10, postgresql=8), seen


def test_list_and_retrieve(app: Flask, database: Database, tenant: TenantInfo) -> None:
    client = app.test_client()
    body = {"customer": {"name": "Amara", "phone": "+2348012345678"}, "items": THREE_ITEMS}
    for _ in range(3):
        client.post("/v1/orders", json=body, headers=tenant.headers)
    for path in ("/v1/orders?limit=25", "/v1/orders/ord_1002"):
        with counting(database.engine) as seen:
            assert client.get(path, headers=tenant.headers).status_code == 200
        assert len(seen) <= 3, (path, seen)
    # An order that was paid, refunded and shipped reads each of those once more, and its
    # returns (only shipped or delivered units can come back).
    client.post("/v1/orders/ord_1002/payments", json={}, headers=tenant.headers)
    client.post("/v1/orders/ord_1002/refunds", json={"amount": 100}, headers=tenant.headers)
    client.post("/v1/orders/ord_1002/fulfillments", json={}, headers=tenant.headers)
    with counting(database.engine) as seen:
        assert client.get("/v1/orders/ord_1002", headers=tenant.headers).status_code == 200
    assert len(seen) <= 7, seen
