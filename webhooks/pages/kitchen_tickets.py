"""What the kitchen screen shows: tickets of the orders to cook, oldest first, with their age."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from orders_core.domain import OrderStatus, format_money
from orders_core.models import Order, OrderItem

# A kitchen sees what it must cook: confirmed orders (not started) and those being prepared.
# Pending orders are not accepted yet, so the counter decides on them first (the board).
KITCHEN_STATUSES = (OrderStatus.CONFIRMED, OrderStatus.PREPARING)
# Minutes since the order was placed after which its ticket turns amber, then red.
AMBER_MINUTES = 10
RED_MINUTES = 20
TICKET_LIMIT = 60


@dataclass(frozen=True)
class TicketLine:
    """One line to cook: how many of what, its options and the customer's note."""

    quantity: int
    name: str
    options: list[str]
    note: str | None


@dataclass(frozen=True)
class Ticket:
    """One order as the kitchen sees it."""

    public_id: str
    number: int
    status: str
    customer: str
    pickup: bool
    address: str | None
    zone: str | None
    lines: list[TicketLine]
    notes: list[str]
    created_at: datetime
    minutes: int
    level: str  # "ok", "amber" or "red"
    next_status: str
    next_label: str
    due: str | None  # the balance still to collect, for an order not fully paid
    ready: str | None = None  # when staff promised it ready: "ready ~19:45 (in 12 min)"


def level_for(minutes: int) -> str:
    """How late an order of that age is: "ok", "amber" (AMBER_MINUTES) or "red" (RED_MINUTES)."""
    if minutes >= RED_MINUTES:
        return "red"
    return "amber" if minutes >= AMBER_MINUTES else "ok"


def ready_text(ready_at: datetime | None, now: datetime, timezone: str) -> str | None:
    """The time staff promised the order ready (CONFIRM 1042 30) in the business's zone, with
    how far off it is: "ready ~19:45 (in 12 min)", "(now)", "(5 min late)"; None if none."""
    if ready_at is None:
        return None
    clock = ready_at.astimezone(ZoneInfo(timezone)).strftime("%H:%M")
    seconds = int((ready_at - now).total_seconds())
    if seconds >= 60:
        return f"ready ~{clock} (in {-(-seconds // 60)} min)"
    if seconds > -60:
        return f"ready ~{clock} (now)"
    return f"ready ~{clock} ({-seconds // 60} min late)"


def ready_status(order: Order) -> OrderStatus:
    """Where "Ready" moves an order: delivered (handed over) for a pickup, out for delivery
    otherwise, the same rule fulfilling an order follows."""
    if (order.delivery or {}).get("method") == "pickup":
        return OrderStatus.DELIVERED
    return OrderStatus.OUT_FOR_DELIVERY


def ticket_line(item: OrderItem) -> TicketLine:
    """A line of the order for the kitchen: its chosen options by name and its note."""
    options = [str(option["name"]) for option in item.options or []]
    return TicketLine(item.quantity, item.name, options, item.note or None)


def order_notes(order: Order) -> list[str]:
    """The order's own notes and the delivery instructions, as given."""
    delivery = order.delivery or {}
    found = [order.notes, delivery.get("instructions"), delivery.get("notes")]
    return [str(n).strip() for n in found if n and str(n).strip()]


def ticket(order: Order, now: datetime, timezone: str = "UTC") -> Ticket:
    """The kitchen's view of an order (`timezone`: the business's, for the ready time)."""
    minutes = max(0, int((now - order.created_at).total_seconds()) // 60)
    pickup = (order.delivery or {}).get("method") == "pickup"
    preparing = order.status == OrderStatus.PREPARING
    due = order.total - order.amount_paid
    return Ticket(
        public_id=order.public_id,
        number=order.number,
        status=order.status,
        customer=order.customer_name or order.customer_phone or "Walk-in customer",
        pickup=pickup,
        address=(order.delivery or {}).get("address") if not pickup else None,
        zone=(order.delivery or {}).get("zone"),
        lines=[ticket_line(item) for item in order.items],
        notes=order_notes(order),
        created_at=order.created_at,
        minutes=minutes,
        level=level_for(minutes),
        next_status="ready" if preparing else OrderStatus.PREPARING.value,
        next_label="Ready" if preparing else "Start preparing",
        due=format_money(due, order.currency) if due > 0 else None,
        ready=ready_text(order.ready_at, now, timezone),
    )


def kitchen_orders(session: Session, tenant_id: int) -> list[Order]:
    """The tenant's confirmed and preparing orders, oldest first."""
    return list(
        session.scalars(
            select(Order)
            .where(Order.tenant_id == tenant_id, Order.status.in_(KITCHEN_STATUSES))
            .order_by(Order.created_at, Order.number)
            .limit(TICKET_LIMIT)
            .options(selectinload(Order.items))
        )
    )
