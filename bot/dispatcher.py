"""The dispatcher: outbox events become customer messages and webhook deliveries, then go out.

Three steps, each safe to run in several processes at once:

1. `plan_outbox` (in `bot.planning`) claims unprocessed outbox events (FOR UPDATE SKIP LOCKED on PostgreSQL;
   SQLite's BEGIN IMMEDIATE makes the writer single) and, in the same transaction, writes
   the Message and WebhookDelivery rows they call for and marks them processed.
2. `send_messages` claims due `pending` messages, marks them `sending` (attempts + 1) and
   commits BEFORE calling Twilio, then records the sid or the error. One message per order
   is in flight at a time, so a customer hears "confirmed" before "on its way".
3. `reconcile_sending` settles messages left `sending` by a crash, once their lease ran out:
   found at Twilio -> `sent`; not found -> sent again; Twilio cannot say -> `unknown`
   (never resent automatically: a missed notice is visible, a doubled one is not undone).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session, aliased

from bot.channels import (
    OUTSIDE_WINDOW,
    Channel,
    LookupUnavailable,
    OutboundMessage,
    SendError,
    SendResult,
)
from bot.outbound import (
    DEAD,
    FAILED,
    NEEDS_TEMPLATE,
    PENDING,
    SENDING,
    SKIPPED,
    UNKNOWN,
    new_message,
)
from bot.planning import TenantCache, backoff, plan_outbox
from bot.webhook_delivery import Sender, deliver_webhooks
from orders_core.db import Database
from orders_core.events import add_timeline, emit
from orders_core.models import (
    Customer,
    Message,
    Order,
    Tenant,
)
from orders_core.services.tenants import tenant_settings
from orders_core.settings import Settings
from orders_core.tenant_settings import TenantSettings

log = logging.getLogger(__name__)

MAX_SEND_ATTEMPTS = 8
SEND_LEASE = timedelta(minutes=5)
WINDOW = timedelta(hours=24)
PROACTIVE_KINDS = frozenset({"notification", "reminder"})  # opt-out and 24-hour window apply


@dataclass
class DispatchReport:
    """What one dispatch run did."""

    events: int = 0
    messages: int = 0
    reconciled: int = 0
    webhooks: int = 0


@dataclass(frozen=True)
class _Claimed:
    id: int
    outbound: OutboundMessage


def content_variables(settings: TenantSettings, template: str, values: dict[str, str]) -> dict:
    """Twilio's positional content variables ("1", "2", ...) for the tenant's template."""
    names = settings.templates[template].variables
    return {str(i): str(values.get(name, "")) for i, name in enumerate(names, start=1)}


def _use_template(message: Message, settings: TenantSettings) -> bool:
    """Switch `message` to its tenant template; False when there is none."""
    key = (message.payload or {}).get("template")
    if not key or key not in settings.templates:
        return False
    message.content_sid = settings.templates[key].content_sid
    message.content_variables = content_variables(
        settings, key, (message.payload or {}).get("variables") or {}
    )
    return True


def _note_on_order(session: Session, message: Message, title: str, event: str | None) -> None:
    """Put a failed message on its order's timeline (and emit `event` for webhooks)."""
    if message.order_id is None:
        return
    order = session.get(Order, message.order_id)
    if order is None:
        return
    detail = {
        "message_id": f"msg_{message.id}",
        "status": message.status,
        "to": message.customer_phone,
        "error_code": message.error_code,
        "error_message": message.error_message,
    }
    add_timeline(
        session,
        order,
        kind="message_failed",
        type="error",
        title=title,
        description=message.error_message,
        actor="dispatcher",
        data=detail,
    )
    if event:
        emit(session, order, event, {"message": detail})


def _hold_back(message: Message, status: str, reason: str, now: datetime) -> None:
    message.status = status
    message.error_message = reason
    message.next_attempt_at = None
    message.updated_at = now


