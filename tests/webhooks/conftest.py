"""Helpers for the REST API tests: placing orders and counting rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from orders_core.db import Database
from orders_core.models import Order, OrderItem, OutboxEvent, Payment, Refund, TimelineEvent
from tests.conftest import TenantInfo

PlaceOrder = Callable[..., dict[str, Any]]
COUNTED = {
    "orders": Order,
    "items": OrderItem,
    "outbox": OutboxEvent,
    "timeline": TimelineEvent,
    "payments": Payment,
    "refunds": Refund,
}


def order_body(**overrides: Any) -> dict[str, Any]:
    """A valid POST /v1/orders body: two jollof and a chapman for Amara."""
    body: dict[str, Any] = {
        "customer": {"name": "Amara Obi", "phone": "+2348012345678"},
        "items": [
            {"product_id": "prod_jollof", "quantity": 2},
            {"product_id": "prod_chapman", "quantity": 1},
        ],
    }
    body.update(overrides)
    return body


@pytest.fixture
def place(client: FlaskClient, tenant: TenantInfo) -> PlaceOrder:
    """Place an order through the API for `tenant` (or `as_tenant`) and return its JSON."""

    def _place(as_tenant: TenantInfo | None = None, **overrides: Any) -> dict[str, Any]:
        who = as_tenant or tenant
        response = client.post("/v1/orders", json=order_body(**overrides), headers=who.headers)
        assert response.status_code == 201, response.json
        return response.json

    return _place


def row_counts(database: Database) -> dict[str, int]:
    """How many orders, items, outbox events, timeline entries, payments and refunds exist."""
    with database.read() as session:
        return {
            name: session.scalar(select(func.count()).select_from(model)) or 0
            for name, model in COUNTED.items()
        }


def assert_error(response: Any, status: int, code: str, param: str | None = None) -> dict[str, Any]:
    """The response is `status` in the error shape with `code` (and `param`); its error body."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    body = response.json
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "param", "details"}
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["details"], dict)
    if param is not None:
        assert error["param"] == param, error
    return error
