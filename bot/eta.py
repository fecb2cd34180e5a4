"""The time staff promise an order for (`CONFIRM 1042 30`): stored on the order and told to
the customer in their language (as a notification)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from orders_core.events import add_timeline, emit
from orders_core.models import Order

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
    session: Session, order: Order, minutes: int, *, actor: str, now: datetime
) -> None:
    """Set the order's ready time `minutes` from now, note it on the timeline and queue
    `order.updated` (changed: ready_at) carrying the minutes: integrators hear of it, and the
    customer is told in their language after anything queued before it (a confirmation
    first), by the same rules as every notification."""
    order.ready_at = now + timedelta(minutes=minutes)
    order.updated_at = now
    add_timeline(
        session, order, kind="order.eta", title=f"Ready in about {minutes} minutes",
        actor=actor, data={"minutes": minutes, "ready_at": order.ready_at.isoformat()},
    )  # fmt: skip
    emit(session, order, "order.updated", {"changed": ["ready_at"], "ready_in_minutes": minutes})
