"""Step 1 of the dispatcher: outbox events become customer messages and webhook deliveries.

`plan_outbox` claims unprocessed outbox events (FOR UPDATE SKIP LOCKED on PostgreSQL;
SQLite's BEGIN IMMEDIATE makes the writer single) and, in the same transaction, writes the
Message and WebhookDelivery rows they call for and marks them processed.
"""

from __future__ import annotations

import logging
import random
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, insert, select, update
from sqlalchemy.orm import Session, aliased

from bot import notifications as wording
from bot.chat_languages import chat_languages
from bot.language.lexicon import BASE
from bot.outbound import message_row
from bot.payments.asking import with_payment_request
from bot.recipients import CHAT_CHANNELS, customer_channel, needs_whatsapp_check, whatsapp_customers
from bot.webhook_delivery import enabled_endpoints, plan_webhooks
from orders_core.db import Database
from orders_core.models import (
    Message,
    OutboxEvent,
    Tenant,
    WebhookDelivery,
    WebhookEndpoint,
)
from orders_core.services.tenants import tenant_settings
from orders_core.tenant_settings import TenantSettings

log = logging.getLogger(__name__)

MAX_PLAN_ATTEMPTS = 5
BACKOFF_BASE = timedelta(seconds=15)
BACKOFF_CAP = timedelta(minutes=30)


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed try: exponential, capped, with jitter."""
    delay = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(attempts - 1, 0))
    return delay / 2 + delay / 2 * random.random()


class TenantCache:
    """Tenants, their settings and webhook endpoints, loaded once per batch."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._rows: dict[int, tuple[Tenant, TenantSettings]] = {}
        self._endpoints: dict[int, list[WebhookEndpoint]] = {}

    def endpoints(self, tenant_id: int) -> list[WebhookEndpoint]:
        if tenant_id not in self._endpoints:
            self._endpoints[tenant_id] = enabled_endpoints(self.session, tenant_id)
        return self._endpoints[tenant_id]

    def get(self, tenant_id: int) -> tuple[Tenant, TenantSettings]:
        if tenant_id not in self._rows:
            tenant = self.session.get(Tenant, tenant_id)
            assert tenant is not None
            self._rows[tenant_id] = (tenant, tenant_settings(tenant))
        return self._rows[tenant_id]


def _tracking_url(data: dict[str, Any]) -> str | None:
    tracking = data.get("tracking") or {}
    return tracking.get("url") if isinstance(tracking, dict) else None


def customer_notice(event: OutboxEvent, business: str, lang: str = "en") -> wording.Notice | None:
    """The customer's message for an outbox event, or None when the event tells them nothing.

    order.created: the bot already answered chat orders; web/api orders get the lines.
    Nothing for an order imported already delivered or cancelled.
    order.status_changed: one message per new status (on hold with its reason, and back on);
    cancellation is said by order.cancelled,
    except a chat order the customer cancelled in the chat, where the bot's reply said it.
    order.updated: only a ready time staff promised (`CONFIRM 1042 30`, `ETA 1042 45`).
    fulfillment.created: only a partial dispatch (a complete one moves the status, which says it).
    return.*: requested, received and rejected; a refunded return is said by its refund.created.
    """
    data, order = event.data, event.data.get("order") or {}
    kind = event.type
    if data.get("imported"):
        return None  # an order imported already finished: history, not news
    if kind == "order.created":
        if order.get("channel") in CHAT_CHANNELS:
            return None
        return wording.received_notice(order, business, lang)
    if kind == "order.status_changed" and order.get("status") == "on_hold":
        return wording.hold_notice(order, business, data.get("reason"), lang)
    if kind == "order.status_changed" and data.get("resumed"):
        return wording.resumed_notice(order, business, lang)
    if kind == "order.status_changed":
        return wording.status_notice(order, business, _tracking_url(data), lang)
    if kind == "order.updated" and data.get("ready_in_minutes"):
        return wording.ready_notice(order, business, int(data["ready_in_minutes"]), lang)
    if kind == "order.cancelled":
        by_chat = str(data.get("actor") or "").startswith("customer:")
        if by_chat and order.get("channel") in CHAT_CHANNELS:
            return None  # the bot's reply to their CANCEL said it already
        reason, note = str(data.get("reason")), data.get("note")
        return wording.cancelled_notice(order, business, reason, note, lang)
    if kind == "payment.recorded":
        return wording.payment_notice(order, business, int(data.get("amount") or 0), lang)
    if kind == "refund.created":
        return wording.refund_notice(order, business, int(data.get("amount") or 0), lang)
    if kind.startswith("return."):
        return wording.return_notice(kind, order, business, data.get("return") or {}, lang)
    if kind == "fulfillment.created" and data.get("notify_customer", True):
        items = order.get("items", [])
        if any(i["fulfilled_quantity"] < i["quantity"] for i in items):
            tracking = _tracking_url(data)
            return wording.partial_fulfillment_notice(order, business, tracking, lang)
    return None


def _phone(event: OutboxEvent) -> str | None:
    order = event.data.get("order") or {}
    return (order.get("customer") or {}).get("phone")


