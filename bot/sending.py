"""Step 2 of the dispatcher: due messages are claimed, marked `sending`, sent and recorded.

The claim commits `sending` (attempts + 1, a lease) for a whole batch BEFORE Twilio is
called, so a message is never sent twice by two schedulers or after a crash. Each send's
result is then committed on its own as soon as Twilio answers, so a delivery receipt finds
its sid. One message per order and recipient is in flight at a time, so a customer hears
"confirmed" before "on its way".
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import Connection, Update, bindparam, exists, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, aliased

from bot.channels import Channel, OutboundMessage, SendError, SendResult
from bot.message_outcomes import hold_back, note_on_order, record_error, use_template
from bot.outbound import INTERACTIVE, MessageStatus
from bot.planning import TenantCache
from orders_core.db import Database, is_sqlite
from orders_core.models import Customer, Message
from orders_core.settings import Settings
from orders_core.tenant_settings import TenantSettings

log = logging.getLogger(__name__)

SEND_LEASE = timedelta(minutes=5)  # the longest a claimed message waits before reconciling
# A claimed batch is sent one by one, each send bounded by the Twilio client's timeout
# (bot.channels.SEND_TIMEOUT): the n-th message's lease is LEASE_BASE + n x LEASE_PER_SEND
# (at most SEND_LEASE), so after a crash the first messages, which hold back a customer's
# next ones, are reconciled within a minute, not five.
LEASE_BASE = timedelta(seconds=30)
LEASE_PER_SEND = timedelta(seconds=20)
WINDOW = timedelta(hours=24)
PROACTIVE_KINDS = frozenset({"notification", "reminder"})  # opt-out and 24-hour window apply


@dataclass(frozen=True)
class _Claimed:
    id: int
    outbound: OutboundMessage


class _Reach(NamedTuple):
    """What the claim needs to know about a message's recipient."""

    opted_out: bool
    last_inbound_at: datetime | None


def _outside_window(message: Message, reach: _Reach | None, now: datetime) -> bool:
    """True for a free-text WhatsApp message to someone silent for 24 hours or more."""
    if message.channel != "whatsapp" or message.content_sid:
        return False
    last_inbound = reach.last_inbound_at if reach else None
    return last_inbound is None or last_inbound <= now - WINDOW


def _may_send(
    session: Session,
    message: Message,
    reach: _Reach | None,
    settings: TenantSettings,
    now: datetime,
) -> bool:
    """Decide a claimed message: True to send it; else skip it or hold it for a template."""
    if message.kind not in PROACTIVE_KINDS:
        return True
    if reach is not None and reach.opted_out:
        hold_back(message, MessageStatus.SKIPPED, "customer opted out", now)
        return False
    if not settings.auto_notifications:
        hold_back(message, MessageStatus.SKIPPED, "auto_notifications is off", now)
        return False
    if _outside_window(message, reach, now) and not use_template(message, settings):
        key = (message.payload or {}).get("template") or message.kind
        reason = f"outside the 24-hour window; no template for {key}"
        hold_back(message, MessageStatus.NEEDS_TEMPLATE, reason, now)
        note_on_order(session, message, "Message needs an approved template", None)
        return False
    return True


def outbound_message(message: Message) -> OutboundMessage:
    return OutboundMessage(
        to=message.to_number,
        from_=message.from_number,
        body=None if message.content_sid else message.body,
        content_sid=message.content_sid,
        content_variables=message.content_variables,
    )


