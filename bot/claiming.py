"""The claim of step 2: due messages are chosen and marked `sending` before any is sent.

The claim commits `sending` (attempts + 1, a lease) for a whole batch BEFORE Twilio is
called, so a message is never sent twice by two schedulers or after a crash. One message
per order and recipient is claimed at a time, so a customer hears "confirmed" before "on
its way". Opt-outs, auto_notifications and WhatsApp's 24-hour window (a template, or
`needs_template`) are decided here. What a sender never tried goes back with `release`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import bindparam, exists, select, update
from sqlalchemy.orm import Session, aliased

from bot.channels import OutboundMessage
from bot.message_outcomes import hold_back, note_on_order, use_template
from bot.outbound import MessageStatus
from bot.planning import TenantCache
from orders_core.db import Database, is_sqlite
from orders_core.models import Customer, Message
from orders_core.tenant_settings import TenantSettings

SEND_LEASE = timedelta(minutes=5)  # the longest a claimed message waits before reconciling
# Each send is bounded by the Twilio client's timeout (bot.channels.SEND_TIMEOUT_SECONDS): a
# message that may wait for n - 1 sends before it (see _slots) is leased for LEASE_BASE +
# n x LEASE_PER_SEND (at most SEND_LEASE), so after a crash the first messages, which hold
# back a customer's next ones, are reconciled within a minute, not five.
LEASE_BASE = timedelta(seconds=30)
LEASE_PER_SEND = timedelta(seconds=20)
WINDOW = timedelta(hours=24)
SEND_WORKERS = 8  # messages sent at once on PostgreSQL (each sender with its own connection)
PROACTIVE_KINDS = frozenset({"notification", "reminder"})  # opt-out and 24-hour window apply


@dataclass(frozen=True)
class Claimed:
    """A message marked `sending`: its id and what to send."""

    id: int
    outbound: OutboundMessage


@dataclass(frozen=True)
class Claim:
    """What one claim did: due rows handled, the messages marked `sending` in their sending
    groups (in order), and how many senders their leases were counted for."""

    handled: int
    groups: list[list[Claimed]]
    senders: int


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
    """What the channel is given to send for `message` (a template goes without its body)."""
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


def _mark_sending(
    session: Session, groups: list[list[Message]], senders: int, now: datetime
) -> None:
    """Mark the messages of `groups` (see in_sending_groups, in sending order) `sending`
    (attempts + 1, each leased for the sends that may go before it) in one executemany."""
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
                "lease": now + lease_for(slot),
                "payload": {**(m.payload or {}), "attempt_started_at": started},
            }
            for slot, m in _slots(groups, senders)
        ],
    )


def in_sending_groups(messages: list[Message]) -> list[list[Message]]:
    """`messages` in groups that go one after another: one per recipient and order (the
    claim takes one message per order and recipient, so mostly one message each) and one
    per recipient for messages of no order (chat replies), groups in the order of their
    first message, each group in queue order."""
    groups: dict[tuple[str, str | None], list[Message]] = defaultdict(list)
    for message in messages:
        groups[(message.to_number, message.order_id)].append(message)
    return list(groups.values())


def _senders_for(database: Database, groups: int) -> int:
    """How many groups are sent at once: one on SQLite, else up to SEND_WORKERS."""
    return 1 if is_sqlite(database.engine) else min(SEND_WORKERS, groups)


def _slots(groups: list[list[Message]], senders: int) -> Iterator[tuple[int, Message]]:
    """(how many sends may go before it, plus one; message) for each message, in order.

    `senders` take groups first come first served, each sending one group's messages one
    after another, so none idles while a group waits: the first `senders` groups start at
    once, a later one after at most the earlier groups' sends shared among the senders; a
    group's k-th message waits for k - 1 more of its own."""
    earlier = 0
    for index, group in enumerate(groups):
        ahead = 0 if index < senders else -(-earlier // senders)
        for k, message in enumerate(group, start=1):
            yield ahead + k, message
        earlier += len(group)


def lease_for(slot: int) -> timedelta:
    """How long a claimed message that may wait for `slot - 1` sends stays `sending` before
    it is taken for a crash and reconciled."""
    return min(LEASE_BASE + slot * LEASE_PER_SEND, SEND_LEASE)


def claim_messages(database: Database, now: datetime, limit: int) -> Claim:
    """Mark up to `limit` due messages `sending`, committed before anything is sent."""
    with database.write() as session:
        rows = _due_messages(session, now, limit)
        reach = _reach(session, rows)
        tenants = TenantCache(session)
        groups = in_sending_groups(
            [
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
        )
        senders = _senders_for(database, len(groups)) if groups else 0
        if groups:
            _mark_sending(session, groups, senders, now)
        claimed = [[Claimed(m.id, outbound_message(m)) for m in group] for group in groups]
        return Claim(len(rows), claimed, senders)


def release(database: Database, message_ids: list[int], now: datetime) -> None:
    """Put claimed messages that were never sent back to `pending`, due now, their attempt
    not counted: the next run sends them without waiting for their lease."""
    if not message_ids:
        return
    table = Message.__table__
    with database.write() as session:
        session.execute(
            update(table)
            .where(table.c.id.in_(message_ids), table.c.status == MessageStatus.SENDING)
            .values(
                status=MessageStatus.PENDING,
                attempts=table.c.attempts - 1,
                next_attempt_at=now,
                updated_at=now,
            )
        )
