"""The time staff promise an order for (`CONFIRM 1042 30`): stored on the order and told to
the customer in their language."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.language.replies import say
from bot.outbound import queue_message
from orders_core.events import add_timeline
from orders_core.models import Conversation, Order, Tenant
from orders_core.services.customers import find_customer

MAX_MINUTES = 24 * 60
_MINUTES = re.compile(r"^(?:in\s+|eta\s+)?(\d{1,4})\s*(?:m|mins?|minutes?)?\.?$", re.IGNORECASE)


def parse_minutes(text: str) -> int | None:
    """The minutes in "30", "30 min", "in 45 minutes"; None if `text` is not that."""
    match = _MINUTES.match(text.strip())
    if match is None:
        return None
    minutes = int(match.group(1))
    return minutes if 1 <= minutes <= MAX_MINUTES else None


def promise_ready(
    session: Session, tenant: Tenant, order: Order, minutes: int, *, actor: str, now: datetime
) -> None:
    """Set the order's ready time `minutes` from now, note it on the timeline and tell the
    customer (as a notification: the opt-out and 24-hour window rules apply when it is sent)."""
    order.ready_at = now + timedelta(minutes=minutes)
    add_timeline(
        session, order, kind="order.eta", title=f"Ready in about {minutes} minutes",
        actor=actor, data={"minutes": minutes, "ready_at": order.ready_at.isoformat()},
    )  # fmt: skip
    phone = order.customer_phone
    if not phone:
        return
    data = session.scalar(
        select(Conversation.data).where(
            Conversation.tenant_id == tenant.id, Conversation.phone == phone
        )
    )
    lang = str((data or {}).get("lang") or "en")
    customer = find_customer(session, tenant.id, phone)
    on_whatsapp = customer is not None and customer.whatsapp
    channel = (
        "whatsapp" if tenant.whatsapp_number and (on_whatsapp or not tenant.sms_number) else "sms"
    )
    body = f"{tenant.name}: " + say(lang, "ready_in", number=order.number, minutes=minutes)
    queue_message(
        session, tenant, to_phone=phone, channel=channel, kind="notification", body=body,
        order_id=order.id, template="order.eta", now=now,
        variables={"business": tenant.name, "order_number": str(order.number),
                   "minutes": str(minutes)},
    )  # fmt: skip