def _due_messages(session: Session, now: datetime, limit: int) -> list[Message]:
    """Due pending messages, oldest first; per order and recipient, after the earlier ones."""
    earlier = aliased(Message)
    waiting = exists().where(
        earlier.order_id == Message.order_id,
        earlier.to_number == Message.to_number,
        earlier.status.in_((MessageStatus.PENDING, MessageStatus.SENDING)),
        earlier.id < Message.id,
    )
    return list(
        session.scalars(
            select(Message)
            .where(
                Message.status == MessageStatus.PENDING,
                Message.next_attempt_at <= now,
                Message.direction == "outbound",
                ~waiting,
            )
            .order_by(Message.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )


def _reach(session: Session, messages: Iterable[Message]) -> dict[tuple[int, str], _Reach]:
    """Opt-out and last inbound time of the messages' recipients: one query per tenant."""
    phones: dict[int, set[str]] = defaultdict(set)
    for message in messages:
        if message.customer_phone:
            phones[message.tenant_id].add(message.customer_phone)
    found: dict[tuple[int, str], _Reach] = {}
    for tenant_id, numbers in phones.items():
        rows = session.execute(
            select(Customer.phone, Customer.opted_out, Customer.last_inbound_at).where(
                Customer.tenant_id == tenant_id, Customer.phone.in_(numbers)
            )
        )
        for phone, opted_out, last_inbound_at in rows:
            found[(tenant_id, phone)] = _Reach(opted_out, last_inbound_at)
    return found


def _mark_sending(session: Session, messages: list[Message], now: datetime) -> None:
    """Mark `messages` `sending` (attempts + 1, leased by their place in the batch) in one
    executemany."""
    table = Message.__table__
    started = now.isoformat()
    session.execute(
        update(table)
        .where(table.c.id == bindparam("message_id"))
        .values(
            status=MessageStatus.SENDING,
            attempts=table.c.attempts + 1,
            next_attempt_at=bindparam("lease"),
            payload=bindparam("payload"),
            updated_at=now,
        ),
        [
            {
                "message_id": m.id,
                "lease": now + lease_for(position),
                "payload": {**(m.payload or {}), "attempt_started_at": started},
            }
            for position, m in enumerate(messages, start=1)
        ],
    )


def lease_for(position: int) -> timedelta:
    """How long the `position`-th message of a claimed batch (from 1) stays `sending` before
    it is taken for a crash and reconciled."""
    return min(LEASE_BASE + position * LEASE_PER_SEND, SEND_LEASE)


def _claim_messages(database: Database, now: datetime, limit: int) -> tuple[int, list[_Claimed]]:
    """(rows handled, messages marked `sending`), committed before anything is sent."""
    with database.write() as session:
        rows = _due_messages(session, now, limit)
        reach = _reach(session, rows)
        tenants = TenantCache(session)
        chosen = [
            m
            for m in rows
            if _may_send(
                session,
                m,
                reach.get((m.tenant_id, m.customer_phone or "")),
                tenants.get(m.tenant_id)[1],
                now,
            )
        ]
        if chosen:
            _mark_sending(session, chosen, now)
        return len(rows), [_Claimed(m.id, outbound_message(m)) for m in chosen]


def _record(
    database: Database,
    conn: Connection,
    sent: Update,
    message_id: int,
    outcome: SendResult | SendError,
    now: datetime,
) -> None:
    """Commit what became of one send: its sid and status, or what its error calls for."""
    if isinstance(outcome, SendError):
        with database.write() as session:  # rare: may touch the order's timeline and outbox
            message = session.get(Message, message_id)
            assert message is not None
            if not _as_plain_text(message, outcome, now):
                record_error(session, message, outcome, now)
        return
    with conn.begin():
        conn.execute(
            sent,
            {"message_id": message_id, "sid": outcome.sid, "status": outcome.status, "now": now},
        )


@contextmanager
def _recording(database: Database) -> Iterator[Connection]:
    """A connection on which each send is recorded in a transaction of its own.

    On PostgreSQL it autocommits (one round trip per record) and its commits do not wait
    for the WAL flush (synchronous_commit off): a record lost to a server crash leaves its
    message `sending`, which `reconcile_sending` settles from Twilio as after any crash.
    The `sending` claim itself is committed durably, before anything is sent.
    """
    if is_sqlite(database.engine):
        with database.engine.connect().execution_options(sqlite_begin="IMMEDIATE") as conn:
            yield conn
        return
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        with conn.begin():
            conn.exec_driver_sql("SET synchronous_commit TO OFF")
        try:
            yield conn
        finally:
            try:
                with conn.begin():
                    conn.exec_driver_sql("RESET synchronous_commit")
            except DBAPIError:
                conn.invalidate()  # never back to the pool with the setting still on


def _as_plain_text(message: Message, error: SendError, now: datetime) -> bool:
    """Queue a message whose buttons or list Twilio refused again as its plain text, now.

    Not for a transient error (the same template is retried); True when it was requeued.
    The refusal stays visible in the payload (`interactive_refused`).
    """
    payload = dict(message.payload or {})
    key = payload.pop(INTERACTIVE, None)
    if key is None or error.kind == "transient" or not message.body:
        return False
    payload["interactive_refused"] = {"key": key, "code": error.code, "message": error.message}
    message.payload = payload
    message.content_sid = None
    message.content_variables = None
    message.status, message.next_attempt_at, message.updated_at = MessageStatus.PENDING, now, now
    return True


def _sent_statement() -> Update:
    messages = Message.__table__
    return (
        update(messages)
        .where(messages.c.id == bindparam("message_id"))
        .values(
            sid=bindparam("sid"),
            status=bindparam("status"),
            error_code=None,
            error_message=None,
            next_attempt_at=None,
            updated_at=bindparam("now"),
        )
    )


def status_callback_url(settings: Settings) -> str:
    """Where Twilio reports delivery receipts."""
    return settings.public_base_url.rstrip("/") + "/webhooks/twilio/status"


def send_messages(
    database: Database, channel: Channel, settings: Settings, *, now: datetime, limit: int = 200
) -> int:
    """Send the due pending messages (claimed and committed as `sending` first).

    Returns how many due messages were handled (sent, failed, skipped or held for a
    template). Each result is committed on its own as soon as Twilio answers, so a
    delivery receipt always finds its sid. An unexpected exception from the channel
    leaves the message `sending`, for `reconcile_sending` to settle after the lease; so
    does a failure to record (the rest of the batch then stays unsent until its lease ends).
    """
    handled, claimed = _claim_messages(database, now, limit)
    if not claimed:
        return handled
    callback = status_callback_url(settings)
    sent = _sent_statement()
    with _recording(database) as conn:
        for item in claimed:
            try:
                outcome: SendResult | SendError = channel.send(
                    item.outbound, status_callback=callback
                )
            except SendError as exc:
                outcome = exc
            except Exception:
                log.exception("sending message %s failed unexpectedly", item.id)
                continue
            try:
                _record(database, conn, sent, item.id, outcome, now)
            except DBAPIError:
                log.exception("recording message %s failed; the rest wait for their lease", item.id)
                break
    return handled
