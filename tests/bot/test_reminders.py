"""Reminders on a controllable clock: staff chasers, auto-cancel, unpaid, carts, feedback,
quiet hours; each message exactly once however often the jobs run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.opening import HOLD_KEY
from bot.reminders import (
    ask_feedback,
    nudge_abandoned_carts,
    remind_pending,
    remind_unpaid,
)
from orders_core.db import Database
from orders_core.models import Conversation, Customer, Order
from orders_core.opening_hours import in_quiet_hours
from orders_core.services.tenants import get_tenant, update_tenant_settings
from orders_core.settings import Settings
from tests.bot.chat_cart import seed_cart
from tests.conftest import TenantInfo
from tests.twilio_recorder import (
    CUSTOMER,
    Harness,
    customer_wrote,
    make_harness,
    move,
    outbound,
    place,
)

DAYTIME = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)  # noon in Lagos
STAFF = "whatsapp:+2348000000001"
TEMPLATE = {"content_sid": "HX" + "b" * 32, "variables": ["business", "items"]}


@pytest.fixture
def h(database: Database, settings: Settings, tenant: TenantInfo) -> Harness:
    """The harness at noon in Lagos; the customer wrote an hour ago."""
    harness = make_harness(database, settings)
    harness.now = DAYTIME
    customer_wrote(database, tenant.id, DAYTIME - timedelta(hours=1))
    return harness


def _set(h: Harness, tenant: TenantInfo, **changes: object) -> None:
    with h.database.write() as session:
        update_tenant_settings(session, get_tenant(session, tenant.id), changes)


def _aged_order(
    h: Harness, tenant: TenantInfo, status: str, minutes: float, **fields: object
) -> str:
    """An order that reached `status` `minutes` before the harness's now."""
    order_id = place(h.database, tenant.id, **fields)
    if status != "pending":
        move(h.database, tenant.id, order_id, status)
    with h.database.write() as session:
        order = session.scalars(select(Order).where(Order.number == int(order_id[4:]))).one()
        order.status_changed_at = h.now - timedelta(minutes=minutes)
    return order_id


def _run(h: Harness, job: object) -> int:
    queued = job(h.database, now=h.now)  # type: ignore[operator]
    h.dispatch()
    return queued


def _to(h: Harness, address: str) -> list[str]:
    return [f.get("Body", f.get("ContentSid")) for f in h.recorder.sent if f["To"] == address]


def test_pending_orders_remind_staff_twice_then_stop(h: Harness, tenant: TenantInfo) -> None:
    _aged_order(h, tenant, "pending", 9)
    assert _run(h, remind_pending) == 0
    h.advance(minutes=1)
    assert _run(h, remind_pending) == 1
    assert _run(h, remind_pending) == 0  # the same run again: nothing new
    [first] = _to(h, STAFF)
    assert first.startswith("⏰ Order #1001 has been waiting 10 min for confirmation.")
    assert "Reply 'confirm 1001'" in first
    h.advance(minutes=10)
    assert _run(h, remind_pending) == 1
    h.advance(minutes=60)
    assert _run(h, remind_pending) == 0
    assert len(_to(h, STAFF)) == 2
    keys = [m.dedupe_key for m in outbound(h.database, tenant.id)]
    assert keys == [
        f"pending-reminder:{tenant.id}:ord_1001:1:+2348000000001",
        f"pending-reminder:{tenant.id}:ord_1001:2:+2348000000001",
    ]


def test_auto_cancel_tells_the_customer(h: Harness, tenant: TenantInfo) -> None:
    _set(h, tenant, auto_cancel_minutes=30)
    order_id = _aged_order(h, tenant, "pending", 31)
    _run(h, remind_pending)
    _run(h, remind_pending)
    with h.database.read() as session:
        order = session.scalars(select(Order)).one()
    assert (order.status, order.cancel_note) == ("cancelled", "It was not confirmed in time.")
    assert _to(h, f"whatsapp:{CUSTOMER}") == [
        f"Mama Put Lagos: your order #{order_id[4:]} was cancelled. "
        "Note: It was not confirmed in time."
    ]


def test_auto_cancel_tells_the_staff_once(h: Harness, tenant: TenantInfo) -> None:
    _set(h, tenant, auto_cancel_minutes=30)
    order_id = _aged_order(h, tenant, "pending", 31)
    _run(h, remind_pending)
    _run(h, remind_pending)
    h.advance(minutes=30)
    _run(h, remind_pending)
    assert _to(h, STAFF) == [
        f"Order #{order_id[4:]} was cancelled automatically: not confirmed within 30 minutes."
    ]
    [alert] = [m for m in outbound(h.database, tenant.id) if m.kind == "alert"]
    assert alert.dedupe_key is not None and alert.dedupe_key.startswith("auto-cancel:")
    assert alert.order_id is not None