def _outside_window(message: Message, customer: Customer | None, now: datetime) -> bool:
    """True for a free-text WhatsApp message to someone silent for 24 hours or more."""
    if message.channel != "whatsapp" or message.content_sid:
        return False
    last_inbound = customer.last_inbound_at if customer else None
    return last_inbound is None or last_inbound <= now - WINDOW


def _prepare(
    session: Session,
    message: Message,
    customers: dict[tuple[int, str], Customer],
    tenants: TenantCache,
    now: datetime,
) -> bool:
    """Decide a claimed message: skip, hold for a template, or mark it `sending`."""
    _, settings = tenants.get(message.tenant_id)
    customer = customers.get((message.tenant_id, message.customer_phone or ""))
    if message.kind in PROACTIVE_KINDS:
        if customer is not None and customer.opted_out:
            _hold_back(message, SKIPPED, "customer opted out", now)
            return False
        if not settings.auto_notifications:
            _hold_back(message, SKIPPED, "auto_notifications is off", now)
            return False
        if _outside_window(message, customer, now) and not _use_template(message, settings):
            key = (message.payload or {}).get("template") or message.kind
            reason = f"outside the 24-hour window; no template for {key}"
            _hold_back(message, NEEDS_TEMPLATE, reason, now)
            _note_on_order(session, message, "Message needs an approved template", None)
            return False
    message.status = SENDING
    message.attempts += 1
    message.next_attempt_at = now + SEND_LEASE
    message.payload = {**(message.payload or {}), "attempt_started_at": now.isoformat()}
    message.updated_at = now
    return True


