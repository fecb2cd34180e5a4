"""Sending: the 24-hour window, retries to dead, permanent errors, opt-out, crash recovery."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, select

from bench.dispatch import CountingHttpClient, run_dispatch, seed
from bot.channels import (
    ConsoleChannel,
    OutboundMessage,
    SendResult,
    TwilioChannel,
    channel_for,
)
from bot.claiming import SEND_WORKERS
from bot.dispatcher import (
    MAX_SEND_ATTEMPTS,
    send_messages,
)
from bot.outbound import queue_message
from bot.planning import plan_outbox
from bot.staff import alert_staff
from orders_core.db import Database
from orders_core.models import Customer, Message, OutboxEvent, TimelineEvent, utcnow
from orders_core.services.tenants import get_tenant, update_tenant_settings
from orders_core.settings import Settings
from tests.conftest import TenantInfo
from tests.twilio_recorder import (
    CUSTOMER,
    Harness,
    chat_replies,
    confirmed_order,
    connection_error,
    customer_wrote,
    failed_events,
    move,
    outbound,
    timeout_error,
)

TEMPLATE = {"content_sid": "HX" + "a" * 32, "variables": ["customer_name", "order_number"]}
STAFF = "+2348000000001"


def _set(h: Harness, tenant: TenantInfo, **changes: object) -> None:
    with h.database.write() as session:
        update_tenant_settings(session, get_tenant(session, tenant.id), changes)


def _timeline_kinds(h: Harness) -> list[str]:
    with h.database.read() as session:
        return [e.kind for e in session.scalars(select(TimelineEvent).order_by(TimelineEvent.id))]


def test_outside_the_window_without_template_is_held_visibly(
    h: Harness, tenant: TenantInfo
) -> None:
    customer_wrote(h.database, tenant.id, h.now - timedelta(hours=25))
    confirmed_order(h.database, tenant.id)
    h.dispatch()
    assert h.recorder.requests == []
    [message] = outbound(h.database, tenant.id)
    assert message.status == "needs_template"
    assert "order.confirmed" in (message.error_message or "")
    assert "message_failed" in _timeline_kinds(h)


def test_outside_the_window_the_template_goes_without_body(h: Harness, tenant: TenantInfo) -> None:
    customer_wrote(h.database, tenant.id, h.now - timedelta(hours=25))
    _set(h, tenant, templates={"order.confirmed": TEMPLATE})
    confirmed_order(h.database, tenant.id)
    h.dispatch()
    [form] = h.recorder.sent
    assert "Body" not in form
    assert form["ContentSid"] == TEMPLATE["content_sid"]
    assert json.loads(form["ContentVariables"]) == {"1": "Amara Obi", "2": "1001"}
    assert outbound(h.database, tenant.id)[0].status == "queued"


def test_error_63016_switches_to_the_template(h: Harness, tenant: TenantInfo) -> None:
    _set(h, tenant, templates={"order.confirmed": TEMPLATE})
    confirmed_order(h.database, tenant.id)
    h.recorder.queue(63016)
    h.dispatch()
    first, second = h.recorder.sent
    assert "Body" in first and "ContentSid" not in first
    assert second["ContentSid"] == TEMPLATE["content_sid"] and "Body" not in second
    assert outbound(h.database, tenant.id)[0].status == "queued"


def test_error_63016_without_template_needs_one(h: Harness, tenant: TenantInfo) -> None:
    confirmed_order(h.database, tenant.id)
    h.recorder.queue(63016)
    h.dispatch()
    assert len(h.recorder.sent) == 1
    [message] = outbound(h.database, tenant.id)
    assert (message.status, message.error_code) == ("needs_template", "63016")


def test_transient_errors_retry_with_backoff_then_go_dead(h: Harness, tenant: TenantInfo) -> None:
    confirmed_order(h.database, tenant.id)
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
    [event] = failed_events(h.database)
    assert event.data["message"]["status"] == "dead"
    assert "message_failed" in _timeline_kinds(h)
    h.advance(hours=5)
    h.dispatch()
    assert len(h.recorder.sent) == MAX_SEND_ATTEMPTS  # dead stays dead


@pytest.mark.parametrize("code", [21211, 21610])
def test_permanent_errors_fail_at_once(h: Harness, tenant: TenantInfo, code: int) -> None:
    confirmed_order(h.database, tenant.id)
    h.recorder.queue(code)
    h.dispatch()
    h.advance(hours=2)
    h.dispatch()
    assert len(h.recorder.sent) == 1
    [message] = outbound(h.database, tenant.id)
    assert (message.status, message.error_code) == ("failed", str(code))
    assert len(failed_events(h.database)) == 1
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
    confirmed_order(h.database, tenant.id)
    h.dispatch()
    assert [f["To"] for f in h.recorder.sent] == [f"whatsapp:{STAFF}"]
    skipped = [m for m in outbound(h.database, tenant.id) if m.status == "skipped"]
    assert [m.error_message for m in skipped] == ["customer opted out"]


def test_one_message_per_order_in_flight_keeps_order(h: Harness, tenant: TenantInfo) -> None:
    order_id = confirmed_order(h.database, tenant.id)
    move(h.database, tenant.id, order_id, "preparing")
    h.recorder.queue(20500)
    h.dispatch()
    assert len(h.recorder.sent) == 1  # "preparing" waits for "confirmed"
    h.advance(minutes=1)
    h.dispatch()
    bodies = [f["Body"] for f in h.recorder.sent]
    assert "confirmed" in bodies[1] and "being prepared" in bodies[2]


def test_a_malformed_event_is_retried_alone_and_the_batch_goes_on(
    h: Harness, tenant: TenantInfo
) -> None:
    with h.database.write() as session:
        session.add(
            OutboxEvent(public_id="evt_malformed", tenant_id=tenant.id,
                        type="order.status_changed", data={"order": ["not", "an", "order"]})
        )  # fmt: skip
    confirmed_order(h.database, tenant.id)
    assert plan_outbox(h.database, now=h.now) == 2  # the malformed one, order.created
    assert plan_outbox(h.database, now=h.now) == 1  # order.status_changed; the bad one waits
    with h.database.read() as session:
        bad = session.scalars(
            select(OutboxEvent).where(OutboxEvent.public_id == "evt_malformed")
        ).one()
    assert bad.processed_at is None and bad.attempts == 1
    assert "AttributeError" in (bad.last_error or "")
    assert bad.next_attempt_at is not None and bad.next_attempt_at > h.now
    [message] = outbound(h.database, tenant.id)
    assert "confirmed" in (message.body or "")


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


# --- statements per batch: a batch costs a fixed number of statements, plus one per send ---


@contextmanager
def _statements(engine: Engine) -> Iterator[list[str]]:
    """The statements `engine` sends inside the block (BEGIN left out: psycopg sends none)."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.lstrip().upper().startswith("BEGIN"):
            seen.append(" ".join(statement.split())[:100])

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _bench_channel(settings: Settings) -> TwilioChannel:
    assert settings.twilio_account_sid and settings.twilio_auth_token
    return TwilioChannel(
        settings.twilio_account_sid, settings.twilio_auth_token, http_client=CountingHttpClient()
    )