def test_auto_cancel_is_off_by_default(h: Harness, tenant: TenantInfo) -> None:
    _aged_order(h, tenant, "pending", 24 * 60)
    _run(h, remind_pending)
    with h.database.read() as session:
        assert session.scalars(select(Order)).one().status == "pending"


def test_unpaid_confirmed_orders_remind_the_customer_once(h: Harness, tenant: TenantInfo) -> None:
    _set(h, tenant, unpaid_reminder_minutes=60)
    _aged_order(h, tenant, "confirmed", 59)
    assert _run(h, remind_unpaid) == 0
    h.advance(minutes=2)
    assert _run(h, remind_unpaid) == 1
    h.advance(hours=3)
    assert _run(h, remind_unpaid) == 0
    [body] = [b for b in _to(h, f"whatsapp:{CUSTOMER}") if "reminder" in b]
    assert body == (
        "Mama Put Lagos: a reminder that order #1001 is waiting for payment of ₦7,000. "
        "Reply here if you need our payment details."
    )


def test_a_part_paid_order_is_reminded_of_the_rest(h: Harness, tenant: TenantInfo) -> None:
    _set(h, tenant, unpaid_reminder_minutes=60)
    _aged_order(h, tenant, "confirmed", 90, payment={"amount": 200000})
    assert _run(h, remind_unpaid) == 1
    [body] = [b for b in _to(h, f"whatsapp:{CUSTOMER}") if "reminder" in b]
    assert "waiting for payment of ₦5,000" in body


def test_quiet_hours_hold_customer_reminders_until_morning(h: Harness, tenant: TenantInfo) -> None:
    _set(h, tenant, unpaid_reminder_minutes=60)
    h.now = datetime(2026, 3, 10, 21, 30, tzinfo=UTC)  # 22:30 in Lagos
    customer_wrote(h.database, tenant.id, h.now - timedelta(hours=2))
    _aged_order(h, tenant, "confirmed", 90)
    _aged_order(h, tenant, "pending", 15)
    assert _run(h, remind_unpaid) == 0
    assert _run(h, remind_pending) == 1  # staff are chased even at night
    h.now = datetime(2026, 3, 11, 6, 59, tzinfo=UTC)  # 07:59 in Lagos
    assert _run(h, remind_unpaid) == 0
    h.now = datetime(2026, 3, 11, 7, 0, tzinfo=UTC)  # 08:00 in Lagos
    customer_wrote(h.database, tenant.id, h.now - timedelta(hours=1))
    assert _run(h, remind_unpaid) == 1
    assert len([b for b in _to(h, f"whatsapp:{CUSTOMER}") if "reminder" in b]) == 1


def test_in_quiet_hours() -> None:
    lagos = "Africa/Lagos"
    at = lambda hour: datetime(2026, 3, 10, hour, 30, tzinfo=UTC)  # noqa: E731  (UTC+1)
    assert [in_quiet_hours(at(h), lagos, 21, 8) for h in (19, 20, 6, 7)] == [
        False,
        True,
        True,
        False,
    ]
    assert [in_quiet_hours(at(h), lagos, 13, 15) for h in (11, 12, 13, 14)] == [
        False,
        True,
        True,
        False,
    ]
    assert not in_quiet_hours(at(3), lagos, 8, 8)


def _cart(
    h: Harness, tenant: TenantInfo, idle_minutes: float, state: str = "cart", phone: str = CUSTOMER
) -> None:
    with h.database.write() as session:
        seed_cart(session, tenant.id, phone, {"prod_jollof": 2} if state != "browsing" else {},
                  state=state, last_activity_at=h.now - timedelta(minutes=idle_minutes))  # fmt: skip


def test_abandoned_cart_gets_at_most_two_nudges_a_day_apart(h: Harness, tenant: TenantInfo) -> None:
    _set(h, tenant, templates={"reminder.abandoned_cart": TEMPLATE})
    _cart(h, tenant, 59, state="awaiting_confirmation")
    assert _run(h, nudge_abandoned_carts) == 0
    h.advance(minutes=2)
    assert _run(h, nudge_abandoned_carts) == 1
    h.advance(hours=23)
    assert _run(h, nudge_abandoned_carts) == 0
    h.advance(hours=1, minutes=1)
    assert _run(h, nudge_abandoned_carts) == 1
    h.advance(days=3)
    assert _run(h, nudge_abandoned_carts) == 0
    first, second = h.recorder.sent
    assert first["Body"] == (
        "Mama Put Lagos: you left 2 × Jollof Rice (Large) in your cart. "
        "Reply YES to place the order, or tell us what to change."
    )
    assert "Body" not in second and second["ContentSid"] == TEMPLATE["content_sid"]  # window gone


