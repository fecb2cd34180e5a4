"""Sending: the 24-hour window, retries to dead, permanent errors, opt-out, crash recovery."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.channels import ConsoleChannel, OutboundMessage, SendResult, TwilioChannel, channel_for
from bot.dispatcher import (
    MAX_SEND_ATTEMPTS,
    SEND_LEASE,
    reconcile_sending,
    send_messages,
)
from bot.outbound import queue_message
from bot.planning import plan_outbox
from bot.staff import alert_staff
from orders_core.db import Database
from orders_core.models import Customer, OutboxEvent, TimelineEvent
from orders_core.services.tenants import get_tenant, update_tenant_settings
from orders_core.settings import Settings
from tests.conftest import TenantInfo
from tests.twilio_recorder import (
    CUSTOMER,
    Harness,
    connection_error,
    customer_wrote,
    make_harness,
    move,
    outbound,
    place,
    timeout_error,
)

TEMPLATE = {"content_sid": "HX" + "a" * 32, "variables": ["customer_name", "order_number"]}
STAFF = "+2348000000001"


@pytest.fixture
def h(database: Database, settings: Settings, tenant: TenantInfo) -> Harness:
    """The dispatcher harness; the customer wrote just now (inside the window)."""
    harness = make_harness(database, settings)
    customer_wrote(database, tenant.id, harness.now)
    return harness


def _confirmed_order(h: Harness, tenant: TenantInfo) -> str:
    order_id = place(h.database, tenant.id)
    move(h.database, tenant.id, order_id, "confirmed")
    return order_id


def _set(h: Harness, tenant: TenantInfo, **changes: object) -> None:
    with h.database.write() as session:
        update_tenant_settings(session, get_tenant(session, tenant.id), changes)


def _timeline_kinds(h: Harness) -> list[str]:
    with h.database.read() as session:
        return [e.kind for e in session.scalars(select(TimelineEvent).order_by(TimelineEvent.id))]


def _failed_events(h: Harness) -> list[OutboxEvent]:
    with h.database.read() as session:
        return list(
            session.scalars(select(OutboxEvent).where(OutboxEvent.type == "message.failed"))
        )


def test_outside_the_window_without_template_is_held_visibly(
    h: Harness, tenant: TenantInfo
) -> None:
    customer_wrote(h.database, tenant.id, h.now - timedelta(hours=25))
    _confirmed_order(h, tenant)
    h.dispatch()
    assert h.recorder.requests == []
    [message] = outbound(h.database, tenant.id)
    assert message.status == "needs_template"
    assert "order.confirmed" in (message.error_message or "")
    assert "message_failed" in _timeline_kinds(h)


def test_outside_the_window_the_template_goes_without_body(h: Harness, tenant: TenantInfo) -> None:
    customer_wrote(h.database, tenant.id, h.now - timedelta(hours=25))
    _set(h, tenant, templates={"order.confirmed": TEMPLATE})
    _confirmed_order(h, tenant)
    h.dispatch()
    [form] = h.recorder.sent
    assert "Body" not in form
    assert form["ContentSid"] == TEMPLATE["content_sid"]
    assert json.loads(form["ContentVariables"]) == {"1": "Amara Obi", "2": "1001"}
    assert outbound(h.database, tenant.id)[0].status == "queued"


def test_error_63016_switches_to_the_template(h: Harness, tenant: TenantInfo) -> None:
    _set(h, tenant, templates={"order.confirmed": TEMPLATE})
    _confirmed_order(h, tenant)
    h.recorder.queue(63016)
    h.dispatch()
    first, second = h.recorder.sent
    assert "Body" in first and "ContentSid" not in first
    assert second["ContentSid"] == TEMPLATE["content_sid"] and "Body" not in second
    assert outbound(h.database, tenant.id)[0].status == "queued"


def test_error_63016_without_template_needs_one(h: Harness, tenant: TenantInfo) -> None:
    _confirmed_order(h, tenant)
    h.recorder.queue(63016)
    h.dispatch()
    assert len(h.recorder.sent) == 1
    [message] = outbound(h.database, tenant.id)
    assert (message.status, message.error_code) == ("needs_template", "63016")


def test_transient_errors_retry_with_backoff_then_go_dead(h: Harness, tenant: TenantInfo) -> None:
    _confirmed_order(h, tenant)
    failures = [20429, 20500, connection_error(), timeout_error(), 20503, 20429, 20500, 20429]
    assert len(failures) == MAX_SEND_ATTEMPTS
    h.recorder.queue(*failures)
    h.dispatch()
    [message] = outbound(h.database, tenant.id)
    assert (message.status, message.attempts, message.error_code) == ("pending", 1, "20429")
    first_wait = message.next_attempt_at - h.now  # type: ignore[operator]
    assert timedelta(seconds=7.5) <= first_wait <= timedelta(seconds=15)
    h.dispatch()  # not due yet: nothing happens
    assert len(h.recorder.sent) == 1
    for _ in range(MAX_SEND_ATTEMPTS - 1):
        h.advance(hours=1)
        h.dispatch()
    assert len(h.recorder.sent) == MAX_SEND_ATTEMPTS
    [message] = outbound(h.database, tenant.id)
    assert (message.status, message.attempts) == ("dead", MAX_SEND_ATTEMPTS)
    [event] = _failed_events(h)
    assert event.data["message"]["status"] == "dead"
    assert "message_failed" in _timeline_kinds(h)
    h.advance(hours=5)
    h.dispatch()
    assert len(h.recorder.sent) == MAX_SEND_ATTEMPTS  # dead stays dead


@pytest.mark.parametrize("code", [21211, 21610])
def test_permanent_errors_fail_at_once(h: Harness, tenant: TenantInfo, code: int) -> None:
    _confirmed_order(h, tenant)
    h.recorder.queue(code)
    h.dispatch()
    h.advance(hours=2)
    h.dispatch()
    assert len(h.recorder.sent) == 1
    [message] = outbound(h.database, tenant.id)
    assert (message.status, message.error_code) == ("failed", str(code))
    assert len(_failed_events(h)) == 1
    with h.database.read() as session:
        customer = session.scalars(select(Customer).where(Customer.phone == CUSTOMER)).one()
    assert customer.opted_out is (code == 21610)


def test_opted_out_customers_get_nothing_staff_still_do(h: Harness, tenant: TenantInfo) -> None:
    with h.database.write() as session:
        session.scalars(select(Customer)).one().opted_out = True
        queue_message(
            session, get_tenant(session, tenant.id), to_phone=STAFF, channel="whatsapp",
            kind="alert", body="New order", now=h.now,
        )  # fmt: skip
    _confirmed_order(h, tenant)
    h.dispatch()
    assert [f["To"] for f in h.recorder.sent] == [f"whatsapp:{STAFF}"]
    skipped = [m for m in outbound(h.database, tenant.id) if m.status == "skipped"]
    assert [m.error_message for m in skipped] == ["customer opted out"]


def test_one_message_per_order_in_flight_keeps_order(h: Harness, tenant: TenantInfo) -> None:
    order_id = _confirmed_order(h, tenant)
    move(h.database, tenant.id, order_id, "preparing")
    h.recorder.queue(20500)
    h.dispatch()
    assert len(h.recorder.sent) == 1  # "preparing" waits for "confirmed"
    h.advance(minutes=1)
    h.dispatch()
    bodies = [f["Body"] for f in h.recorder.sent]
    assert "confirmed" in bodies[1] and "being prepared" in bodies[2]


class _CrashAfterSending:
    """A channel that reaches Twilio and then dies before the result is recorded."""

    def __init__(self, h: Harness) -> None:
        self.inner = h.channel

    def send(self, message: OutboundMessage, *, status_callback: str | None) -> SendResult:
        self.inner.send(message, status_callback=status_callback)
        raise RuntimeError("process killed")

    def find_sent(self, message: OutboundMessage, *, since: object) -> SendResult | None:
        raise AssertionError("not used")


def _crash_once(h: Harness, tenant: TenantInfo) -> None:
    _confirmed_order(h, tenant)
    while plan_outbox(h.database, now=h.now):
        pass
    send_messages(h.database, _CrashAfterSending(h), h.settings, now=h.now)  # type: ignore[arg-type]
    [message] = outbound(h.database, tenant.id)
    assert (message.status, message.attempts, message.sid) == ("sending", 1, None)
    h.dispatch()  # inside the lease: left alone
    assert len(h.recorder.sent) == 1


def test_crash_after_sending_is_reconciled_from_twilio(h: Harness, tenant: TenantInfo) -> None:
    _crash_once(h, tenant)
    body = h.recorder.sent[0]["Body"]
    h.recorder.list_answer([{"sid": "SM" + "f" * 32, "status": "delivered", "body": body}])
    h.advance(minutes=6)
    assert reconcile_sending(h.database, h.channel, now=h.now) == 1
    [message] = outbound(h.database, tenant.id)
    assert (message.status, message.sid) == ("delivered", "SM" + "f" * 32)
    lookup = next(r for r in h.recorder.requests if r.method == "GET")
    assert lookup.params["To"] == f"whatsapp:{CUSTOMER}" and "DateSent>" in lookup.params
    h.dispatch()
    assert len(h.recorder.sent) == 1  # never sent twice


def test_crash_before_twilio_got_it_sends_again(h: Harness, tenant: TenantInfo) -> None:
    _crash_once(h, tenant)
    h.recorder.list_answer([])
    h.advance(minutes=6)
    h.dispatch()
    assert len(h.recorder.sent) == 2
    [message] = outbound(h.database, tenant.id)
    assert (message.status, message.attempts) == ("queued", 2)


def test_crash_with_lookup_impossible_is_unknown_not_resent(h: Harness, tenant: TenantInfo) -> None:
    _crash_once(h, tenant)
    h.recorder.list_answer(connection_error())
    h.advance(minutes=6)
    h.dispatch()
    assert len(h.recorder.sent) == 1
    [message] = outbound(h.database, tenant.id)
    assert message.status == "unknown"
    assert len(_failed_events(h)) == 1
    assert timedelta(minutes=6) > SEND_LEASE


def test_channel_for_picks_twilio_or_the_console(settings: Settings) -> None:
    assert isinstance(channel_for(settings), TwilioChannel)
    local = settings.model_copy(update={"twilio_account_sid": None, "twilio_auth_token": None})
    console = channel_for(local)
    assert isinstance(console, ConsoleChannel)
    sent = console.send(
        OutboundMessage(to="whatsapp:+2348012345678", from_="whatsapp:+1", body="hi"),
        status_callback=None,
    )
    assert sent.status == "sent" and sent.sid.startswith("SM") and len(sent.sid) == 34


def test_a_staff_alert_refused_outside_the_window_goes_as_the_staff_template(
    h: Harness, tenant: TenantInfo
) -> None:
    staff_template = {"content_sid": "HX" + "b" * 32, "variables": ["order_number", "total"]}
    _set(h, tenant, templates={"staff.new_order": staff_template})
    with h.database.write() as session:
        business = get_tenant(session, tenant.id)
        alert_staff(
            session,
            business,
            "New order #1001",
            template="staff.new_order",
            variables={"order_number": "1001", "total": "₦8,500"},
        )
    h.recorder.queue(63016)
    h.now += timedelta(seconds=1)  # the alert was queued on the real clock, after h.now
    h.dispatch()
    first, second = h.recorder.sent
    assert first["To"] == f"whatsapp:{STAFF}" and first["Body"] == "New order #1001"
    assert second["ContentSid"] == staff_template["content_sid"] and "Body" not in second
    assert json.loads(second["ContentVariables"]) == {"1": "1001", "2": "₦8,500"}
