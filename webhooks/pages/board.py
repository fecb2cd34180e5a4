"""What the order board shows: cards by status, today's figures, and messages needing a look."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from orders_core.domain import (
    CancelReason,
    Channel,
    OrderStatus,
    PaymentStatus,
    allowed_transitions,
    format_money,
)
from orders_core.models import Message, Order, Tenant
from orders_core.schemas import ListParams
from orders_core.services.queries import list_orders
from orders_core.services.stats import order_stats
from orders_core.stats_schemas import StatsParams

COLUMN_TITLES = {
    OrderStatus.PENDING: "New",
    OrderStatus.CONFIRMED: "Confirmed",
    OrderStatus.PREPARING: "Preparing",
    OrderStatus.ON_HOLD: "On hold",
    OrderStatus.OUT_FOR_DELIVERY: "Out for delivery",
    OrderStatus.DELIVERED: "Delivered",
    OrderStatus.CANCELLED: "Cancelled",
}
ACTION_LABELS = {
    OrderStatus.CONFIRMED: "Confirm",
    OrderStatus.PREPARING: "Preparing",
    OrderStatus.OUT_FOR_DELIVERY: "Out for delivery",
    OrderStatus.DELIVERED: "Delivered",
    OrderStatus.ON_HOLD: "Hold",
}
CHANNEL_LABELS = {
    Channel.WHATSAPP: "WhatsApp",
    Channel.SMS: "SMS",
    Channel.WEB: "Web",
    Channel.API: "API",
    Channel.POS: "POS",
}
PAYMENT_LABELS = {
    PaymentStatus.UNPAID: "Unpaid",
    PaymentStatus.PARTIALLY_PAID: "Part paid",
    PaymentStatus.PAID: "Paid",
    PaymentStatus.PARTIALLY_REFUNDED: "Part refunded",
    PaymentStatus.REFUNDED: "Refunded",
}
CANCEL_REASONS = {
    CancelReason.CUSTOMER_REQUEST: "Customer asked",
    CancelReason.OUT_OF_STOCK: "Out of stock",
    CancelReason.FRAUD: "Suspected fraud",
    CancelReason.DUPLICATE: "Duplicate",
    CancelReason.OTHER: "Other",
}
PAYMENT_METHODS = {
    "cash": "Cash",
    "transfer": "Bank transfer",
    "card": "Card",
    "pos": "POS",
    "mobile_money": "Mobile money",
    "other": "Other",
}
TROUBLE_STATUSES = ("failed", "undelivered", "dead", "needs_template")
CLOSED_COLUMN_LIMIT = 20
OPEN_COLUMN_LIMIT = 100


@dataclass(frozen=True)
class Action:
    """A status an order may move to, as a button."""

    status: str
    label: str


@dataclass(frozen=True)
class Card:
    """One order on the board."""

    public_id: str
    number: int
    status: str
    customer: str
    phone: str | None
    lines: list[str]
    total: str
    age: str
    created_at: datetime
    payment_status: str
    payment_label: str
    channel: str
    next_action: Action | None
    skip_actions: list[Action]
    cancellable: bool
    payable: bool


@dataclass(frozen=True)
class Column:
    """The cards of one status."""

    status: str
    title: str
    cards: list[Card]


def age_text(created: datetime, now: datetime) -> str:
    """How long ago, in the largest whole unit: "just now", "5 min", "3 h", "2 d"."""
    seconds = max(0, int((now - created).total_seconds()))
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"


def card(order: Order, now: datetime) -> Card:
    """The board's view of an order: who, what, how much, how old, and what can be done."""
    status = OrderStatus(order.status)
    held_from = OrderStatus(order.held_from) if order.held_from else None
    forward = [s for s in allowed_transitions(status, held_from) if s != OrderStatus.CANCELLED]
    actions = [
        Action(s.value, "Resume" if status == OrderStatus.ON_HOLD else ACTION_LABELS[s])
        for s in forward
    ]
    return Card(
        public_id=order.public_id,
        number=order.number,
        status=status.value,
        customer=order.customer_name or order.customer_phone or "Walk-in customer",
        phone=order.customer_phone,
        lines=[f"{item.quantity}× {item.name}" for item in order.items],
        total=format_money(order.total, order.currency),
        age=age_text(order.created_at, now),
        created_at=order.created_at,
        payment_status=order.payment_status,
        payment_label=PAYMENT_LABELS.get(PaymentStatus(order.payment_status), order.payment_status),
        channel=order.channel,
        next_action=actions[0] if actions else None,
        skip_actions=actions[1:],
        cancellable=OrderStatus.CANCELLED in allowed_transitions(status),
        payable=status != OrderStatus.CANCELLED and order.amount_paid < order.total,
    )