def test_planning_costs_the_same_statements_for_5_or_50_events(
    database: Database, settings: Settings
) -> None:
    seed(database, 55)  # status changes of WhatsApp orders, one tenant, customers in the window
    now = utcnow() + timedelta(seconds=1)
    with _statements(database.engine) as few:
        assert plan_outbox(database, now=now, limit=5) == 5
    with _statements(database.engine) as many:
        assert plan_outbox(database, now=now, limit=50) == 50
    # events, tenant, its endpoints, the customers' languages, the messages, events processed
    assert len(many) == len(few) <= 6, "\n".join(many)
    with database.read() as session:
        assert len(session.scalars(select(Message.id)).all()) == 55


def test_sending_costs_a_fixed_claim_plus_one_statement_per_send(
    database: Database, settings: Settings
) -> None:
    seed(database, 55)
    now = utcnow() + timedelta(seconds=1)
    while plan_outbox(database, now=now, limit=100):
        pass
    channel = _bench_channel(settings)
    runs = {}
    for size in (5, 50):
        with _statements(database.engine) as seen:
            assert send_messages(database, channel, settings, now=now, limit=size) == size
        records = [s for s in seen if s.startswith("UPDATE messages SET sid=")]
        runs[size] = [s for s in seen if s not in records]
        assert len(records) == size, "\n".join(seen)
    # due messages, their customers, the tenant, `sending` for all; on PostgreSQL each of
    # the (at most SEND_WORKERS) senders adds the SET and RESET of synchronous_commit
    claims = {
        size: [s for s in seen if "synchronous_commit" not in s] for size, seen in runs.items()
    }
    assert len(claims[50]) == len(claims[5]) <= 4, "\n".join(claims[50])
    senders = 1 if database.engine.dialect.name == "sqlite" else SEND_WORKERS
    settings_changed = len(runs[50]) - len(claims[50])
    assert settings_changed <= 2 * senders, "\n".join(runs[50])


def test_each_send_is_recorded_before_the_next_one_goes(h: Harness, tenant: TenantInfo) -> None:
    """A delivery receipt can come back at once: the sid must be stored by then."""
    chat_replies(h, tenant.id, "one", "two", "three")  # one after another
    sids_before_each_send: list[list[str | None]] = []

    class Watching:
        def send(self, message: OutboundMessage, *, status_callback: str | None) -> SendResult:
            with h.database.read() as session:
                sids = session.scalars(select(Message.sid).order_by(Message.id))
                sids_before_each_send.append(list(sids))
            return h.channel.send(message, status_callback=status_callback)

    send_messages(h.database, Watching(), h.settings, now=h.now)  # type: ignore[arg-type]
    stored = [sum(sid is not None for sid in sids) for sids in sids_before_each_send]
    assert stored == [0, 1, 2]


def test_the_dispatch_bench_runs(database: Database, settings: Settings) -> None:
    seed(database, 30)
    figures = run_dispatch(database, settings, 30, memory=True)
    assert figures["peak_100"] > 0
