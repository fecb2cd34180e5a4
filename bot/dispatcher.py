"""The dispatcher: outbox events become customer messages and webhook deliveries, then go out.

Three steps, each safe to run in several processes at once:

1. `plan_outbox` (in `bot.planning`) claims unprocessed outbox events (FOR UPDATE SKIP LOCKED on PostgreSQL;
   SQLite's BEGIN IMMEDIATE makes the writer single) and, in the same transaction, writes
   the Message and WebhookDelivery rows they call for and marks them processed.
2. `send_messages` (in `bot.sending`) claims due `pending` messages, marks them `sending`
   (attempts + 1) and commits BEFORE calling Twilio, then records the sid or the error.
   One message per order is in flight at a time, so a customer hears "confirmed" before
   "on its way". What happens to a message that fails is in `bot.message_outcomes`.
3. `reconcile_sending` settles messages left `sending` by a crash, once their lease ran out:
   found at Twilio -> `sent`; not found -> sent again; Twilio cannot say -> `unknown`
   (never resent automatically: a missed notice is visible, a doubled one is not undone).

Who is told, and on which channel, is `bot.recipients`' rule (the reminders use it too); the
wording is `bot.notifications`'; message statuses are `bot.outbound.MessageStatus`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.channels import Channel, LookupUnavailable, SendResult
from bot.message_outcomes import MAX_SEND_ATTEMPTS, fail_from_receipt, hold_back, note_on_order
from bot.outbound import MessageStatus
from bot.planning import plan_outbox
from bot.sending import SEND_LEASE, outbound_message, send_messages
from bot.webhook_delivery import Sender, deliver_webhooks
from orders_core.db import Database
from orders_core.models import Message
from orders_core.settings import Settings

# Re-exported: receipts, the scheduler and tests reach the dispatcher's parts through here.
__all__ = [
    "MAX_SEND_ATTEMPTS",
    "SEND_LEASE",
    "DispatchReport",
    "dispatch",
    "fail_from_receipt",
    "reconcile_sending",
    "send_messages",
]


@dataclass
class DispatchReport:
    """What one dispatch run did."""

    events: int = 0
    messages: int = 0
    reconciled: int = 0
    webhooks: int = 0


def _record_sent(session: Session, message: Message, result: SendResult, now: datetime) -> None:
    message.sid = result.sid
    message.status = result.status
    message.error_code = None
    message.error_message = None
    message.next_attempt_at = None
    message.updated_at = now


def _settle(session: Session, message: Message, found: SendResult | None, now: datetime) -> None:
    if found is not None:
        _record_sent(session, message, found, now)
    elif message.attempts >= MAX_SEND_ATTEMPTS:
        message.status, message.next_attempt_at = MessageStatus.DEAD, None
        message.error_message = "never confirmed sent after the last attempt"
        note_on_order(session, message, "Message to customer failed", "message.failed")
    else:
        message.status, message.next_attempt_at = MessageStatus.PENDING, now


def reconcile_sending(
    database: Database, channel: Channel, *, now: datetime, limit: int = 100
) -> int:
    """Settle messages stuck in `sending` past their lease (a crash mid-send); how many.

    Found at Twilio -> recorded as sent. Not found -> pending again (sent once more).
    Lookup impossible -> `unknown`, kept visible on the order's timeline, not resent.
    """
    with database.write() as session:
        stuck = list(
            session.scalars(
                select(Message)
                .where(Message.status == MessageStatus.SENDING, Message.next_attempt_at <= now)
                .order_by(Message.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        for message in stuck:  # extend the lease while we ask Twilio
            message.next_attempt_at = now + SEND_LEASE
        work = [
            (m.id, outbound_message(m), (m.payload or {}).get("attempt_started_at")) for m in stuck
        ]
    for message_id, outbound, started in work:
        since = (datetime.fromisoformat(started) if started else now - 2 * SEND_LEASE) - timedelta(
            minutes=2
        )
        try:
            found: SendResult | LookupUnavailable | None = channel.find_sent(outbound, since=since)
        except LookupUnavailable as exc:
            found = exc
        with database.write() as session:
            message = session.get(Message, message_id)
            assert message is not None
            if isinstance(found, LookupUnavailable):
                hold_back(
                    message,
                    MessageStatus.UNKNOWN,
                    f"crashed mid-send; Twilio lookup failed: {found}",
                    now,
                )
                note_on_order(session, message, "Message may not have been sent", "message.failed")
            else:
                _settle(session, message, found, now)
    return len(work)


def dispatch(
    database: Database,
    settings: Settings,
    channel: Channel,
    sender: Sender,
    *,
    now: datetime,
    batch: int = 200,
) -> DispatchReport:
    """Deliver everything due at `now`: plan the outbox, settle crashes, send, post webhooks."""
    report = DispatchReport()
    while done := plan_outbox(database, now=now, limit=batch):
        report.events += done
    report.reconciled = reconcile_sending(database, channel, now=now)
    while sent := send_messages(database, channel, settings, now=now, limit=batch):
        report.messages += sent
    while posted := deliver_webhooks(database, settings, sender, now=now, limit=batch):
        report.webhooks += posted
    return report
