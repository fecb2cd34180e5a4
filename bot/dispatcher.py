"""The dispatcher: outbox events become customer messages and webhook deliveries, then go out.

Three steps, each safe to run in several processes at once:

1. `plan_outbox` (in `bot.planning`) claims unprocessed outbox events (FOR UPDATE SKIP LOCKED on PostgreSQL;
   SQLite's BEGIN IMMEDIATE makes the writer single) and, in the same transaction, writes
   the Message and WebhookDelivery rows they call for and marks them processed.
2. `send_messages` (in `bot.sending`) claims due `pending` messages (`bot.claiming`), marks
   them `sending` (attempts + 1) and commits BEFORE calling Twilio, then records the sid or
   the error, several at once on PostgreSQL. One message per order is in flight
   at a time, so a customer hears "confirmed" before "on its way". What happens to a
   message that fails is in `bot.message_outcomes`.
3. `reconcile_sending` (in `bot.reconcile`) settles messages left `sending` by a crash, once
   their lease ran out: found at Twilio -> `sent`; not found -> sent again; Twilio cannot say
   -> `unknown` (never resent automatically: a missed notice is visible, a doubled one is not
   undone).

Who is told, and on which channel, is `bot.recipients`' rule (the reminders use it too); the
wording is `bot.notifications`'; message statuses are `bot.outbound.MessageStatus`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from threading import Event
from time import monotonic

from bot.channels import Channel
from bot.claiming import SEND_LEASE
from bot.message_outcomes import MAX_SEND_ATTEMPTS, fail_from_receipt
from bot.planning import plan_outbox
from bot.reconcile import reconcile_sending
from bot.sending import send_messages
from bot.webhook_delivery import Sender, deliver_webhooks
from orders_core.db import Database
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


def dispatch(
    database: Database,
    settings: Settings,
    channel: Channel,
    sender: Sender,
    *,
    now: datetime,
    batch: int = 200,
    stop: Event | None = None,
) -> DispatchReport:
    """Deliver everything due at `now`: plan the outbox, settle crashes, send, post webhooks.

    Each batch is claimed at `now` moved on by the time the run has taken so far, so a long
    run (a backlog) leases its later batches from when they are claimed: leased from the
    run's start, they could already have run out and be resent by another scheduler while
    still being sent. Once `stop` is set (the process was asked to stop) no further batch
    starts, and the messages of a batch not yet sent go back to `pending` at once
    (bot.claiming.release)."""
    report = DispatchReport()
    started = monotonic()

    def at() -> datetime:
        return now + timedelta(seconds=monotonic() - started)

    def going_on() -> bool:
        return stop is None or not stop.is_set()

    while going_on() and (done := plan_outbox(database, now=at(), limit=batch)):
        report.events += done
    if going_on():
        report.reconciled = reconcile_sending(database, channel, now=at())
    while going_on() and (
        sent := send_messages(database, channel, settings, now=at(), limit=batch, stop=stop)
    ):
        report.messages += sent
    while going_on() and (
        posted := deliver_webhooks(database, settings, sender, now=at(), limit=batch)
    ):
        report.webhooks += posted
    return report