def _outbound(message: Message) -> OutboundMessage:
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
        earlier.status.in_((PENDING, SENDING)),
        earlier.id < Message.id,
    )
    return list(
        session.scalars(
            select(Message)
            .where(
                Message.status == PENDING,
                Message.next_attempt_at <= now,
                Message.direction == "outbound",
                ~waiting,
            )
            .order_by(Message.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )


def _customers(session: Session, messages: Iterable[Message]) -> dict[tuple[int, str], Customer]:
    keys = {(m.tenant_id, m.customer_phone) for m in messages if m.customer_phone}
    if not keys:
        return {}
    phones = {phone for _, phone in keys}
    rows = session.scalars(select(Customer).where(Customer.phone.in_(phones)))
    return {(c.tenant_id, c.phone): c for c in rows if (c.tenant_id, c.phone) in keys}


def _claim_messages(database: Database, now: datetime, limit: int) -> tuple[int, list[_Claimed]]:
    """(rows handled, messages marked `sending`), committed before anything is sent."""
    with database.write() as session:
        rows = _due_messages(session, now, limit)
        customers = _customers(session, rows)
        tenants = TenantCache(session)
        claimed = [
            _Claimed(m.id, _outbound(m))
            for m in rows
            if _prepare(session, m, customers, tenants, now)
        ]
        return len(rows), claimed


def _record_sent(session: Session, message: Message, result: SendResult, now: datetime) -> None:
    message.sid = result.sid
    message.status = result.status
    message.error_code = None
    message.error_message = None
    message.next_attempt_at = None
    message.updated_at = now


def _record_error(session: Session, message: Message, error: SendError, now: datetime) -> None:
    message.error_code = str(error.code) if error.code else None
    message.error_message = error.message
    message.updated_at = now
    if error.kind == "needs_template":
        tenant_cfg = tenant_settings(session.get(Tenant, message.tenant_id))  # type: ignore[arg-type]
        if not message.content_sid and _use_template(message, tenant_cfg):
            message.status, message.next_attempt_at = PENDING, now
            return
        _hold_back(message, NEEDS_TEMPLATE, error.message, now)
        _note_on_order(session, message, "Message needs an approved template", None)
        return
    if error.kind == "transient" and message.attempts < MAX_SEND_ATTEMPTS:
        message.status, message.next_attempt_at = PENDING, now + backoff(message.attempts)
        return
    message.status = FAILED if error.kind == "permanent" else DEAD
    message.next_attempt_at = None
    if error.code == 21610 and message.customer_phone:
        _mark_opted_out(session, message.tenant_id, message.customer_phone)
    _note_on_order(session, message, "Message to customer failed", "message.failed")


def fail_from_receipt(session: Session, message: Message, *, now: datetime) -> None:
    """Act on a status callback that reports a send failed after Twilio accepted it.

    WhatsApp's 63016 (outside the 24-hour window) arrives this way too: the failed row
    stays as it is, and a copy is queued as the tenant's template, or held as
    `needs_template` when there is none. Any other failure of a
    message about an order goes on its timeline and out as `message.failed`.
    """
    code = int(message.error_code) if (message.error_code or "").isdigit() else None
    if code == OUTSIDE_WINDOW and not message.content_sid:
        tenant = session.get(Tenant, message.tenant_id)
        assert tenant is not None  # the message belongs to it
        payload = message.payload or {}
        retry = new_message(
            tenant,
            to_phone=message.customer_phone or "",
            channel=message.channel,
            kind=message.kind,
            body=message.body,
            order_id=message.order_id,
            outbox_event_id=message.outbox_event_id,
            template=payload.get("template"),
            variables=payload.get("variables"),
            now=now,
        )
        session.add(retry)
        session.flush()
        error = SendError("needs_template", "Outside WhatsApp's 24-hour window", code=code)
        _record_error(session, retry, error, now)
        return
    _note_on_order(session, message, "Message to customer failed", "message.failed")


def _mark_opted_out(session: Session, tenant_id: int, phone: str) -> None:
    customer = session.scalars(
        select(Customer).where(Customer.tenant_id == tenant_id, Customer.phone == phone)
    ).one_or_none()
    if customer is not None:
        customer.opted_out = True


def _send_one(
    database: Database, channel: Channel, claimed: _Claimed, callback: str, now: datetime
) -> None:
    try:
        result = channel.send(claimed.outbound, status_callback=callback)
    except SendError as exc:
        with database.write() as session:
            message = session.get(Message, claimed.id)
            assert message is not None
            _record_error(session, message, exc, now)
        return
    with database.write() as session:
        session.execute(
            update(Message)
            .where(Message.id == claimed.id)
            .values(
                sid=result.sid,
                status=result.status,
                error_code=None,
                error_message=None,
                next_attempt_at=None,
                updated_at=now,
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
    template). An unexpected exception from the channel leaves the message `sending`, for
    `reconcile_sending` to settle after the lease.
    """
    handled, claimed = _claim_messages(database, now, limit)
    callback = status_callback_url(settings)
    for item in claimed:
        try:
            _send_one(database, channel, item, callback, now)
        except Exception:
            log.exception("sending message %s failed unexpectedly", item.id)
    return handled


# --- 3. crash recovery ---------------------------------------------------------------------


def _settle(session: Session, message: Message, found: SendResult | None, now: datetime) -> None:
    if found is not None:
        _record_sent(session, message, found, now)
    elif message.attempts >= MAX_SEND_ATTEMPTS:
        message.status, message.next_attempt_at = DEAD, None
        message.error_message = "never confirmed sent after the last attempt"
        _note_on_order(session, message, "Message to customer failed", "message.failed")
    else:
        message.status, message.next_attempt_at = PENDING, now


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
                .where(Message.status == SENDING, Message.next_attempt_at <= now)
                .order_by(Message.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        for message in stuck:  # extend the lease while we ask Twilio
            message.next_attempt_at = now + SEND_LEASE
        work = [(m.id, _outbound(m), (m.payload or {}).get("attempt_started_at")) for m in stuck]
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
                _hold_back(
                    message, UNKNOWN, f"crashed mid-send; Twilio lookup failed: {found}", now
                )
                _note_on_order(session, message, "Message may not have been sent", "message.failed")
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