class _Known:
    """What a batch of events needs to know about its customers, read in one query each."""

    def __init__(self, session: Session, events: list[OutboxEvent], tenants: TenantCache) -> None:
        phones: dict[int, set[str]] = defaultdict(set)
        web_phones: dict[int, set[str]] = defaultdict(set)
        for event in events:
            try:
                phone = _phone(event)
                channel = (event.data.get("order") or {}).get("channel")
                if phone:
                    phones[event.tenant_id].add(phone)
                    if needs_whatsapp_check(channel, tenants.get(event.tenant_id)[1]):
                        web_phones[event.tenant_id].add(phone)
            except (AttributeError, TypeError):
                continue  # a malformed event fails alone, when it is planned
        self.languages = {
            tenant_id: chat_languages(session, tenant_id, numbers)
            for tenant_id, numbers in phones.items()
        }
        self.on_whatsapp = {
            (tenant_id, phone)
            for tenant_id, numbers in web_phones.items()
            for phone in whatsapp_customers(session, tenant_id, numbers)
        }

    def language(self, tenant_id: int, phone: str) -> str:
        """The language the customer chats in (English until the chat learns otherwise)."""
        return self.languages.get(tenant_id, {}).get(phone, BASE)


def _recipient(
    event: OutboxEvent, settings: TenantSettings, known: _Known
) -> tuple[str, str] | None:
    """(phone, channel) of the customer to tell, or None (the rule is bot.recipients')."""
    phone = _phone(event)
    channel = customer_channel(
        (event.data.get("order") or {}).get("channel"),
        phone,
        settings,
        on_whatsapp=(event.tenant_id, phone) in known.on_whatsapp,
    )
    return (phone, channel) if phone and channel else None


class _Rows:
    """The rows a batch of events calls for, as column values: inserted together."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.deliveries: list[dict[str, Any]] = []

    def insert(self, session: Session) -> None:
        """One executemany per table; the new ids are not read back."""
        for model, rows in ((Message, self.messages), (WebhookDelivery, self.deliveries)):
            if rows:
                session.execute(insert(model.__table__), rows)


def _plan_event(
    event: OutboxEvent, tenants: TenantCache, known: _Known, now: datetime
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The rows `event` calls for: at most one customer message, one delivery per URL."""
    tenant, settings = tenants.get(event.tenant_id)
    deliveries = plan_webhooks(event, tenants.endpoints(event.tenant_id), now=now)
    target = _recipient(event, settings, known)
    if not target:
        return None, deliveries
    phone, channel = target
    lang = known.language(event.tenant_id, phone)
    notice = customer_notice(event, tenant.name, lang)
    if not notice:
        return None, deliveries
    notice = with_payment_request(tenants.session, event, settings.payments, notice, lang)
    message = message_row(
        tenant,
        to_phone=phone,
        channel=channel,
        kind="notification",
        body=notice.body,
        order_id=event.order_id,
        outbox_event_id=event.id,
        dedupe_key=f"event:{event.public_id}",
        not_before=now,
        now=now,
        template=notice.template,
        variables=notice.variables,
    )
    return message, deliveries


def _claim_events(session: Session, now: datetime, limit: int) -> list[OutboxEvent]:
    """Due events, oldest first, skipping any order whose earlier event is still open."""
    due = (OutboxEvent.next_attempt_at.is_(None)) | (OutboxEvent.next_attempt_at <= now)
    earlier = aliased(OutboxEvent)
    waiting = exists().where(
        earlier.order_id == OutboxEvent.order_id,
        earlier.processed_at.is_(None),
        earlier.id < OutboxEvent.id,
    )
    return list(
        session.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.processed_at.is_(None), due, ~waiting)
            .order_by(OutboxEvent.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )


def _retry_later(event: OutboxEvent, exc: Exception, now: datetime) -> None:
    log.error("planning outbox event %s failed", event.public_id, exc_info=exc)
    event.attempts += 1
    event.last_error = f"{type(exc).__name__}: {exc}"
    event.next_attempt_at = now + backoff(event.attempts)
    if event.attempts >= MAX_PLAN_ATTEMPTS:
        event.processed_at = now


def plan_outbox(database: Database, *, now: datetime, limit: int = 200) -> int:
    """Turn due outbox events into messages and webhook deliveries, each exactly once.

    Returns how many events were processed. A failing event is retried with backoff and
    given up (processed, with last_error) after MAX_PLAN_ATTEMPTS. A batch costs a fixed
    number of statements (a few per tenant in it), not a few per event.
    """
    with database.write() as session:
        events = _claim_events(session, now, limit)
        if not events:
            return 0
        tenants = TenantCache(session)
        known = _Known(session, events, tenants)
        rows = _Rows()
        done: list[int] = []
        for event in events:
            try:
                message, deliveries = _plan_event(event, tenants, known, now)
            except Exception as exc:
                _retry_later(event, exc, now)
                continue
            if message is not None:
                rows.messages.append(message)
            rows.deliveries.extend(deliveries)
            done.append(event.id)
        rows.insert(session)
        if done:
            session.execute(
                update(OutboxEvent)
                .where(OutboxEvent.id.in_(done))
                .values(processed_at=now)
                .execution_options(synchronize_session=False)
            )
        return len(events)
