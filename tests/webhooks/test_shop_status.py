"""Closed hours over HTTP: POST /v1/orders while closed (accepted, or refused when the business
says so), hours and the pause through PATCH /v1/settings, and the /dashboard/shop switch."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from orders_core.db import Database
from orders_core.services.tenants import get_tenant, tenant_settings
from orders_core.settings import Settings
from tests.conftest import TenantInfo
from tests.webhooks.conftest import assert_error, order_body, row_counts
from tests.webhooks.twilio_helpers import Clock
from webhooks.app import create_app

# Monday 2026-11-23, 13:00 in Lagos.
MONDAY_NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
EVENINGS = {"mon": ["18:00-23:00"]}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY_NOON)


@pytest.fixture
def app(settings: Settings, database: Database, clock: Clock) -> Flask:
    """The real app reading time from `clock`."""
    return create_app(settings, db=database, extras={"clock": clock})


def patch(client: FlaskClient, tenant: TenantInfo, **changes: Any) -> Any:
    return client.patch("/v1/settings", json={"settings": changes}, headers=tenant.headers)


def post_order(client: FlaskClient, tenant: TenantInfo, key: str | None = None) -> Any:
    headers = tenant.headers | ({"Idempotency-Key": key} if key else {})
    return client.post("/v1/orders", json=order_body(), headers=headers)


def test_hours_and_the_pause_are_settings_validated_by_patch(
    client: FlaskClient, tenant: TenantInfo
) -> None:
    response = patch(client, tenant, opening_hours={"fri": ["18:00-02:00"], "mon": []},
                     closed_dates=["2026-12-25"], api_orders_when_closed="refuse")  # fmt: skip
    assert response.status_code == 200, response.json
    saved = response.json["settings"]
    assert saved["opening_hours"] == {"mon": [], "fri": ["18:00-02:00"]}
    assert saved["closed_dates"] == ["2026-12-25"]
    assert saved["orders_paused"] is False and saved["api_orders_when_closed"] == "refuse"
    bad = patch(client, tenant, opening_hours={"friday": ["18:00-02:00"]})
    assert "friday" in assert_error(bad, 400, "invalid_request")["message"]
    assert_error(patch(client, tenant, closed_dates=["25/12/2026"]), 400, "invalid_request")
    assert_error(patch(client, tenant, api_orders_when_closed="never"), 400, "invalid_request")


def test_api_orders_are_accepted_while_closed_by_default(
    client: FlaskClient, tenant: TenantInfo
) -> None:
    patch(client, tenant, opening_hours=EVENINGS)
    assert post_order(client, tenant).status_code == 201


def test_refused_while_closed_with_the_opening_time_and_nothing_written(
    client: FlaskClient, database: Database, tenant: TenantInfo, clock: Clock
) -> None:
    patch(client, tenant, opening_hours=EVENINGS, api_orders_when_closed="refuse")
    before = row_counts(database)
    error = assert_error(post_order(client, tenant, "closed-1"), 409, "business_closed")
    assert error["details"] == {"opens_at": "2026-11-23T17:00:00Z", "paused": False}
    assert "2026-11-23T17:00:00Z" in error["message"]
    assert row_counts(database) == before
    clock.now = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)  # 18:00 in Lagos: open
    assert post_order(client, tenant, "open-1").status_code == 201


def test_refused_while_paused_and_with_no_hours_ahead(
    client: FlaskClient, tenant: TenantInfo
) -> None:
    patch(client, tenant, orders_paused=True, api_orders_when_closed="refuse")
    error = assert_error(post_order(client, tenant), 409, "business_closed")
    assert error["details"] == {"opens_at": None, "paused": True}
    patch(client, tenant, orders_paused=False, opening_hours={})
    error = assert_error(post_order(client, tenant), 409, "business_closed")
    assert error["details"] == {"opens_at": None, "paused": False}
    patch(client, tenant, opening_hours=None)
    assert post_order(client, tenant).status_code == 201


def test_the_closed_check_is_per_tenant(
    client: FlaskClient, tenant: TenantInfo, other_tenant: TenantInfo
) -> None:
    patch(client, tenant, orders_paused=True, api_orders_when_closed="refuse")
    other = client.post(
        "/v1/orders",
        json=order_body(items=[{"product_id": "prod_jollof", "quantity": 1}]),
        headers=other_tenant.headers,
    )
    assert other.status_code != 409


def sign_in(client: FlaskClient, tenant: TenantInfo) -> str:
    token = CSRF.search(client.get("/dashboard/login").get_data(as_text=True))
    assert token
    response = client.post(
        "/dashboard/login", data={"api_key": tenant.key, "csrf_token": token.group(1)}
    )
    assert response.status_code == 303
    page = CSRF.search(client.get("/dashboard/shop").get_data(as_text=True))
    assert page
    return page.group(1)


def settings_of(database: Database, tenant: TenantInfo) -> Any:
    with database.read() as session:
        return tenant_settings(get_tenant(session, tenant.id))


def test_the_shop_page_needs_a_sign_in(client: FlaskClient, tenant: TenantInfo) -> None:
    response = client.get("/dashboard/shop")
    assert response.status_code == 302 and "/dashboard/login" in response.headers["Location"]


def test_pause_and_resume_from_the_dashboard(
    client: FlaskClient, database: Database, tenant: TenantInfo
) -> None:
    token = sign_in(client, tenant)
    page = client.get("/dashboard/shop").get_data(as_text=True)
    assert "Open: taking orders." in page and "Pause orders" in page
    assert "Open all day (no opening hours set)" in page

    paused = client.post("/dashboard/shop/pause",
                         data={"csrf_token": token, "message": "  Kitchen is full  "})  # fmt: skip
    assert paused.status_code == 303
    settings = settings_of(database, tenant)
    assert settings.orders_paused and settings.paused_message == "Kitchen is full"
    page = client.get("/dashboard/shop").get_data(as_text=True)
    assert "Paused: chat orders wait until you resume." in page
    assert "Resume orders" in page and "Kitchen is full" in page

    assert client.post("/dashboard/shop/resume", data={"csrf_token": token}).status_code == 303
    assert not settings_of(database, tenant).orders_paused
    assert "Open: taking orders." in client.get("/dashboard/shop").get_data(as_text=True)


def test_pausing_needs_the_csrf_token(
    client: FlaskClient, database: Database, tenant: TenantInfo
) -> None:
    sign_in(client, tenant)
    assert client.post("/dashboard/shop/pause", data={"message": "x"}).status_code == 400
    assert not settings_of(database, tenant).orders_paused


def test_the_page_shows_hours_and_when_it_opens(client: FlaskClient, tenant: TenantInfo) -> None:
    patch(client, tenant, opening_hours=EVENINGS, closed_dates=["2026-12-25"])
    sign_in(client, tenant)
    page = client.get("/dashboard/shop").get_data(as_text=True)
    assert "Closed: opens Monday 23 November at 18:00." in page
    assert re.search(r"<th scope=\"row\">Monday</th><td>18:00-23:00</td>", page)
    assert re.search(r"<th scope=\"row\">Tuesday</th><td>Closed</td>", page)
    assert "2026-12-25" in page
