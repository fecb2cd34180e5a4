"""What the order board shows: cards by status, today's figures, and messages needing a look."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.recipients import customer_channel
from orders_core.domain import (
    CancelReason,
    Channel,
    OrderStatus,
    PaymentStatus,
    allowed_transitions,
    format_money,
)
from orders_core.models import Customer, Message, Order, OrderItem, Tenant
from orders_core.query_schemas import ListParams
from orders_core.services.queries import list_orders
from orders_core.services.stats import order_stats
from orders_core.services.tenants import tenant_settings
from orders_core.stats_schemas import StatsParams
from orders_core.tenant_settings import TenantSettings
from webhooks.pages.board_payments import Proof, awaiting_payment, pending_proofs
from webhooks.pages.kitchen_tickets import level_for, order_notes, ready_text

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
# "skipped": held back on purpose (the customer opted out, notifications off): not sent either.
TROUBLE_STATUSES = ("failed", "undelivered", "dead", "needs_template", "skipped")
CLOSED_COLUMN_LIMIT = 20
OPEN_FOR_TIMER = frozenset(
    {OrderStatus.PENDING, OrderStatus.CONFIRMED, OrderStatus.PREPARING, OrderStatus.ON_HOLD}
)
WINDOW = timedelta(hours=24)  # WhatsApp's customer-service window for free text
# The statuses a customer is sent a notice about (bot.notifications.STATUS_LINES).
FORWARD_NOTICES = frozenset(
    {
        OrderStatus.CONFIRMED,
        OrderStatus.PREPARING,
        OrderStatus.OUT_FOR_DELIVERY,
        OrderStatus.DELIVERED,
    }
)
HELD_BACK = ("skipped", "needs_template", "failed", "undelivered", "dead")
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
    address: str | None = None
    zone: str | None = None  # the delivery zone the address fell in
    pickup: bool = False
    notes: tuple[str, ...] = ()
    level: str = "ok"  # how long it has waited: "ok", "amber", "red" (open orders only)
    unreachable: str | None = None  # why the customer will not be told, if they will not
    ready: str | None = None  # the promised ready time: "ready ~19:45 (in 12 min)"
    awaiting_payment: bool = False  # asked to pay before preparing, still unpaid
    proof: Proof | None = None  # a transfer proof waiting for Approve / Reject


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


def _line(item: OrderItem) -> str:
    """A line as the board shows it, with its options and the customer's note on it."""
    options = ", ".join(str(option["name"]) for option in item.options or [])
    text = f"{item.quantity}× {item.name}" + (f", {options}" if options else "")
    return text + (f" ({item.note})" if item.note else "")


def card(
    order: Order,
    now: datetime,
    unreachable: str | None = None,
    timezone: str = "UTC",
    *,
    awaiting_payment: bool = False,
    proof: Proof | None = None,
) -> Card:
    """The board's view of an order: who, what, how much, how old, where to, its notes,
    what can be done, (`unreachable`) why the customer will not hear of it, the ready
    time staff promised while it is open (in the business's `timezone`), whether it
    awaits payment and the transfer proof waiting for a decision."""
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
        lines=[_line(item) for item in order.items],
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
        address=(order.delivery or {}).get("address"),
        zone=(order.delivery or {}).get("zone"),
        pickup=(order.delivery or {}).get("method") == "pickup",
        notes=tuple(order_notes(order)),
        level=level_for(int((now - order.created_at).total_seconds()) // 60)
        if status in OPEN_FOR_TIMER
        else "ok",
        unreachable=unreachable,
        ready=ready_text(order.ready_at, now, timezone) if status in OPEN_FOR_TIMER else None,
        awaiting_payment=awaiting_payment,
        proof=proof,
    )


def _silence(
    order: Order, customer: Customer | None, settings: TenantSettings, now: datetime
) -> str | None:
    """Why the customer will not hear of the order's next step, or None."""
    if not order.customer_phone:
        return None
    if not settings.auto_notifications:
        return "Notifications are off"
    if customer is not None and customer.opted_out:
        return "Opted out: will not be told"
    status = OrderStatus(order.status)
    forward = [s for s in allowed_transitions(status) if s in FORWARD_NOTICES]
    channel = customer_channel(
        order.channel,
        order.customer_phone,
        settings,
        on_whatsapp=customer is not None and customer.whatsapp,
    )
    if not forward or channel != "whatsapp" or f"order.{forward[0].value}" in settings.templates:
        return None
    last = customer.last_inbound_at if customer is not None else None
    if last is None:
        return "Never wrote: needs a template"
    if last.replace(tzinfo=last.tzinfo or UTC) <= now - WINDOW:
        return "Silent 24 h+: needs a template"
    return None


def silences(
    session: Session, tenant_id: int, orders: list[Order], now: datetime
) -> dict[int, str]:
    """Per order id: why its customer will not be told (opted out, never wrote, outside the
    24-hour window with no template), or that a notice about it was held back or failed."""
    if not orders:
        return {}
    tenant = session.get(Tenant, tenant_id)
    assert tenant is not None  # the signed-in tenant
    settings = tenant_settings(tenant)
    phones = {o.customer_phone for o in orders if o.customer_phone}
    customers = {
        c.phone: c
        for c in session.scalars(
            select(Customer).where(Customer.tenant_id == tenant_id, Customer.phone.in_(phones))
        )
    }
    held = dict(
        session.execute(
            select(Message.order_id, Message.status).where(
                Message.tenant_id == tenant_id,
                Message.order_id.in_([o.id for o in orders]),
                Message.status.in_(HELD_BACK),
            )
        ).all()
    )
    found = {}
    for order in orders:
        reason = _silence(order, customers.get(order.customer_phone or ""), settings, now)
        if reason is None and order.id in held:
            reason = f"A notice was not sent ({str(held[order.id]).replace('_', ' ')})"
        if reason:
            found[order.id] = reason
    return found


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
    """One column per status (only the filtered one when a status is chosen): open orders
    oldest first (the longest waiting on top), delivered and cancelled the latest first."""
    now = datetime.now(UTC)
    statuses = [OrderStatus(filters["status"])] if "status" in filters else list(COLUMN_TITLES)
    found = []
    for status in statuses:
        closed = status in (OrderStatus.DELIVERED, OrderStatus.CANCELLED)
        limit = CLOSED_COLUMN_LIMIT if closed else OPEN_COLUMN_LIMIT
        sort = {} if closed else {"sort": "created_at"}
        params = ListParams.model_validate(
            {**filters, "status": status.value, "limit": limit, **sort}
        )
        found.append((status, list_orders(session, tenant_id, params)[0]))
    shown = [o for _, orders in found for o in orders]
    quiet = silences(session, tenant_id, shown, now)
    proofs = pending_proofs(session, [o.id for o in shown])
    tenant = session.get(Tenant, tenant_id)
    assert tenant is not None  # the signed-in tenant
    zone, payments = tenant.timezone, tenant_settings(tenant).payments

    def view(order: Order) -> Card:
        return card(
            order, now, quiet.get(order.id), zone,
            awaiting_payment=awaiting_payment(order, payments), proof=proofs.get(order.id),
        )  # fmt: skip

    return [
        Column(status.value, COLUMN_TITLES[status], [view(o) for o in orders])
        for status, orders in found
    ]


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
