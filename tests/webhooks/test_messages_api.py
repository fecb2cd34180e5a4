"""/v1/messages: both directions with delivery status, filtered, paged, per tenant."""

from __future__ import annotations

from flask.testing import FlaskClient

from bot.outbound import queue_message
from orders_core.db import Database
from orders_core.models import Message, utcnow
from orders_core.services.tenants import get_tenant
from orders_core.settings import Settings
from tests.conftest import TenantInfo
from tests.twilio_recorder import CUSTOMER, customer_wrote, make_harness, move, place


def _inbound(database: Database, tenant_id: int, body: str) -> None:
    with database.write() as session:
        session.add(
            Message(
                tenant_id=tenant_id, direction="inbound", channel="whatsapp",
                sid=f"SM{tenant_id:032d}", from_number=f"whatsapp:{CUSTOMER}",
                to_number="whatsapp:+14155238886", customer_phone=CUSTOMER, body=body,
                status="received", created_at=utcnow(), updated_at=utcnow(),
            )
        )  # fmt: skip


def test_lists_inbound_and_outbound_with_status(
    client: FlaskClient, database: Database, settings: Settings, tenant: TenantInfo
) -> None:
    h = make_harness(database, settings)
    customer_wrote(database, tenant.id, h.now)
    _inbound(database, tenant.id, "2 jollof")
    order_id = place(database, tenant.id)
    move(database, tenant.id, order_id, "confirmed")
    h.recorder.queue(21211)
    h.dispatch()
    listed = client.get("/v1/messages", headers=tenant.headers).json
    assert listed["object"] == "list" and listed["has_more"] is False
    newest, oldest = listed["data"]
    assert (oldest["direction"], oldest["status"], oldest["body"]) == (
        "inbound",
        "received",
        "2 jollof",
    )
    assert newest["direction"] == "outbound" and newest["status"] == "failed"
    assert newest["error_code"] == "21211" and newest["order_id"] == order_id
    assert newest["from"] == "whatsapp:+14155238886" and newest["to"] == f"whatsapp:{CUSTOMER}"
    assert newest["id"].startswith("msg_") and newest["attempts"] == 1

    def ids(query: str) -> list[str]:
        response = client.get(f"/v1/messages?{query}", headers=tenant.headers)
        assert response.status_code == 200, response.json
        return [m["id"] for m in response.json["data"]]

    assert ids(f"order={order_id}") == [newest["id"]]
    assert ids("order=ord_9999") == []
    assert ids("direction=inbound") == [oldest["id"]]
    assert ids("status=failed") == [newest["id"]]
    assert ids("customer_phone=%2B2348012345678") == [newest["id"], oldest["id"]]
    assert client.get("/v1/messages?order=nope", headers=tenant.headers).status_code == 400
    assert client.get("/v1/messages?direction=sideways", headers=tenant.headers).status_code == 400
    typo = client.get("/v1/messages?status=faild", headers=tenant.headers)
    assert typo.status_code == 400 and "status" in typo.get_data(as_text=True)


def test_pages_with_a_cursor_and_stays_in_the_tenant(
    client: FlaskClient, database: Database, tenant: TenantInfo, other_tenant: TenantInfo
) -> None:
    with database.write() as session:
        owner = get_tenant(session, tenant.id)
        for n in range(5):
            queue_message(
                session, owner, to_phone=CUSTOMER, channel="whatsapp", kind="alert", body=f"#{n}"
            )
    first = client.get("/v1/messages?limit=2", headers=tenant.headers).json
    assert [m["body"] for m in first["data"]] == ["#4", "#3"] and first["has_more"]
    second = client.get(
        f"/v1/messages?limit=2&starting_after={first['next_cursor']}", headers=tenant.headers
    ).json
    assert [m["body"] for m in second["data"]] == ["#2", "#1"]
    last = client.get(
        f"/v1/messages?limit=2&starting_after={second['next_cursor']}", headers=tenant.headers
    ).json
    assert [m["body"] for m in last["data"]] == ["#0"] and last["has_more"] is False
    assert client.get("/v1/messages", headers=other_tenant.headers).json["data"] == []
    assert client.get("/v1/messages").status_code == 401
