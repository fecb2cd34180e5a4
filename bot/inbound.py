"""One inbound WhatsApp/SMS message, processed once: stored, answered, committed together.

The Twilio webhook and the local simulator both call `handle_inbound` with form fields
already trusted (signature checked, or typed by a developer).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.conversation import Incoming, SharedLocation, lock_conversation, respond
from bot.outbound import queue_message
from bot.replies import EMPTY_TWIML, twiml
from bot.staff import is_staff, respond_to_staff
from orders_core.db import Database
from orders_core.models import Message, Tenant, utcnow
from orders_core.phones import split_address
from orders_core.settings import Settings

MAX_MEDIA = 10
# Twilio delivers at most 1,600 characters; anything longer is not read past that.
MAX_TEXT = 1600
# Inbound fields worth keeping with the message; others Twilio may add are ignored.
KEPT_FIELDS = (
    "AccountSid",
    "MessagingServiceSid",
    "ProfileName",
    "WaId",
    "NumMedia",
    "NumSegments",
    "Forwarded",
    "FrequentlyForwarded",
    "OriginalRepliedMessageSid",
    "ButtonPayload",
    "ButtonText",
    "ButtonType",
    "Latitude",
    "Longitude",
    "Address",
    "Label",
)


class BadInbound(ValueError):
    """The form is not a message we can answer (no usable From address)."""


class _Replayed(Exception):
    """The MessageSid was stored already: this request is a retry or a concurrent copy."""


def handle_inbound(
    db: Database,
    tenant: Tenant,
    form: Mapping[str, str],
    *,
    settings: Settings,
    now: datetime | None = None,
) -> str:
    """Process one trusted inbound message to `tenant` and return the TwiML answer.

    `tenant` is the one `tenant_by_number` found for the form's `To` (staff loaded).

    The message row, the conversation step, any order placed or changed, staff alerts and
    the recorded reply commit in one transaction. A MessageSid seen before (even one being
    processed concurrently) changes nothing and is answered with an empty <Response/>.
    Raises BadInbound when `From` is not a phone address.
    """
    now = now or utcnow()
    # PostgreSQL text and JSONB cannot hold NUL characters; nothing legitimate sends them.
    form = {key: value.replace("\x00", "") for key, value in form.items()}
    try:
        channel, phone = split_address(form.get("From", ""))
    except ValueError as exc:
        raise BadInbound(f"From is not a phone address: {exc}") from None
    incoming = _incoming(form, channel, phone)
    try:
        with db.write() as session:
            tenant = session.merge(tenant, load=False)
            message = _record(session, tenant, form, incoming, now)
            reply, order_id = _answer(session, tenant, incoming, settings, now)
            if order_id is not None:
                message.order_id = order_id
            queue_message(
                session,
                tenant,
                to_phone=phone,
                channel=channel,
                kind="reply",
                body=reply,
                order_id=order_id,
                status="sent",
            )
    except _Replayed:
        return EMPTY_TWIML
    return twiml(reply)


def _answer(
    session: Session, tenant: Tenant, incoming: Incoming, settings: Settings, now: datetime
) -> tuple[str, int | None]:
    conversation = lock_conversation(session, tenant.id, incoming.phone, now)
    if is_staff(tenant, incoming.phone):
        conversation.last_activity_at = now
        return respond_to_staff(session, tenant, incoming.phone, incoming.text), None
    result = respond(
        session,
        tenant,
        conversation,
        incoming,
        cart_ttl=timedelta(minutes=settings.cart_ttl_minutes),
        now=now,
    )
    return result.text, result.order_id


def _incoming(form: Mapping[str, str], channel: str, phone: str) -> Incoming:
    return Incoming(
        channel=channel,
        phone=phone,
        text=(form.get("Body") or form.get("ButtonPayload") or "")[:MAX_TEXT],
        profile_name=(form.get("ProfileName") or "").strip()[:200] or None,
        has_media=bool(_media(form)),
        location=_location(form),
    )


def _media(form: Mapping[str, str]) -> list[dict[str, str]]:
    try:
        count = min(int(form.get("NumMedia") or 0), MAX_MEDIA)
    except ValueError:
        count = 0
    return [
        {"url": form[f"MediaUrl{n}"], "content_type": form.get(f"MediaContentType{n}", "")}
        for n in range(count)
        if form.get(f"MediaUrl{n}")
    ]


def _location(form: Mapping[str, str]) -> SharedLocation | None:
    try:
        latitude, longitude = float(form["Latitude"]), float(form["Longitude"])
    except (KeyError, ValueError):
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    label = " ".join(p for p in (form.get("Label"), form.get("Address")) if p)
    return SharedLocation(latitude, longitude, label.strip() or None)


def _record(
    session: Session,
    tenant: Tenant,
    form: Mapping[str, str],
    incoming: Incoming,
    now: datetime,
) -> Message:
    """Store the inbound message first: its unique sid is what drops repeats."""
    payload: dict[str, Any] = {k: form[k] for k in KEPT_FIELDS if form.get(k)}
    message = Message(
        tenant_id=tenant.id,
        direction="inbound",
        channel=incoming.channel,
        sid=(form.get("MessageSid") or form.get("SmsMessageSid") or "")[:64] or None,
        from_number=form.get("From", "")[:40],
        to_number=form.get("To", "")[:40],
        customer_phone=incoming.phone,
        kind="chat",
        body=form.get("Body"),
        media=_media(form),
        payload=payload,
        status="received",
        created_at=now,
        updated_at=now,
    )
    session.add(message)
    try:
        session.flush()
    except IntegrityError:
        raise _Replayed from None
    return message
