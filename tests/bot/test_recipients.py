"""Who is messaged and on which channel: one rule (bot.recipients) for every sender.

The order notice and the reminders agree on the customer; staff alerts, pending reminders
and the endpoint-disabled notice all reach staff through `message_staff`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

import bot.recipients
from bot.reminders import remind_pending, remind_unpaid
from bot.staff import alert_staff
from bot.webhook_delivery import DISABLE_AFTER
from orders_core.db import Database
from orders_core.models import Customer, Message, Order, StaffMember, WebhookEndpoint
from orders_core.services.tenants import get_tenant, update_tenant_settings
from orders_core.settings import Settings
from orders_core.tenant_settings import TenantSettings
from tests.conftest import TenantInfo
from tests.twilio_recorder import CUSTOMER, Harness, make_harness, move, outbound, place

DAYTIME = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)  # noon in Lagos
STRANGER = "+2348077777777"  # gave a number on a web form, never wrote to the business
SMS_NUMBER = "+2348000000099"
SECOND_STAFF = "+2348000000002"


@pytest.fixture
def h(database: Database, settings: Settings, tenant: TenantInfo) -> Harness:
    """The harness at noon in Lagos: CUSTOMER wrote on WhatsApp an hour ago; the business
    has an SMS number too, reminds of unpaid orders after an hour, and has two staff."""
    harness = make_harness(database, settings)
    harness.now = DAYTIME
    with database.write() as session:
        row = get_tenant(session, tenant.id)
        row.sms_number = SMS_NUMBER
        update_tenant_settings(session, row, {"unpaid_reminder_minutes": 60})
        session.add(StaffMember(tenant_id=tenant.id, phone=SECOND_STAFF))
        session.add(
            Customer(
                tenant_id=tenant.id, phone=CUSTOMER, whatsapp=True,
                last_inbound_at=DAYTIME - timedelta(hours=1),
            )
        )  # fmt: skip
    return harness


def _confirm_then_remind(
    h: Harness, tenant: TenantInfo, channel: str, phone: str
) -> tuple[list[str], list[str]]:
    """Place and confirm an order, then run the unpaid reminder two hours later: the `To`
    of every message the customer got before the reminder ran, and after."""
    order_id = place(h.database, tenant.id, channel=channel, phone=phone)
    move(h.database, tenant.id, order_id, "confirmed")
    with h.database.write() as session:
        order = session.scalars(select(Order).where(Order.number == int(order_id[4:]))).one()
        order.status_changed_at = h.now
    h.dispatch()
    told = [form["To"] for form in h.recorder.sent]
    h.advance(hours=2)
    remind_unpaid(h.database, now=h.now)
    h.dispatch()
    return told, [form["To"] for form in h.recorder.sent[len(told) :]]


def test_a_web_order_from_someone_who_never_wrote_gets_no_reminder_either(
    h: Harness, tenant: TenantInfo
) -> None:
    assert _confirm_then_remind(h, tenant, "web", STRANGER) == ([], [])
    assert [m for m in outbound(h.database, tenant.id) if m.customer_phone == STRANGER] == []


@pytest.mark.parametrize(
    ("channel", "phone", "expected"),
    [
        ("whatsapp", CUSTOMER, f"whatsapp:{CUSTOMER}"),
        ("sms", STRANGER, STRANGER),
        ("web", CUSTOMER, f"whatsapp:{CUSTOMER}"),  # a web order from a WhatsApp customer
        ("api", CUSTOMER, f"whatsapp:{CUSTOMER}"),
    ],
)
def test_the_reminder_goes_where_the_confirmation_went(
    h: Harness, tenant: TenantInfo, channel: str, phone: str, expected: str
) -> None:
    told, reminded = _confirm_then_remind(h, tenant, channel, phone)
    assert told and set(told) == {expected}  # received (web/api only) and confirmed
    assert reminded == [expected]


def test_with_web_notices_off_a_web_order_is_neither_confirmed_nor_reminded(
    h: Harness, tenant: TenantInfo
) -> None:
    with h.database.write() as session:
        update_tenant_settings(
            session, get_tenant(session, tenant.id), {"notify_web_orders_on_whatsapp": False}
        )
    assert _confirm_then_remind(h, tenant, "web", CUSTOMER) == ([], [])


def test_staff_are_messaged_only_through_message_staff(
    h: Harness, tenant: TenantInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chat alert, the pending reminder and the endpoint-disabled notice: every staff
    message was queued by bot.recipients, to both staff, on the business's WhatsApp."""
    through: list[int] = []
    real = bot.recipients.queue_message

    def spy(*args: Any, **kwargs: Any) -> Message | None:
        message = real(*args, **kwargs)
        if message is not None:
            through.append(message.id)
        return message

    monkeypatch.setattr(bot.recipients, "queue_message", spy)
    with h.database.write() as session:
        alert_staff(
            session, get_tenant(session, tenant.id), "🙋 A customer asks for a person", now=h.now
        )
    place(h.database, tenant.id, channel="api")
    with h.database.write() as session:
        session.scalars(select(Order)).one().status_changed_at = h.now
        session.add(
            WebhookEndpoint(
                tenant_id=tenant.id, url="https://erp.example.com/hooks",
                events=["order.created"], salt="00" * 16,
                failing_since=h.now - DISABLE_AFTER - timedelta(hours=1),
            )
        )  # fmt: skip
    h.sender.answers.extend([500] * 5)
    h.advance(minutes=11)
    assert remind_pending(h.database, now=h.now) == 2
    h.dispatch()

    alerts = [m for m in outbound(h.database, tenant.id) if m.kind == "alert"]
    kinds = sorted((m.body or "")[:12] for m in alerts)
    assert len(alerts) == 6, kinds  # three messages, two staff each
    assert {m.id for m in alerts} == set(through)
    assert {m.to_number for m in alerts} == {
        "whatsapp:+2348000000001",
        f"whatsapp:{SECOND_STAFF}",
    }
    assert any("was disabled" in (m.body or "") for m in alerts)
    assert any((m.dedupe_key or "").startswith("pending-reminder:") for m in alerts)


