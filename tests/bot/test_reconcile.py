"""After a crash mid-send: which of Twilio's records is the message's, and what follows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from bot import sending
from bot.channels import (
    SEND_TIMEOUT_SECONDS,
    OutboundMessage,
    SendResult,
    SentRecord,
    TwilioChannel,
)
from bot.claiming import lease_for
from bot.dispatcher import SEND_LEASE, reconcile_sending, send_messages
from bot.planning import plan_outbox
from bot.reconcile import GIVE_UP_WAITING, WAIT_FOR_OTHERS
from orders_core.models import Message
from orders_core.services.tenants import get_tenant, update_tenant_settings
from tests.conftest import TenantInfo
from tests.twilio_recorder import (
    CUSTOMER,
    Harness,
    chat_replies,
    confirmed_order,
    connection_error,
    customer_wrote,
    failed_events,
    outbound,
)

TEMPLATE = {"content_sid": "HX" + "a" * 32, "variables": ["customer_name", "order_number"]}
OURS = "SM" + "1" * 32  # a send already recorded on another message of ours
THEIRS = "SM" + "2" * 32  # a send no message holds


class _CrashAfterSending:
    """A channel that reaches Twilio and then dies before the result is recorded."""

    def __init__(self, h: Harness) -> None:
        self.inner = h.channel

    def send(self, message: OutboundMessage, *, status_callback: str | None) -> SendResult:
        self.inner.send(message, status_callback=status_callback)
        raise RuntimeError("process killed")

    def sent_since(self, message: OutboundMessage, *, since: object) -> list[SentRecord]:
        raise AssertionError("not used")


def _crash_once(h: Harness, tenant: TenantInfo) -> None:
    confirmed_order(h.database, tenant.id)
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


def test_after_a_crash_a_lone_message_is_reconciled_within_a_minute(
    h: Harness, tenant: TenantInfo
) -> None:
    """The first messages of a claimed batch hold back their customers' next ones: their
    leases are short (one send's worth), later ones longer, none past SEND_LEASE."""
    _crash_once(h, tenant)
    body = h.recorder.sent[0]["Body"]
    h.recorder.list_answer([{"sid": "SM" + "a" * 32, "status": "sent", "body": body}])
    h.advance(seconds=lease_for(1).total_seconds() - 1)
    assert reconcile_sending(h.database, h.channel, now=h.now) == 0
    h.advance(seconds=2)
    assert reconcile_sending(h.database, h.channel, now=h.now) == 1
    assert lease_for(1) < timedelta(minutes=1) < lease_for(3) < lease_for(100) == SEND_LEASE


def test_a_crash_lookup_finds_the_send_among_many_to_a_busy_number(
    h: Harness, tenant: TenantInfo
) -> None:
    """The soak's finding: a staff number gets hundreds of alerts in minutes; the send made
    before the crash is the oldest of them and must still be found, not sent again."""
    _crash_once(h, tenant)
    body = h.recorder.sent[0]["Body"]
    newer = [{"sid": f"SM{n:032x}", "status": "sent", "body": f"alert {n}"} for n in range(60)]
    h.recorder.list_answer([*newer, {"sid": "SM" + "b" * 32, "status": "sent", "body": body}])
    h.advance(minutes=6)
    assert reconcile_sending(h.database, h.channel, now=h.now) == 1
    [message] = outbound(h.database, tenant.id)
    assert message.sid == "SM" + "b" * 32
    h.dispatch()
    assert len(h.recorder.sent) == 1  # not sent twice


def test_the_twilio_client_gives_up_on_a_silent_connection() -> None:
    channel = TwilioChannel("AC" + "0" * 32, "token")
    assert channel.client.http_client.timeout == SEND_TIMEOUT_SECONDS


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
    assert len(failed_events(h.database)) == 1
    assert timedelta(minutes=6) > SEND_LEASE


def test_a_record_that_fails_stops_the_batch_and_nothing_is_sent_twice(
    h: Harness, tenant: TenantInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat_replies(h, tenant.id, "one", "two", "three")  # one after another

    def database_gone(*_args: object) -> None:
        raise OperationalError("UPDATE messages", {}, Exception("database is locked"))

    with monkeypatch.context() as patch:
        patch.setattr(sending, "_record", database_gone)
        send_messages(h.database, h.channel, h.settings, now=h.now)
    assert len(h.recorder.sent) == 1  # the batch stopped at the first record that failed
    # Twilio has the first (it waits for its lease); the two others never left: due again
    statuses = [(m.status, m.attempts) for m in outbound(h.database, tenant.id)]
    assert statuses == [("sending", 1), ("pending", 0), ("pending", 0)]
    first = h.recorder.sent[0]["Body"]
    h.recorder.list_answer([{"sid": "SM" + "e" * 32, "status": "sent", "body": first}])
    h.advance(minutes=6)  # past the lease: reconciled, as after a crash
    h.dispatch()
    bodies = [form["Body"] for form in h.recorder.sent]
    assert len(bodies) == 3 and bodies.count(first) == 1
    messages = outbound(h.database, tenant.id)
    assert [(m.status, m.attempts) for m in messages] == [("sent", 1), ("queued", 1), ("queued", 1)]


def _template_crash(h: Harness, tenant: TenantInfo) -> Message:
    """A confirmation sent as a template (outside the window), crashed after Twilio took it."""
    customer_wrote(h.database, tenant.id, h.now - timedelta(hours=25))
    with h.database.write() as session:
        update_tenant_settings(
            session, get_tenant(session, tenant.id), {"templates": {"order.confirmed": TEMPLATE}}
        )
    _crash_once(h, tenant)
    [message] = outbound(h.database, tenant.id)
    assert message.content_sid == TEMPLATE["content_sid"]
    return message


def _another(h: Harness, crashed: Message, **fields: object) -> None:
    """Another outbound message of ours to the same number (sent earlier, or in flight)."""
    with h.database.write() as session:
        session.add(
            Message(
                tenant_id=crashed.tenant_id,
                direction="outbound",
                channel="whatsapp",
                from_number=crashed.from_number,
                to_number=crashed.to_number,
                customer_phone=CUSTOMER,
                kind="reply",
                **{"status": "sent", "body": "Your cart is empty.", **fields},
            )
        )


def _record(sid: str, body: str) -> dict[str, str]:
    return {"sid": sid, "status": "delivered", "body": body}


def test_a_template_send_is_the_record_no_message_of_ours_holds(
    h: Harness, tenant: TenantInfo
) -> None:
    """Twilio's list has no Content SID: the newest record to the number (another message's)
    must not be taken for the template; the one no message holds is its send."""
    crashed = _template_crash(h, tenant)
    _another(h, crashed, sid=OURS)
    rendered = "Hello Amara Obi, order 1001 is confirmed."  # the business's template text
    h.recorder.list_answer([_record(OURS, "Your cart is empty."), _record(THEIRS, rendered)])
    h.advance(minutes=6)
    assert reconcile_sending(h.database, h.channel, now=h.now) == 1
    [message] = [m for m in outbound(h.database, tenant.id) if m.id == crashed.id]
    assert (message.status, message.sid) == ("delivered", THEIRS)
    h.dispatch()
    assert len(h.recorder.sent) == 1  # not sent twice


def test_a_template_that_never_reached_twilio_goes_again_whatever_else_was_sent(
    h: Harness, tenant: TenantInfo
) -> None:
    crashed = _template_crash(h, tenant)
    _another(h, crashed, sid=OURS)
    h.recorder.list_answer([_record(OURS, "Your cart is empty.")])
    h.advance(minutes=6)
    h.dispatch()
    assert len(h.recorder.sent) == 2
    assert h.recorder.sent[1]["ContentSid"] == TEMPLATE["content_sid"]
    message = next(m for m in outbound(h.database, tenant.id) if m.id == crashed.id)
    assert (message.status, message.attempts) == ("queued", 2)


def test_two_unclaimed_records_leave_a_template_unknown_not_resent(
    h: Harness, tenant: TenantInfo
) -> None:
    crashed = _template_crash(h, tenant)
    h.recorder.list_answer([_record(THEIRS, "one"), _record("SM" + "3" * 32, "two")])
    h.advance(minutes=6)
    h.dispatch()
    assert len(h.recorder.sent) == 1
    message = next(m for m in outbound(h.database, tenant.id) if m.id == crashed.id)
    assert message.status == "unknown" and "several sends" in (message.error_message or "")
    assert len(failed_events(h.database)) == 1


def test_a_template_waits_while_another_send_to_the_number_is_in_flight(
    h: Harness, tenant: TenantInfo
) -> None:
    """The other send may be Twilio's unclaimed record, its sid not yet written: wait for it."""
    crashed = _template_crash(h, tenant)
    h.advance(minutes=6)
    _another(h, crashed, status="sending", next_attempt_at=h.now + timedelta(seconds=30))
    h.recorder.list_answer([_record(OURS, "Your cart is empty."), _record(THEIRS, "Hi")])
    assert reconcile_sending(h.database, h.channel, now=h.now) == 1
    message = next(m for m in outbound(h.database, tenant.id) if m.id == crashed.id)
    assert (message.status, message.next_attempt_at) == ("sending", h.now + WAIT_FOR_OTHERS)
    with h.database.write() as session:  # the other send is recorded
        other = session.scalars(
            select(Message).where(Message.status == "sending", Message.id != crashed.id)
        ).one()
        other.status, other.sid = "sent", OURS
    h.advance(minutes=1)
    assert reconcile_sending(h.database, h.channel, now=h.now) == 1
    message = next(m for m in outbound(h.database, tenant.id) if m.id == crashed.id)
    assert (message.status, message.sid) == ("delivered", THEIRS)


def test_a_template_gives_up_waiting_on_a_number_that_is_never_quiet(
    h: Harness, tenant: TenantInfo
) -> None:
    crashed = _template_crash(h, tenant)
    h.advance(minutes=6)
    h.advance(seconds=GIVE_UP_WAITING.total_seconds())
    _another(h, crashed, status="sending", next_attempt_at=h.now + timedelta(seconds=30))
    h.recorder.list_answer([_record(THEIRS, "Hi")])
    reconcile_sending(h.database, h.channel, now=h.now)
    message = next(m for m in outbound(h.database, tenant.id) if m.id == crashed.id)
    assert message.status == "unknown" and "being sent" in (message.error_message or "")


def test_a_body_already_recorded_on_another_message_is_not_taken_for_this_one(
    h: Harness, tenant: TenantInfo
) -> None:
    """Two messages with the same words: the record holding the first one's sid is not the
    crashed one's send (taking it would also break the sid's uniqueness)."""
    _crash_once(h, tenant)
    [crashed] = outbound(h.database, tenant.id)
    _another(h, crashed, sid=OURS, body=crashed.body)
    h.recorder.list_answer([_record(OURS, crashed.body or "")])
    h.advance(minutes=6)
    h.dispatch()
    assert len(h.recorder.sent) == 2
    message = next(m for m in outbound(h.database, tenant.id) if m.id == crashed.id)
    assert (message.status, message.attempts) == ("queued", 2)


def test_two_crashed_messages_with_one_body_take_one_record_each(
    h: Harness, tenant: TenantInfo
) -> None:
    _crash_once(h, tenant)
    [crashed] = outbound(h.database, tenant.id)
    _another(h, crashed, status="sending", next_attempt_at=h.now, body=crashed.body, attempts=1)
    h.recorder.list_answer([_record(THEIRS, crashed.body or "")])
    h.advance(minutes=6)
    assert reconcile_sending(h.database, h.channel, now=h.now) == 2
    statuses = sorted((m.status, m.sid or "") for m in outbound(h.database, tenant.id))
    assert statuses == [("delivered", THEIRS), ("pending", "")]
