"""The ready time staff promise (`CONFIRM 1042 30`, `ETA 1042 45`): stored, shown, and told
to the customer after the confirmation, in their language."""

from __future__ import annotations

from flask import Flask

from bot.planning import plan_outbox
from orders_core.db import Database
from orders_core.demo import DEMO_CUSTOMER
from orders_core.models import OutboxEvent
from orders_core.services.orders import get_order
from tests.bot.test_staff import make_order
from tests.bot.test_takeover import dashboard, outbound, staff
from tests.conftest import TenantInfo
from tests.webhooks.twilio_helpers import Clock, WhatsApp


def told(database: Database, clock: Clock) -> list[str]:
    """The customer's notifications once the outbox is planned, oldest first."""
    while plan_outbox(database, now=clock.now):
        pass
    return [m.body or "" for m in outbound(database, DEMO_CUSTOMER, "notification")]


def test_confirm_with_minutes_promises_a_ready_time_after_the_confirmation(
    chat_app: Flask, whatsapp: WhatsApp, database: Database, tenant: TenantInfo, clock: Clock
) -> None:
    assert whatsapp.send("hi").text
    number = make_order(database, tenant)

    answer = staff(whatsapp, f"confirm {number} 30")

    assert "confirmed" in answer and "Ready in about 30 min" in answer
    confirmed, eta = told(database, clock)
    assert "is confirmed" in confirmed
    assert eta == f"Mama Put Lagos: Order *#{number}* will be ready in about 30 minutes."
    [message] = [m for m in outbound(database, DEMO_CUSTOMER, "notification") if m.body == eta]
    assert message.payload["template"] == "order.eta"
    with database.read() as session:
        order = get_order(session, tenant.id, str(number))
        [event] = session.query(OutboxEvent).filter_by(type="order.updated").all()
    assert event.data["changed"] == ["ready_at"] and event.data["ready_in_minutes"] == 30
    assert order.status == "confirmed"
    assert order.ready_at == clock.now.replace(minute=30)
    client, _ = dashboard(chat_app, tenant)
    assert "Ready by" in client.get(f"/dashboard/orders/{number}").get_data(as_text=True)
    api = chat_app.test_client().get(
        f"/v1/orders/{number}", headers={"Authorization": f"Bearer {tenant.key}"}
    )
    assert api.status_code == 200 and api.json is not None
    assert api.json["ready_at"] == "2026-11-23T12:30:00Z"


def test_a_later_eta_moves_the_time_and_tells_the_customer_again(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo, clock: Clock
) -> None:
    assert whatsapp.send("hi").text
    number = make_order(database, tenant)
    staff(whatsapp, f"confirm {number} 30")
    clock.advance(minutes=10)

    assert "Ready in about 45 min" in staff(whatsapp, f"eta {number} 45 min")

    with database.read() as session:
        assert get_order(session, tenant.id, str(number)).ready_at == clock.now.replace(minute=55)
    assert told(database, clock)[-1].endswith("will be ready in about 45 minutes.")
    assert "ETA" in staff(whatsapp, f"eta {number} soon")


def test_the_ready_time_is_told_in_the_customers_language(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo, clock: Clock
) -> None:
    assert whatsapp.send("abeg wetin una dey sell").text
    number = make_order(database, tenant)

    staff(whatsapp, f"confirm {number} 20")

    assert "go ready for like 20 minutes" in told(database, clock)[-1]


def test_eta_needs_a_confirmed_order(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    number = make_order(database, tenant)
    assert f"CONFIRM {number} 30" in staff(whatsapp, f"eta {number} 30")
