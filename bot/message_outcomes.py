"""What becomes of an outbound message that cannot go out as it is.

Held back (opted out, no template), switched to the tenant's template outside WhatsApp's
24-hour window, retried with backoff, or failed for good: a failure of a message about an
order goes on its timeline and out as a `message.failed` event.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.channels import OUTSIDE_WINDOW, SendError
from bot.outbound import MessageStatus, new_message
from bot.planning import backoff
from orders_core.events import add_timeline, emit
from orders_core.models import Customer, Message, Order, Tenant
from orders_core.services.tenants import tenant_settings
from orders_core.tenant_settings import TenantSettings

MAX_SEND_ATTEMPTS = 8


def content_variables(settings: TenantSettings, template: str, values: dict[str, str]) -> dict:
    """Twilio's positional content variables ("1", "2", ...) for the tenant's template."""
    names = settings.templates[template].variables
    return {str(i): str(values.get(name, "")) for i, name in enumerate(names, start=1)}


def use_template(message: Message, settings: TenantSettings) -> bool:
    """Switch `message` to its tenant template; False when there is none."""
    key = (message.payload or {}).get("template")
    if not key or key not in settings.templates:
        return False
    message.content_sid = settings.templates[key].content_sid
    message.content_variables = content_variables(
        settings, key, (message.payload or {}).get("variables") or {}
    )
    return True


def note_on_order(session: Session, message: Message, title: str, event: str | None) -> None:
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


def hold_back(message: Message, status: MessageStatus, reason: str, now: datetime) -> None:
    """Park `message` in `status` (not sent, not retried) with `reason` shown."""
    message.status = status
    message.error_message = reason
    message.next_attempt_at = None
    message.updated_at = now


def record_error(session: Session, message: Message, error: SendError, now: datetime) -> None:
    """Act on a send Twilio refused: the template instead, a retry with backoff, or failed.

    A failure that is final goes on the order's timeline and out as `message.failed`;
    21610 (the customer unsubscribed at Twilio) marks the customer opted out.
    """
    message.error_code = str(error.code) if error.code else None
    message.error_message = error.message
    message.updated_at = now
    if error.kind == "needs_template":
        tenant_cfg = tenant_settings(session.get(Tenant, message.tenant_id))  # type: ignore[arg-type]
        if not message.content_sid and use_template(message, tenant_cfg):
            message.status, message.next_attempt_at = MessageStatus.PENDING, now
            return
        hold_back(message, MessageStatus.NEEDS_TEMPLATE, error.message, now)
        note_on_order(session, message, "Message needs an approved template", None)
        return
    if error.kind == "transient" and message.attempts < MAX_SEND_ATTEMPTS:
        message.status, message.next_attempt_at = (
            MessageStatus.PENDING,
            now + backoff(message.attempts),
        )
        return
    message.status = MessageStatus.FAILED if error.kind == "permanent" else MessageStatus.DEAD
    message.next_attempt_at = None
    if error.code == 21610 and message.customer_phone:
        _mark_opted_out(session, message.tenant_id, message.customer_phone)
    note_on_order(session, message, "Message to customer failed", "message.failed")


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
        record_error(session, retry, error, now)
        return
    note_on_order(session, message, "Message to customer failed", "message.failed")


def _mark_opted_out(session: Session, tenant_id: int, phone: str) -> None:
    customer = session.scalars(
        select(Customer).where(Customer.tenant_id == tenant_id, Customer.phone == phone)
    ).one_or_none()
    if customer is not None:
        customer.opted_out = True
