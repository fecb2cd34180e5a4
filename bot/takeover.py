"""Staff taking a customer's chat over: their replies go from the business's number, and the
bot stays quiet in that chat until staff hand it back or the takeover time runs out.

A takeover is one column on the conversation (`taken_over_until`), read by the statement that
locks the conversation anyway, so a chat nobody took over costs nothing more.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.outbound import new_message
from bot.recipients import chat_channel, message_staff
from orders_core.events import add_timeline
from orders_core.models import Conversation, Message, Order, Tenant
from orders_core.services.customers import find_customer

# WhatsApp lets a business send free text only this long after the customer's last message.
WINDOW = timedelta(hours=24)
# conversation.data: who took the chat over ("staff:+234..." for a staff phone, or "dashboard").
TAKEN_BY_KEY = "taken_over_by"
REF_KEY = "taken_over_ref"  # what staff type to answer: the order number, or the phone
ORDER_KEY = "taken_over_order"  # the order the takeover is about (its page shows the chat)
PREVIEW = 300


class ReplyRefused(Exception):
    """A staff reply that cannot go; the message says why, in words staff can act on."""


def is_taken_over(conversation: Conversation, now: datetime) -> bool:
    """True while staff hold the conversation (the bot answers nothing)."""
    until = conversation.taken_over_until
    return until is not None and _aware(until) > now


def staff_reply(
    session: Session,
    tenant: Tenant,
    phone: str,
    body: str,
    *,
    by: str,
    minutes: int,
    now: datetime,
    order: Order | None = None,
) -> Message:
    """Queue staff's `body` to the customer `phone` from the business's number, and take the
    chat over for `minutes` (the bot stays quiet).

    Raises ReplyRefused when the customer opted out, or when WhatsApp would refuse free text
    (the customer has not written in 24 hours: a template cannot carry a free reply).
    """
    body = body.strip()
    if not body:
        raise ReplyRefused("The reply is empty: write the message after the order number.")
    customer = find_customer(session, tenant.id, phone)
    if customer is not None and customer.opted_out:
        raise ReplyRefused(f"{phone} has opted out (STOP): they get no messages from us.")
    channel = chat_channel(tenant, on_whatsapp=customer is not None and customer.whatsapp)
    if channel == "whatsapp":
        last = customer.last_inbound_at if customer is not None else None
        if last is None or now - _aware(last) >= WINDOW:
            raise ReplyRefused(
                f"{phone} has not written to us in the last 24 hours, so WhatsApp will not "
                "deliver a typed reply (only approved templates). Call them, or wait until "
                "they write again."
            )
    conversation = _conversation(session, tenant.id, phone, now)
    conversation.taken_over_until = now + timedelta(minutes=minutes)
    ref = str(order.number) if order is not None else phone
    taken = {TAKEN_BY_KEY: by, REF_KEY: ref, ORDER_KEY: order.id if order is not None else None}
    conversation.data = {**conversation.data, **taken}
    message = new_message(
        tenant, to_phone=phone, channel=channel, kind="reply", body=body,
        order_id=order.id if order is not None else None, now=now,
    )  # fmt: skip
    message.payload = {"staff": by}
    session.add(message)
    if order is not None:
        add_timeline(
            session, order, kind="staff.replied", title="Staff replied to the customer",
            description=body[:PREVIEW], actor=by,
        )  # fmt: skip
    session.flush()
    return message


def hand_back(session: Session, tenant: Tenant, phone: str, now: datetime) -> bool:
    """Give the chat with `phone` back to the bot; False if it was not taken over."""
    conversation = session.scalar(
        select(Conversation)
        .where(Conversation.tenant_id == tenant.id, Conversation.phone == phone)
        .with_for_update()
    )
    if conversation is None or not is_taken_over(conversation, now):
        return False
    conversation.taken_over_until = None
    conversation.data = {
        k: v for k, v in conversation.data.items() if k not in (TAKEN_BY_KEY, REF_KEY, ORDER_KEY)
    }
    return True


def forward_to_staff(
    session: Session,
    tenant: Tenant,
    conversation: Conversation,
    text: str,
    *,
    name: str | None,
    now: datetime,
) -> int | None:
    """Pass a customer's message written during a takeover to the staff phone that took the
    chat over (a takeover from the dashboard shows it on the order page instead).

    Returns the id of the order the takeover is about, to file the message under.
    """
    by = str(conversation.data.get(TAKEN_BY_KEY) or "")
    order_id = conversation.data.get(ORDER_KEY)
    if not by.startswith("staff:"):
        return order_id
    ref = conversation.data.get(REF_KEY) or conversation.phone
    who = f"{name} ({conversation.phone})" if name else conversation.phone
    quoted = text if len(text) <= PREVIEW else text[: PREVIEW - 3] + "..."
    body = (
        f"💬 {who}: {quoted}\n"
        f"Answer with *REPLY {ref} your message*; *BOT ON {ref}* hands the chat back."
    )
    message_staff(session, tenant, body, to=[by.removeprefix("staff:")], order_id=order_id, now=now)
    return order_id


def _conversation(session: Session, tenant_id: int, phone: str, now: datetime) -> Conversation:
    conversation = session.scalar(
        select(Conversation)
        .where(Conversation.tenant_id == tenant_id, Conversation.phone == phone)
        .with_for_update()
    )
    if conversation is None:
        conversation = Conversation(
            tenant_id=tenant_id, phone=phone, state="browsing", data={},
            last_activity_at=now, created_at=now,
        )  # fmt: skip
        session.add(conversation)
    return conversation


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
