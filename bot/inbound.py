"""One inbound WhatsApp/SMS message, processed once: stored, answered, committed together.

The Twilio webhook and the local simulator both call `handle_inbound` with form fields
already trusted (signature checked, or typed by a developer).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import interactive
from bot.chat_lock import LockedChat, find_conversation, lock_conversation
from bot.conversation import Incoming, Reply, SharedLocation, respond
from bot.interactive import Tap
from bot.outbound import blank_row, message_row
from bot.replies import EMPTY_TWIML, twiml
from bot.staff import respond_to_staff
from orders_core.db import Database
from orders_core.models import Message, Tenant, utcnow
from orders_core.phones import normalize_phone, split_address
from orders_core.settings import Settings
from orders_core.tenant_cache import TenantSnapshot, tenant_cache

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
    "ListId",
    "ListTitle",
    "MessageType",
    "Latitude",
    "Longitude",
    "Address",
    "Label",
)


# The inbound row's payload key holding the TwiML text it was answered with.
ANSWER_KEY = "answered_with"


class BadInbound(ValueError):
    """The form is not a message we can answer (no usable From address)."""


class UnknownNumber(LookupError):
    """No business uses the number the message was sent to."""


class _Replayed(Exception):
    """The MessageSid was stored already: this request is a retry or a concurrent copy."""


def handle_inbound(
    db: Database,
    form: Mapping[str, str],
    *,
    settings: Settings,
    now: datetime | None = None,
) -> str:
    """Process one trusted inbound message and return the TwiML answer.

    The business is the one whose sender is the form's `To`. Everything the message causes
    happens in one transaction: the conversation step, any order placed or changed, staff
    alerts, the inbound row and the recorded reply. A MessageSid seen before (even one being
    processed concurrently) changes nothing and gets the answer the first copy got: its
    TwiML again (a retry after a lost response still hears "Order #N placed!"), or an empty
    <Response/> when that answer went through the REST API (it is sent once, from the queue).
    Raises BadInbound when `From` is not a phone address, UnknownNumber when `To` is no
    business's number.
    """
    now = now or utcnow()
    # PostgreSQL text and JSONB cannot hold NUL characters; nothing legitimate sends them.
    form = {key: value.replace("\x00", "") for key, value in form.items()}
    try:
        channel, phone = split_address(form.get("From", ""))
    except ValueError as exc:
        raise BadInbound(f"From is not a phone address: {exc}") from None
    number = _business_number(form.get("To", ""))
    incoming = _incoming(form, channel, phone)
    tap = interactive.read_tap(form)
    try:
        with db.write() as session:
            business, chat = _lock_chat(session, db, number, phone, now)
            reply = _answer(session, business, chat, incoming, tap, settings, now)
            # A TwiML answer is kept with the inbound row, to be given again to a retry.
            answer = reply.text if reply.content is None else None
            rows = [_inbound_row(business.tenant, form, incoming, reply.order_id, answer, now)]
            if reply.text:  # nothing while staff have taken the chat over
                rows.append(_reply_row(business.tenant, incoming, reply, now))
            # Written last, whole and together: a repeated MessageSid fails here and undoes all.
            try:
                session.connection().execute(insert(Message.__table__), rows)
            except IntegrityError:
                raise _Replayed from None
    except _Replayed:
        return _first_answer(db, form)
    if reply.content is not None:  # sent through the REST API: TwiML cannot carry a template
        return EMPTY_TWIML
    return twiml(reply.text) if reply.text else EMPTY_TWIML


def _first_answer(db: Database, form: Mapping[str, str]) -> str:
    """The TwiML the first copy of this MessageSid was answered with (read after it committed:
    a concurrent copy waits on the unique index until then)."""
    sid = (form.get("MessageSid") or form.get("SmsMessageSid") or "")[:64]
    with db.read() as session:
        payload = session.scalar(select(Message.payload).where(Message.sid == sid))
    answer = (payload or {}).get(ANSWER_KEY)
    return twiml(answer) if isinstance(answer, str) and answer else EMPTY_TWIML


def _reply_row(tenant: Tenant, incoming: Incoming, reply: Reply, now: datetime) -> dict[str, Any]:
    """The recorded answer: sent in the TwiML, or queued for the REST API with its template
    (its text kept as the body, the fallback if the template is refused)."""
    fields: dict[str, Any] = {"body": reply.text, "order_id": reply.order_id, "now": now}
    if reply.content is None:
        fields["status"] = "sent"
    else:
        fields["content_sid"] = reply.content.content_sid
        fields["content_variables"] = reply.content.variables
        fields["interactive"] = reply.content.key
    return message_row(
        tenant, to_phone=incoming.phone, channel=incoming.channel, kind="reply", **fields
    )


def _business_number(to: str) -> str | None:
    try:
        return normalize_phone(to)
    except ValueError:
        return None


def _lock_chat(
    session: Session, db: Database, number: str | None, phone: str, now: datetime
) -> tuple[TenantSnapshot, LockedChat]:
    """The business and the locked conversation: for a customer who wrote before, one
    statement reads both (the business's version with the conversation)."""
    if number is None:
        raise UnknownNumber(number)
    found = find_conversation(session, number, phone)
    if found is not None:
        tenant, chat = found
        return tenant_cache(db).at_version(
            session, tenant.id, tenant.version, tenant.created_at
        ), chat
    business = tenant_cache(db).by_number(session, number)
    if business is None:
        raise UnknownNumber(number)
    return business, lock_conversation(session, business.tenant.id, phone, now)


def _answer(
    session: Session,
    business: TenantSnapshot,
    chat: LockedChat,
    incoming: Incoming,
    tap: Tap | None,
    settings: Settings,
    now: datetime,
) -> Reply:
    tenant = business.tenant
    if incoming.phone in business.staff_phones:
        chat.conversation.last_activity_at = now
        text = incoming.text
        if tap is not None:
            command = interactive.staff_command(session, tenant.id, tap)
            if command is not None and not command.text:
                return Reply(command.notice or "")
            text = command.text if command is not None else text
        answer = respond_to_staff(
            session, tenant, incoming.phone, text,
            now=now, takeover_minutes=business.settings.takeover_minutes,
        )  # fmt: skip
        return Reply(answer)
    return respond(
        session,
        business,
        chat,
        incoming,
        cart_ttl=timedelta(minutes=settings.cart_ttl_minutes),
        now=now,
        tap=tap,
    )


def _incoming(form: Mapping[str, str], channel: str, phone: str) -> Incoming:
    media = _media(form)
    return Incoming(
        channel=channel,
        phone=phone,
        text=(form.get("Body") or form.get("ButtonText") or form.get("ListTitle") or "")[:MAX_TEXT],
        profile_name=(form.get("ProfileName") or "").strip()[:200] or None,
        has_media=bool(media),
        location=_location(form),
        media_url=media[0]["url"][:2000] if media else None,
        media_type=media[0]["content_type"][:100] or None if media else None,
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


def _inbound_row(
    tenant: Tenant,
    form: Mapping[str, str],
    incoming: Incoming,
    order_id: int | None,
    answer: str | None,
    now: datetime,
) -> dict[str, Any]:
    """The inbound message's columns: its unique sid is what drops repeats; `answer` is the
    TwiML text it was answered with, kept for a retry."""
    return blank_row() | {
        "tenant_id": tenant.id,
        "direction": "inbound",
        "channel": incoming.channel,
        "sid": (form.get("MessageSid") or form.get("SmsMessageSid") or "")[:64] or None,
        "from_number": form.get("From", "")[:40],
        "to_number": form.get("To", "")[:40],
        "customer_phone": incoming.phone,
        "order_id": order_id,
        "kind": "chat",
        "body": form.get("Body"),
        "media": _media(form),
        "payload": {k: form[k] for k in KEPT_FIELDS if form.get(k)}
        | ({ANSWER_KEY: answer} if answer else {}),
        "status": "received",
        "created_at": now,
        "updated_at": now,
    }