def test_second_cart_nudge_without_template_is_held(h: Harness, tenant: TenantInfo) -> None:
    _cart(h, tenant, 61)
    _run(h, nudge_abandoned_carts)
    h.advance(hours=24, minutes=1)
    _run(h, nudge_abandoned_carts)
    assert len(h.recorder.sent) == 1
    assert [m.status for m in outbound(h.database, tenant.id)] == ["queued", "needs_template"]


def test_a_cart_from_an_sms_customer_is_nudged_by_sms(h: Harness, tenant: TenantInfo) -> None:
    sms_customer = "+2348099999999"
    with h.database.write() as session:
        get_tenant(session, tenant.id).sms_number = "+2348000000099"
        session.add(Customer(tenant_id=tenant.id, phone=sms_customer, whatsapp=False))
    _cart(h, tenant, 61)
    _cart(h, tenant, 61, phone=sms_customer)

    assert _run(h, nudge_abandoned_carts) == 2

    to = sorted((form["To"], form["From"]) for form in h.recorder.sent)
    assert to == [
        (sms_customer, "+2348000000099"),
        (f"whatsapp:{CUSTOMER}", f"whatsapp:{tenant.whatsapp}"),
    ]


def _take_over(h: Harness, tenant: TenantInfo, minutes: int) -> None:
    """Staff talk with CUSTOMER for the next `minutes` (as a staff REPLY does)."""
    with h.database.write() as session:
        conversation = session.scalar(
            select(Conversation).where(
                Conversation.tenant_id == tenant.id, Conversation.phone == CUSTOMER
            )
        )
        if conversation is None:
            conversation = Conversation(
                tenant_id=tenant.id, phone=CUSTOMER, last_activity_at=h.now, created_at=h.now
            )
            session.add(conversation)
        conversation.taken_over_until = h.now + timedelta(minutes=minutes)


def test_reminders_wait_while_staff_talk_with_the_customer(h: Harness, tenant: TenantInfo) -> None:
    _set(h, tenant, unpaid_reminder_minutes=60)
    _aged_order(h, tenant, "confirmed", 90)
    _cart(h, tenant, 61)
    _take_over(h, tenant, 30)

    assert _run(h, remind_unpaid) == 0
    assert _run(h, nudge_abandoned_carts) == 0

    h.advance(minutes=31)  # the takeover ran out: the bot (and its reminders) are back
    assert _run(h, remind_unpaid) == 1
    assert _run(h, nudge_abandoned_carts) == 1


def test_a_cart_kept_for_opening_is_not_nudged(h: Harness, tenant: TenantInfo) -> None:
    with h.database.write() as session:
        seed_cart(session, tenant.id, CUSTOMER, {"prod_jollof": 2},
                  data={HOLD_KEY: {"at": "2026-03-10T23:00:00+00:00"}},
                  last_activity_at=h.now - timedelta(hours=5))  # fmt: skip
    assert _run(h, nudge_abandoned_carts) == 0


def test_empty_or_browsing_conversations_are_not_nudged(h: Harness, tenant: TenantInfo) -> None:
    _cart(h, tenant, 600, state="browsing")
    assert _run(h, nudge_abandoned_carts) == 0


def test_feedback_after_delivery_once(h: Harness, tenant: TenantInfo) -> None:
    _set(h, tenant, feedback_after_minutes=120)
    _aged_order(h, tenant, "delivered", 119)
    h.recorder.requests.clear()
    assert _run(h, ask_feedback) == 0
    h.advance(minutes=2)
    assert _run(h, ask_feedback) == 1
    h.advance(days=1)
    assert _run(h, ask_feedback) == 0
    feedback = [b for b in _to(h, f"whatsapp:{CUSTOMER}") if "how was" in b]
    assert feedback == [
        "Mama Put Lagos: how was order #1001? "
        "Reply with a number from 1 (poor) to 5 (great), or tell us in your own words."
    ]


def test_opted_out_and_silenced_customers_get_no_reminders(h: Harness, tenant: TenantInfo) -> None:
    _set(h, tenant, unpaid_reminder_minutes=60, feedback_after_minutes=60)
    _aged_order(h, tenant, "confirmed", 61)
    with h.database.write() as session:
        session.scalars(select(Customer)).one().opted_out = True
    assert _run(h, remind_unpaid) == 1
    assert [m.status for m in outbound(h.database, tenant.id)][-1] == "skipped"
    _set(h, tenant, auto_notifications=False)
    _aged_order(h, tenant, "delivered", 61, phone="+2348055555555")
    assert _run(h, ask_feedback) == 0
    assert h.recorder.sent == []