def test_staff_are_messaged_by_sms_when_the_business_has_no_whatsapp_number(
    h: Harness, tenant: TenantInfo
) -> None:
    with h.database.write() as session:
        get_tenant(session, tenant.id).whatsapp_number = None
    with h.database.write() as session:
        alert_staff(session, get_tenant(session, tenant.id), "Order #1001 needs you", now=h.now)
    h.dispatch()
    sent = sorted((form["To"], form["From"]) for form in h.recorder.sent)
    assert sent == [("+2348000000001", SMS_NUMBER), (SECOND_STAFF, SMS_NUMBER)]


@pytest.mark.parametrize(
    ("order_channel", "phone", "changes", "on_whatsapp", "expected"),
    [
        ("whatsapp", CUSTOMER, {}, False, "whatsapp"),
        ("sms", CUSTOMER, {}, True, "sms"),
        ("web", CUSTOMER, {}, True, "whatsapp"),
        ("web", CUSTOMER, {}, False, None),
        ("api", CUSTOMER, {"notify_web_orders_on_whatsapp": False}, True, None),
        ("whatsapp", CUSTOMER, {"auto_notifications": False}, True, None),
        ("pos", None, {}, True, None),
    ],
)
def test_the_customer_rule(
    order_channel: str, phone: str | None, changes: dict, on_whatsapp: bool, expected: str | None
) -> None:
    settings = TenantSettings().model_copy(update=changes)
    assert (
        bot.recipients.customer_channel(order_channel, phone, settings, on_whatsapp=on_whatsapp)
        == expected
    )


@pytest.mark.parametrize(
    ("order_channel", "phone", "expected"),
    [
        ("sms", CUSTOMER, "sms"),  # the chat the order came from, though they use WhatsApp too
        ("web", CUSTOMER, "whatsapp"),  # wrote on WhatsApp
        ("web", STRANGER, "sms"),  # never wrote on WhatsApp: the business's SMS number
    ],
)
def test_an_answer_about_an_order_goes_where_the_customer_chats(
    h: Harness, tenant: TenantInfo, order_channel: str, phone: str, expected: str
) -> None:
    """A rejected transfer proof is answered by `answer_channel`, not by a rule of its own."""
    order_id = place(h.database, tenant.id, channel=order_channel, phone=phone)
    with h.database.read() as session:
        order = session.scalars(select(Order).where(Order.number == int(order_id[4:]))).one()
        row = get_tenant(session, tenant.id)
        assert bot.recipients.answer_channel(session, row, order) == expected
