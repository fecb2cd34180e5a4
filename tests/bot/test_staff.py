"""Staff run orders by replying on WhatsApp: confirm, reject, move on, mark paid, list."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.staff import StaffCommand, parse_staff_command
from orders_core.db import Database
from orders_core.demo import DEMO_STAFF
from orders_core.domain import OrderStatus
from orders_core.models import (
    Checkout,
    Conversation,
    Message,
    Order,
    OutboxEvent,
    Payment,
    TimelineEvent,
)
from orders_core.schemas import CustomerIn, OrderCreate, OrderItemIn
from orders_core.services.orders import get_order, transition
from orders_core.services.placing import place_order
from orders_core.services.tenants import get_tenant
from tests.conftest import TenantInfo
from tests.webhooks.twilio_helpers import WhatsApp


def make_order(database: Database, tenant: TenantInfo, phone: str = "+2348012345678") -> int:
    """A pending order of 2 jollof + 1 chapman (₦8,500) placed through the API use case."""
    with database.write() as session:
        order = place_order(
            session,
            get_tenant(session, tenant.id),
            OrderCreate(
                customer=CustomerIn(name="Amara", phone=phone),
                items=[
                    OrderItemIn(product_id="prod_jollof", quantity=2),
                    OrderItemIn(product_id="prod_chapman", quantity=1),
                ],
                channel="whatsapp",
            ),
        )
        return order.number


def order_row(database: Database, tenant: TenantInfo, number: int) -> Order:
    with database.read() as session:
        return get_order(session, tenant.id, str(number))


def staff(whatsapp: WhatsApp, text: str) -> str:
    return whatsapp.send(text, from_=DEMO_STAFF).text


def test_confirm_by_number_goes_through_the_use_case(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    number = make_order(database, tenant)

    reply = staff(whatsapp, f"confirm {number}")

    assert f"#{number}" in reply and "confirmed" in reply
    assert order_row(database, tenant, number).status == "confirmed"
    with database.read() as session:
        order = get_order(session, tenant.id, str(number))
        events = session.scalars(
            select(TimelineEvent).where(TimelineEvent.order_id == order.id)
        ).all()
        outbox = session.scalars(select(OutboxEvent).where(OutboxEvent.order_id == order.id)).all()
    confirmed = [e for e in events if e.data.get("to") == "confirmed"]
    assert [e.actor for e in confirmed] == [f"staff:{DEMO_STAFF}"]
    assert [e.type for e in outbox] == ["order.created", "order.status_changed"]


def test_staff_messages_never_make_a_cart(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    reply = staff(whatsapp, "2 jollof")

    assert "CONFIRM 1042" in reply  # the staff help
    with database.read() as session:
        assert session.scalars(select(Conversation)).one().state == "browsing"
        assert session.scalars(select(Checkout)).all() == []
        assert session.scalars(select(Order)).all() == []


def test_the_whole_lifecycle_by_chat(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    number = make_order(database, tenant)

    for command, status in [
        ("confirm", "confirmed"),
        ("preparing", "preparing"),
        ("out", "out_for_delivery"),
        ("delivered", "delivered"),
    ]:
        assert status in staff(whatsapp, f"{command} {number}")
        assert order_row(database, tenant, number).status == status


def test_paid_records_the_balance(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    number = make_order(database, tenant)

    reply = staff(whatsapp, f"paid #{number}")

    assert "₦8,500" in reply and "paid" in reply
    order = order_row(database, tenant, number)
    assert (order.payment_status, order.amount_paid) == ("paid", 850000)
    with database.read() as session:
        payment = session.scalars(select(Payment)).one()
    assert (payment.amount, payment.method) == (850000, "other")
    assert "already paid" in staff(whatsapp, f"paid {number}")


@pytest.mark.parametrize("amount", ["3500", "3,500", "₦3,500"])
def test_paid_with_an_amount_records_that_amount(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo, amount: str
) -> None:
    number = make_order(database, tenant)

    reply = staff(whatsapp, f"paid {number} {amount}")

    assert "₦3,500" in reply
    order = order_row(database, tenant, number)
    assert (order.payment_status, order.amount_paid) == ("partially_paid", 350000)
    with database.read() as session:
        payment = session.scalars(select(Payment)).one()
    assert (payment.amount, payment.method) == (350000, "other")
    staff(whatsapp, f"paid {number} 5000")
    assert order_row(database, tenant, number).payment_status == "paid"


def test_paid_with_a_bad_amount_says_the_form(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    number = make_order(database, tenant)

    reply = staff(whatsapp, f"paid {number} lots")

    assert f"PAID {number}" in reply and f"PAID {number} 3500" in reply
    assert order_row(database, tenant, number).amount_paid == 0
    with database.read() as session:
        assert session.scalars(select(Payment)).all() == []


def test_paid_more_than_owed_is_refused(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    number = make_order(database, tenant)

    reply = staff(whatsapp, f"paid {number} 9000")

    assert f"#{number}" in reply and "more than" in reply
    assert order_row(database, tenant, number).amount_paid == 0


def test_cancel_with_a_reason_is_a_reject(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    number = make_order(database, tenant)

    reply = staff(whatsapp, f"cancel {number} jollof is finished")

    assert "cancelled" in reply
    order = order_row(database, tenant, number)
    assert (order.status, order.cancel_reason, order.cancel_note) == (
        "cancelled",
        "out_of_stock",
        "jollof is finished",
    )


@pytest.mark.parametrize(
    ("reason", "expected"),
    [("sorry, jollof is finished", "out_of_stock"), ("kitchen closed early", "other")],
)
def test_reject_cancels_with_a_reason(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo, reason: str, expected: str
) -> None:
    number = make_order(database, tenant)

    reply = staff(whatsapp, f"reject {number} {reason}")

    assert "cancelled" in reply
    order = order_row(database, tenant, number)
    assert (order.status, order.cancel_reason, order.cancel_note) == ("cancelled", expected, reason)


def test_illegal_transition_says_what_is_allowed(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    number = make_order(database, tenant)
    with database.write() as session:
        order = get_order(session, tenant.id, str(number))
        transition(session, order, OrderStatus.PREPARING, actor="test")

    reply = staff(whatsapp, f"confirm {number}")

    assert "is *preparing*" in reply
    assert f"OUT {number}" in reply and f"DELIVERED {number}" in reply
    assert f"REJECT {number}" in reply
    assert order_row(database, tenant, number).status == "preparing"


def test_a_final_order_says_so(whatsapp: WhatsApp, database: Database, tenant: TenantInfo) -> None:
    number = make_order(database, tenant)
    staff(whatsapp, f"reject {number} closed")

    reply = staff(whatsapp, f"delivered {number}")

    assert "final" in reply
    assert order_row(database, tenant, number).status == "cancelled"


def test_a_wrong_number_lists_the_open_orders(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    number = make_order(database, tenant)

    reply = staff(whatsapp, "confirm 9999")

    assert "no order #9999" in reply and f"#{number}" in reply
    assert order_row(database, tenant, number).status == "pending"


def test_bare_confirm_with_nothing_pending(whatsapp: WhatsApp, tenant: TenantInfo) -> None:
    assert "No orders are waiting" in staff(whatsapp, "confirm")


def test_bare_confirm_with_one_pending_confirms_it(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    number = make_order(database, tenant)

    assert "confirmed" in staff(whatsapp, "Confirm")

    assert order_row(database, tenant, number).status == "confirmed"


def test_bare_confirm_with_two_pending_asks_which(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    first = make_order(database, tenant)
    second = make_order(database, tenant, phone="+2348099999999")

    reply = staff(whatsapp, "confirm")

    assert "Which order?" in reply and f"#{first}" in reply and f"#{second}" in reply
    assert {order_row(database, tenant, n).status for n in (first, second)} == {"pending"}


def test_orders_lists_the_open_ones(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    open_one = make_order(database, tenant)
    done = make_order(database, tenant)
    staff(whatsapp, f"reject {done} duplicate")

    reply = staff(whatsapp, "orders")

    assert f"#{open_one} · pending · Amara · ₦8,500" in reply
    assert f"#{done}" not in reply


def test_staff_replies_are_recorded(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    staff(whatsapp, "help")

    with database.read() as session:
        reply = session.scalars(select(Message).where(Message.direction == "outbound")).one()
    assert (reply.kind, reply.status, reply.sid) == ("reply", "sent", None)
    assert reply.to_number == f"whatsapp:{DEMO_STAFF}"


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("confirm 1042", StaffCommand("confirm", "1042", "")),
        ("CONFIRM #1042", StaffCommand("confirm", "1042", "")),
        ("reject ord_1042 out of stock.", StaffCommand("reject", "1042", "out of stock")),
        ("out for delivery 1042", StaffCommand("out", "1042", "")),
        ("cancel 1042 duplicate", StaffCommand("reject", "1042", "duplicate")),
        ("paid 1042 3,500", StaffCommand("paid", "1042", "3,500")),
        ("confirm", StaffCommand("confirm", None, "")),
        ("orders", StaffCommand("orders", None, "")),
        ("hello there", None),
        ("", None),
    ],
)
def test_parse_staff_command(text: str, command: StaffCommand | None) -> None:
    assert parse_staff_command(text) == command
