"""Orders on hold and imported orders, as the customer and the staff phone see them."""

from __future__ import annotations

import pytest

from bot.staff import StaffCommand, parse_staff_command
from orders_core.db import Database
from orders_core.demo import DEMO_STAFF
from orders_core.domain import OrderStatus
from orders_core.services.orders import get_order, resume_order, transition
from tests.conftest import TenantInfo
from tests.twilio_recorder import Harness, move, place
from tests.webhooks.twilio_helpers import WhatsApp


def _hold(database: Database, tenant: TenantInfo, order_id: str, reason: str | None) -> None:
    with database.write() as session:
        order = get_order(session, tenant.id, order_id, lock=True)
        transition(session, order, OrderStatus.ON_HOLD, actor="test", note=reason)


def test_the_customer_is_told_of_the_hold_with_its_reason_and_when_it_is_back_on(
    h: Harness, tenant: TenantInfo
) -> None:
    order_id = place(h.database, tenant.id)
    move(h.database, tenant.id, order_id, "confirmed")
    _hold(h.database, tenant, order_id, "The rice is still cooking, 20 more minutes.")
    with h.database.write() as session:
        resume_order(session, get_order(session, tenant.id, order_id, lock=True), actor="test")
    h.dispatch()
    bodies = [form["Body"] for form in h.recorder.sent]
    assert len(bodies) == 3
    assert bodies[1] == (
        "Mama Put Lagos: your order #1001 is on hold ⏸️\n"
        "The rice is still cooking, 20 more minutes.\n"
        "We will message you as soon as it moves again."
    )
    assert bodies[2] == "Mama Put Lagos: your order #1001 is back on ▶️"


def test_an_order_imported_already_delivered_tells_the_customer_nothing(
    h: Harness, tenant: TenantInfo
) -> None:
    place(h.database, tenant.id, channel="api", status="delivered", payment_reference="T-1")
    h.dispatch()
    assert h.recorder.sent == []
    place(h.database, tenant.id, channel="api", status="confirmed", payment_reference="T-2")
    h.dispatch()
    bodies = [form["Body"] for form in h.recorder.sent]
    assert len(bodies) == 2  # the order with its lines, then the receipt
    assert "was received" in bodies[0] and "we received your payment" in bodies[1]


def test_staff_hold_and_resume_by_chat(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    order_id = place(database, tenant.id)
    number = order_id.removeprefix("ord_")
    held = whatsapp.send(f"hold {number} waiting for fresh fish", from_=DEMO_STAFF).text
    assert held == f"Order #{number} is now *on_hold*. Next: *RESUME {number}*."
    with database.read() as session:
        order = get_order(session, tenant.id, order_id)
        assert (order.held_from, order.hold_reason) == ("pending", "waiting for fresh fish")
    again = whatsapp.send(f"confirm {number}", from_=DEMO_STAFF).text
    assert "can't be confirmed" in again and f"*PENDING {number}*" not in again
    resumed = whatsapp.send(f"resume {number}", from_=DEMO_STAFF).text
    assert resumed == f"Order #{number} is now *pending*."
    twice = whatsapp.send(f"resume {number}", from_=DEMO_STAFF).text
    assert twice == f"Order #{number}: This order is not on hold (it is pending)."


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("hold 1042 kitchen busy", StaffCommand("hold", "1042", "kitchen busy")),
        ("PAUSE order 1042", StaffCommand("hold", "1042", "")),
        ("resume #1042", StaffCommand("resume", "1042", "")),
    ],
)
def test_parse_hold_commands(text: str, command: StaffCommand) -> None:
    assert parse_staff_command(text) == command
