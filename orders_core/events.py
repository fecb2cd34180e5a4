"""Timeline entries and outbox events, written in the caller's transaction."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy.orm import Session

from orders_core.models import Order, OutboxEvent, TimelineEvent, utcnow
from orders_core.presenters import order_payload

EVENT_TYPES = (
    "order.created",
    "order.updated",
    "order.status_changed",
    "order.cancelled",
    "payment.recorded",
    "refund.created",
    "fulfillment.created",
    "message.failed",
    "return.requested",
    "return.received",
    "return.refunded",
    "return.rejected",
)


def new_event_id() -> str:
    """A unique, unguessable event id that receivers can use to drop repeats."""
    return "evt_" + secrets.token_hex(12)


def add_timeline(
    session: Session,
    order: Order,
    *,
    kind: str,
    title: str,
    type: str = "info",
    description: str | None = None,
    actor: str | None = None,
    data: dict[str, Any] | None = None,
) -> TimelineEvent:
    """Append an entry to the order's timeline."""
    event = TimelineEvent(
        tenant_id=order.tenant_id,
        order_id=order.id,
        kind=kind,
        type=type,
        title=title,
        description=description,
        actor=actor,
        data=data or {},
        created_at=utcnow(),
    )
    session.add(event)
    return event


def emit(
    session: Session, order: Order, event_type: str, extra: dict[str, Any] | None = None
) -> OutboxEvent:
    """Queue an outbox event carrying the order as it is now, plus `extra`."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type}")
    session.flush()
    event = OutboxEvent(
        public_id=new_event_id(),
        tenant_id=order.tenant_id,
        order_id=order.id,
        type=event_type,
        data={"order": order_payload(order), **(extra or {})},
        created_at=utcnow(),
    )
    session.add(event)
    return event