def clean_filters(args: dict[str, str]) -> dict[str, str]:
    """The board's filters from a query string, with unknown values dropped."""
    choices: dict[str, set[str]] = {
        "status": {s.value for s in OrderStatus},
        "payment_status": {s.value for s in PaymentStatus},
        "channel": {c.value for c in Channel},
    }
    kept = {k: args[k] for k, allowed in choices.items() if args.get(k) in allowed}
    q = (args.get("q") or "").strip()[:200]
    if q:
        kept["q"] = q
    return kept


def columns(session: Session, tenant_id: int, filters: dict[str, str]) -> list[Column]:
    """One column per status (only the filtered one when a status is chosen), newest first."""
    now = datetime.now(UTC)
    statuses = [OrderStatus(filters["status"])] if "status" in filters else list(COLUMN_TITLES)
    shown = []
    for status in statuses:
        closed = status in (OrderStatus.DELIVERED, OrderStatus.CANCELLED)
        limit = CLOSED_COLUMN_LIMIT if closed else OPEN_COLUMN_LIMIT
        params = ListParams.model_validate({**filters, "status": status.value, "limit": limit})
        orders, _ = list_orders(session, tenant_id, params)
        shown.append(Column(status.value, COLUMN_TITLES[status], [card(o, now) for o in orders]))
    return shown


def local_midnight(tenant: Tenant, now: datetime) -> datetime:
    """The start of the tenant's day, in UTC."""
    local = now.astimezone(ZoneInfo(tenant.timezone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


def today(session: Session, tenant: Tenant) -> dict[str, Any]:
    """Today's figures, the same as GET /v1/orders/stats gives for today (orders not
    cancelled, their gross and average, net, cancelled apart), and those orders per local hour.
    """
    now = datetime.now(UTC)
    start = local_midnight(tenant, now)
    stats = order_stats(
        session,
        tenant,
        StatsParams(created_after=start, created_before=now + timedelta(seconds=1)),
    )
    zone = ZoneInfo(tenant.timezone)
    hours = [0] * 24
    for created in session.scalars(
        select(Order.created_at).where(
            Order.tenant_id == tenant.id,
            Order.created_at >= start,
            Order.status != OrderStatus.CANCELLED,
        )
    ):
        hours[created.astimezone(zone).hour] += 1

    def money(figure: str) -> str:
        return format_money(cast(int, stats[figure]), tenant.currency)

    return {
        "orders": stats["order_count"],
        "revenue": money("gross"),
        "average": money("average_order_value"),
        "net": money("net"),
        "cancelled": stats["cancelled_count"],
        "active": stats["active_orders"],
        "hours": hours,
        "peak": max(hours),
        "current_hour": now.astimezone(zone).hour,
    }


def trouble_messages(session: Session, tenant_id: int, limit: int = 20) -> list[Message]:
    """The tenant's newest messages that failed, bounced, died or need a template."""
    return list(
        session.scalars(
            select(Message)
            .where(Message.tenant_id == tenant_id, Message.status.in_(TROUBLE_STATUSES))
            .order_by(Message.id.desc())
            .limit(limit)
        )
    )


def board_version(session: Session, tenant_id: int) -> str:
    """A short string that changes whenever an order or a troubled message of the tenant changes."""
    orders = session.execute(
        select(func.count(), func.max(Order.updated_at)).where(Order.tenant_id == tenant_id)
    ).one()
    trouble = session.scalar(
        select(func.count()).where(
            Message.tenant_id == tenant_id, Message.status.in_(TROUBLE_STATUSES)
        )
    )
    return f"{orders[0]}:{orders[1].isoformat() if orders[1] else '-'}:{trouble}"
