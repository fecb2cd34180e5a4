"""The chat cart is a checkout: listed by /v1/checkouts while the customer chats, read as
abandoned when idle, completed by the order the chat places, expired when the chat drops it."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from orders_core.models import utcnow
from orders_core.settings import Settings
from tests.conftest import TenantInfo
from tests.webhooks.conftest import assert_error
from tests.webhooks.twilio_helpers import Clock, WhatsApp


@pytest.fixture
def clock() -> Clock:
    """The chat's clock starts at the real time, the time the API reads statuses at."""
    return Clock(now=utcnow())


@pytest.fixture
def api(chat_app: Flask) -> FlaskClient:
    """A client of the same app, for the API side."""
    return chat_app.test_client()


def checkouts(api: FlaskClient, tenant: TenantInfo, query: str = "") -> list[dict[str, Any]]:
    response = api.get(f"/v1/checkouts{query}", headers=tenant.headers)
    assert response.status_code == 200, response.json
    return response.json["data"]  # type: ignore[no-any-return]


def test_a_chat_cart_is_an_open_checkout(
    whatsapp: WhatsApp, api: FlaskClient, tenant: TenantInfo
) -> None:
    whatsapp.send("2 jollof")
    whatsapp.send("1 chapman no ice")

    (cart,) = checkouts(api, tenant, "?status=open")
    assert (cart["channel"], cart["status"], cart["order_id"]) == ("whatsapp", "open", None)
    assert cart["customer"] == {"phone": whatsapp.from_, "name": "Amara"}
    assert [(i["product_id"], i["quantity"], i["note"]) for i in cart["items"]] == [
        ("prod_jollof", 2, None), ("prod_chapman", 1, "no ice"),
    ]  # fmt: skip
    assert cart["total"] == cart["subtotal"] == sum(i["subtotal"] for i in cart["items"])
    assert checkouts(api, tenant, "?channel=whatsapp") == [cart]


def test_placing_the_order_in_the_chat_completes_the_checkout(
    whatsapp: WhatsApp, api: FlaskClient, tenant: TenantInfo
) -> None:
    whatsapp.send("2 jollof")
    (cart,) = checkouts(api, tenant)
    whatsapp.send("yes")
    placed = whatsapp.send("12 Allen Avenue, Ikeja").text + whatsapp.send("yes").text

    assert "#1001" in placed
    (done,) = checkouts(api, tenant)
    assert (done["id"], done["status"], done["order_id"]) == (cart["id"], "completed", "ord_1001")
    assert checkouts(api, tenant, "?status=open") == []
    again = api.post(f"/v1/checkouts/{cart['id']}/complete", headers=tenant.headers)
    assert again.status_code == 200 and again.json["id"] == "ord_1001"

    whatsapp.send("1 suya")
    (new, _) = checkouts(api, tenant)
    assert new["status"] == "open" and new["id"] != cart["id"]


def test_an_idle_chat_cart_reads_abandoned_until_the_customer_writes(
    whatsapp: WhatsApp, api: FlaskClient, tenant: TenantInfo, clock: Clock
) -> None:
    whatsapp.send("2 jollof")
    clock.now = utcnow()
    clock.advance(minutes=-61)  # the business's abandoned_cart_minutes is 60
    whatsapp.send("1 chapman")

    (cart,) = checkouts(api, tenant, "?status=abandoned")
    assert checkouts(api, tenant, "?status=open") == []
    clock.now = utcnow()
    whatsapp.send("cart")

    assert [c["id"] for c in checkouts(api, tenant, "?status=open")] == [cart["id"]]
    assert checkouts(api, tenant, "?status=abandoned") == []


def test_a_cart_the_chat_drops_is_expired(
    whatsapp: WhatsApp, api: FlaskClient, tenant: TenantInfo, clock: Clock, settings: Settings
) -> None:
    clock.advance(minutes=-(settings.cart_ttl_minutes + 5))
    whatsapp.send("2 jollof")
    clock.now = utcnow()

    assert "previous cart expired" in whatsapp.send("1 chapman").text
    (new, old) = checkouts(api, tenant)
    assert (old["status"], new["status"]) == ("expired", "open")
    assert [i["product_id"] for i in new["items"]] == ["prod_chapman"]
    refused = api.post(f"/v1/checkouts/{old['id']}/complete", headers=tenant.headers)
    assert_error(refused, 409, "checkout_not_open")


def test_an_emptied_chat_cart_leaves_no_checkout(
    whatsapp: WhatsApp, api: FlaskClient, tenant: TenantInfo
) -> None:
    whatsapp.send("2 jollof")
    assert len(checkouts(api, tenant)) == 1
    whatsapp.send("clear")
    assert checkouts(api, tenant) == []


def test_the_api_does_not_change_or_complete_a_chat_cart(
    whatsapp: WhatsApp, api: FlaskClient, tenant: TenantInfo
) -> None:
    whatsapp.send("2 jollof")
    (cart,) = checkouts(api, tenant)

    patched = api.patch(f"/v1/checkouts/{cart['id']}", json={"notes": "x"}, headers=tenant.headers)
    assert_error(patched, 409, "checkout_in_chat", "id")
    completed = api.post(f"/v1/checkouts/{cart['id']}/complete", headers=tenant.headers)
    assert_error(completed, 409, "checkout_in_chat", "id")
    assert "2 × Jollof Rice (Large)" in whatsapp.send("cart").text
