"""Each order event becomes the right customer message, through the real twilio library."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.notifications import cancelled_notice, status_notice
from bot.outbound import queue_message
from orders_core.db import Database
from orders_core.models import Order
from orders_core.schemas import CancelIn, FulfillmentIn, PaymentIn, RefundIn
from orders_core.services import orders as use
from orders_core.services import payments as money
from orders_core.services.tenants import get_tenant, update_tenant_settings
from tests.conftest import TenantInfo
from tests.twilio_recorder import (
    CUSTOMER,
    Harness,
    move,
    outbound,
    place,
)


def _change(database: Database, tenant: TenantInfo, order_id: str, work: object) -> None:
    with database.write() as session:
        order = use.get_order(session, tenant.id, order_id, lock=True)
        work(session, order)  # type: ignore[operator]


def test_whatsapp_order_created_needs_no_message_but_confirmed_does(
    h: Harness, tenant: TenantInfo
) -> None:
    order_id = place(h.database, tenant.id)
    h.dispatch()
    assert h.recorder.sent == []  # the bot replied in the chat already
    move(h.database, tenant.id, order_id, "confirmed")
    report = h.dispatch()
    assert report.messages == 1
    [form] = h.recorder.sent
    assert form["To"] == f"whatsapp:{CUSTOMER}"
    assert form["From"] == f"whatsapp:{tenant.whatsapp}"
    assert form["StatusCallback"] == "https://chatorders.example.com/webhooks/twilio/status"
    assert form["Body"] == (
        "Mama Put Lagos: your order #1001 is confirmed ✅\n"
        "2 × Jollof Rice (Large) — ₦7,000\nTotal: ₦7,000"
    )
    [message] = outbound(h.database, tenant.id)
    assert message.status == "queued" and message.sid and message.sid.startswith("SM")
    assert message.attempts == 1 and message.kind == "notification"
    assert message.order_id is not None


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("preparing", "your order #1001 is being prepared"),
        ("delivered", "your order #1001 has been delivered"),
    ],
)
def test_status_wording(h: Harness, tenant: TenantInfo, status: str, expected: str) -> None:
    order_id = place(h.database, tenant.id)
    move(h.database, tenant.id, order_id, status)
    h.dispatch()
    assert len(h.recorder.sent) == 1
    assert expected in h.recorder.sent[0]["Body"]


def test_out_for_delivery_carries_the_tracking_link(h: Harness, tenant: TenantInfo) -> None:
    order_id = place(h.database, tenant.id)
    move(h.database, tenant.id, order_id, "confirmed")
    fulfil = FulfillmentIn(tracking_number="GIG-1", tracking_url="https://track.example/GIG-1")
    _change(h.database, tenant, order_id, lambda s, o: use.fulfill_order(s, o, fulfil, actor="t"))
    h.dispatch()
    bodies = [form["Body"] for form in h.recorder.sent]
    assert len(bodies) == 2  # confirmed, then on its way (the full dispatch says no more)
    assert "is on its way" in bodies[1]
    assert "Track it here: https://track.example/GIG-1" in bodies[1]


def test_partial_fulfillment_tells_the_customer(h: Harness, tenant: TenantInfo) -> None:
    order_id = place(h.database, tenant.id)
    with h.database.read() as session:
        item_id = f"item_{session.scalars(select(Order)).one().items[0].id}"
    part = FulfillmentIn(
        items=[{"item_id": item_id, "quantity": 1}], tracking_url="https://t.example/1"
    )
    _change(h.database, tenant, order_id, lambda s, o: use.fulfill_order(s, o, part, actor="t"))
    h.dispatch()
    [form] = h.recorder.sent
    assert "part of your order #1001 is on its way" in form["Body"]


def test_cancellation_is_one_message_with_the_reason(h: Harness, tenant: TenantInfo) -> None:
    order_id = place(h.database, tenant.id)
    cancel = CancelIn(reason="out_of_stock", note="Jollof is finished for today.")
    _change(h.database, tenant, order_id, lambda s, o: use.cancel_order(s, o, cancel, actor="t"))
    h.dispatch()
    [form] = h.recorder.sent
    assert form["Body"] == (
        "Mama Put Lagos: your order #1001 was cancelled. Reason: out of stock. "
        "Note: Jollof is finished for today."
    )


@pytest.mark.parametrize("channel", ["whatsapp", "sms"])
def test_a_cancellation_the_customer_asked_for_by_chat_is_not_announced_again(
    h: Harness, tenant: TenantInfo, channel: str
) -> None:
    with h.database.write() as session:
        get_tenant(session, tenant.id).sms_number = "+2348000000099"
    order_id = place(h.database, tenant.id, channel=channel)
    cancel = CancelIn(reason="customer_request", note="cancel")
    by_chat = f"customer:{CUSTOMER}"
    _change(
        h.database, tenant, order_id, lambda s, o: use.cancel_order(s, o, cancel, actor=by_chat)
    )
    h.dispatch()
    assert h.recorder.sent == []  # the bot's own reply already said it


def test_staff_cancelling_for_a_customer_who_phoned_still_tells_them(
    h: Harness, tenant: TenantInfo
) -> None:
    order_id = place(h.database, tenant.id, channel="whatsapp")
    cancel = CancelIn(reason="customer_request", note="They called to cancel")
    _change(
        h.database, tenant, order_id, lambda s, o: use.cancel_order(s, o, cancel, actor="dashboard")
    )
    h.dispatch()
    [form] = h.recorder.sent
    assert (
        form["Body"] == "Mama Put Lagos: your order #1001 was cancelled. Reason: at your request."
    )


@pytest.mark.parametrize(
    ("reason", "note", "expected"),
    [
        (
            "customer_request",
            "cancel",
            "Biz: your order #7 was cancelled. Reason: at your request.",
        ),
        ("other", "Kitchen closed", "Biz: your order #7 was cancelled. Note: Kitchen closed"),
        ("other", None, "Biz: your order #7 was cancelled."),
        ("duplicate", None, "Biz: your order #7 was cancelled. Reason: it was a duplicate."),
    ],
)
def test_cancelled_wording(reason: str, note: str | None, expected: str) -> None:
    notice = cancelled_notice({"number": 7, "currency": "NGN"}, "Biz", reason, note)

    assert notice.body == expected
    assert "because as you asked" not in notice.body


def test_a_customer_request_on_an_api_order_is_still_announced(
    h: Harness, tenant: TenantInfo
) -> None:
    order_id = place(h.database, tenant.id, channel="api")  # CUSTOMER is on WhatsApp
    cancel = CancelIn(reason="customer_request", note="called the shop")
    _change(h.database, tenant, order_id, lambda s, o: use.cancel_order(s, o, cancel, actor="a"))
    h.dispatch()
    bodies = [form["Body"] for form in h.recorder.sent]
    assert bodies[-1] == "Mama Put Lagos: your order #1001 was cancelled. Reason: at your request."


def test_payment_and_refund(h: Harness, tenant: TenantInfo) -> None:
    order_id = place(h.database, tenant.id)
    move(h.database, tenant.id, order_id, "confirmed")
    _change(
        h.database,
        tenant,
        order_id,
        lambda s, o: money.record_payment(s, o, PaymentIn(), actor="t"),
    )
    _change(
        h.database,
        tenant,
        order_id,
        lambda s, o: money.refund_order(s, o, RefundIn(amount=350000), actor="t"),
    )
    h.dispatch()
    bodies = [form["Body"] for form in h.recorder.sent]
    assert bodies[1] == (
        "Mama Put Lagos: we received your payment of ₦7,000 for order #1001. Thank you!"
    )
    assert bodies[2] == "Mama Put Lagos: we have refunded ₦3,500 for order #1001."


def test_sms_orders_get_plain_numbers_and_free_text(h: Harness, tenant: TenantInfo) -> None:
    with h.database.write() as session:
        get_tenant(session, tenant.id).sms_number = "+2348000000099"
    order_id = place(h.database, tenant.id, channel="sms", phone="+2348099999999")
    move(h.database, tenant.id, order_id, "confirmed")
    h.dispatch()
    [form] = h.recorder.sent
    assert form["To"] == "+2348099999999" and form["From"] == "+2348000000099"
    assert "Body" in form  # no 24-hour window on SMS


def test_api_orders_reach_whatsapp_customers_only_when_enabled(
    h: Harness, tenant: TenantInfo
) -> None:
    place(h.database, tenant.id, channel="api")  # CUSTOMER is a known WhatsApp user
    place(h.database, tenant.id, channel="api", phone="+2348077777777")  # not on WhatsApp
    h.dispatch()
    [form] = h.recorder.sent
    assert form["To"] == f"whatsapp:{CUSTOMER}"
    assert "your order #1001 was received" in form["Body"]
    with h.database.write() as session:
        update_tenant_settings(
            session, get_tenant(session, tenant.id), {"notify_web_orders_on_whatsapp": False}
        )
    place(h.database, tenant.id, channel="api")
    h.dispatch()
    assert len(h.recorder.sent) == 1


def test_auto_notifications_off_silences_customers_not_staff(
    h: Harness, tenant: TenantInfo
) -> None:
    with h.database.write() as session:
        update_tenant_settings(
            session, get_tenant(session, tenant.id), {"auto_notifications": False}
        )
    order_id = place(h.database, tenant.id)
    move(h.database, tenant.id, order_id, "confirmed")
    with h.database.write() as session:
        queue_message(
            session, get_tenant(session, tenant.id), to_phone="+2348000000001",
            channel="whatsapp", kind="alert", body="New order #1001", now=h.now,
        )  # fmt: skip
    h.dispatch()
    assert [form["To"] for form in h.recorder.sent] == ["whatsapp:+2348000000001"]


def test_status_updates_are_written_in_the_language_the_customer_chats_in(
    h: Harness, tenant: TenantInfo
) -> None:
    from orders_core.models import Conversation, utcnow

    with h.database.write() as session:
        now = utcnow()
        session.add(
            Conversation(
                tenant_id=tenant.id, phone=CUSTOMER, state="browsing",
                data={"lang": "sw"}, last_activity_at=now, created_at=now,
            )
        )  # fmt: skip
    order_id = place(h.database, tenant.id)
    move(h.database, tenant.id, order_id, "preparing")
    h.dispatch()

    [form] = h.recorder.sent
    assert form["Body"] == "Mama Put Lagos: oda yako #1001 inaandaliwa 👩🏾‍🍳"


def test_the_confirmation_lists_each_line_with_its_options() -> None:
    order = {"number": 1042, "currency": "NGN", "status": "confirmed", "total": 230000, "items": [
        {"name": "Moi Moi", "quantity": 2, "subtotal": 180000,
         "options": [{"group": "Type", "name": "Egg", "price": 20000}]},
        {"name": "Jollof Rice", "quantity": 1, "subtotal": 50000, "options": []},
    ]}  # fmt: skip
    notice = status_notice(order, "Mama Put", None)
    assert notice is not None
    assert "2 × Moi Moi (Egg) — ₦1,800\n1 × Jollof Rice — ₦500\nTotal: ₦2,300" in notice.body
