"""Queueing outbound messages: recorded first (status `pending`), sent later by the dispatcher.

Nothing here talks to Twilio. Writing the row in the caller's transaction means a message
exists exactly when the change that caused it commits, and the dispatcher can retry or
reconcile it without ever losing or doubling it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import Any, TypedDict, Unpack

from sqlalchemy import select
from sqlalchemy.orm import Session

from orders_core.models import Message, Tenant, utcnow


class MessageStatus(StrEnum):
    """A message's status: ours until Twilio has it, then Twilio's (its answer, its receipts)."""

    PENDING = "pending"  # recorded, waiting for the dispatcher
    SENDING = "sending"  # claimed and committed before Twilio is called
    NEEDS_TEMPLATE = "needs_template"  # outside WhatsApp's 24-hour window with no template
    SKIPPED = "skipped"  # not sent on purpose (opted out); the reason is in error_message
    FAILED = "failed"  # a permanent error (invalid number, opted out at Twilio)
    DEAD = "dead"  # transient errors until the retries ran out
    UNKNOWN = "unknown"  # a crash mid-send that Twilio could not confirm either way
    # Twilio's, as its API answers and its status callbacks say (RECEIVED: an inbound message)
    QUEUED = "queued"
    ACCEPTED = "accepted"
    SCHEDULED = "scheduled"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    UNDELIVERED = "undelivered"
    CANCELED = "canceled"
    RECEIVED = "received"


# payload key: the template key of a message sent with buttons or a list (its body is the text)
INTERACTIVE = "interactive"


def twilio_address(channel: str, phone: str) -> str:
    """The Twilio form of a number: whatsapp:+E164 for WhatsApp, +E164 for SMS."""
    return f"whatsapp:{phone}" if channel == "whatsapp" else phone


def sender_for(tenant: Tenant, channel: str) -> str:
    """The tenant's sender address on `channel` (WhatsApp falls back to SMS and back)."""
    number = (tenant.whatsapp_number if channel == "whatsapp" else tenant.sms_number) or (
        tenant.sms_number or tenant.whatsapp_number or ""
    )
    return twilio_address(channel, number)


class MessageFields(TypedDict, total=False):
    """What an outbound message may carry besides its recipient, channel and kind."""

    body: str | None
    order_id: int | None
    outbox_event_id: int | None
    content_sid: str | None
    content_variables: dict[str, Any] | None
    dedupe_key: str | None
    status: str
    not_before: datetime | None
    template: str | None  # the tenant template to use outside WhatsApp's 24-hour window
    variables: dict[str, str] | None  # the template's values, by name
    interactive: str | None  # the tenant template key of buttons/a list sent as content_sid
    now: datetime | None  # the caller's clock (default: the real one)


def message_row(
    tenant: Tenant, *, to_phone: str, channel: str, kind: str, **fields: Unpack[MessageFields]
) -> dict[str, Any]:
    """An outbound message's column values, every column given (see `blank_row`)."""
    now = fields.get("now") or utcnow()
    template = fields.get("template")
    return blank_row() | {
        "tenant_id": tenant.id,
        "direction": "outbound",
        "channel": channel,
        "from_number": sender_for(tenant, channel),
        "to_number": twilio_address(channel, to_phone),
        "customer_phone": to_phone,
        "order_id": fields.get("order_id"),
        "outbox_event_id": fields.get("outbox_event_id"),
        "kind": kind,
        "body": fields.get("body"),
        "content_sid": fields.get("content_sid"),
        "content_variables": fields.get("content_variables"),
        "payload": _payload(template, fields.get("variables"), fields.get("interactive")),
        "status": fields.get("status", MessageStatus.PENDING),
        "dedupe_key": fields.get("dedupe_key"),
        "next_attempt_at": fields.get("not_before") or now,
        "created_at": now,
        "updated_at": now,
    }


def _payload(
    template: str | None, variables: dict[str, str] | None, interactive: str | None
) -> dict[str, Any]:
    payload: dict[str, Any] = {}
    if template:
        payload |= {"template": template, "variables": variables or {}}
    if interactive:
        payload[INTERACTIVE] = interactive
    return payload


def blank_row() -> dict[str, Any]:
    """Every column of a message but its id, empty: rows built from it insert together."""
    return _columns() | {"media": [], "payload": {}, "attempts": 0}


@cache
def _columns() -> dict[str, None]:
    return {column.key: None for column in Message.__table__.columns if column.key != "id"}


def new_message(
    tenant: Tenant, *, to_phone: str, channel: str, kind: str, **fields: Unpack[MessageFields]
) -> Message:
    """An outbound Message row, not yet added to any session (see queue_message)."""
    return Message(**message_row(tenant, to_phone=to_phone, channel=channel, kind=kind, **fields))


def queue_message(
    session: Session,
    tenant: Tenant,
    *,
    to_phone: str,
    channel: str,
    kind: str,
    **fields: Unpack[MessageFields],
) -> Message | None:
    """Record an outbound message for the dispatcher; None if `dedupe_key` was used already.

    `kind` is alert (to staff), notification (order status), reminder or reply.
    """
    dedupe_key = fields.get("dedupe_key")
    if dedupe_key is not None:
        taken = session.scalar(select(Message.id).where(Message.dedupe_key == dedupe_key))
        if taken is not None:
            return None
    message = new_message(tenant, to_phone=to_phone, channel=channel, kind=kind, **fields)
    session.add(message)
    session.flush()
    return message
