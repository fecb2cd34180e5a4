"""Order statistics over a range: gross, net, counts and average order value, by status, by
payment status and by period, from one SQL statement that reads each order once (after a
probe of two index entries for the first and the last order of the range).

The range is cut here into the tenant's local periods (zoneinfo, so daylight saving is
right on both databases). The statement walks those periods and, for each, reads that
period's orders through the (tenant_id, created_at) index, counted and summed by status and
payment status: no date arithmetic per order and no sort of the whole range, only small
groups per period. Those groups are folded into the figures here, the same way for the
whole range and for each period, so the figures always add up.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import (
    JSON,
    ColumnElement,
    DateTime,
    Select,
    cast,
    column,
    func,
    literal,
    select,
    text,
)
from sqlalchemy.orm import Session

from orders_core.domain import FINISHED_STATUSES, OrderStatus, PaymentStatus
from orders_core.errors import DomainError
from orders_core.models import Order, Tenant
from orders_core.stats_schemas import StatsParams

DEFAULT_RANGE = timedelta(days=30)


@dataclass(frozen=True)
class Group:
    """The orders of one period that share a status and a payment status, and their sums."""

    status: str
    payment_status: str
    orders: int
    total: int
    paid: int
    refunded: int


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def stats_range(params: StatsParams) -> tuple[datetime, datetime]:
    """The [start, end) the stats cover: the last 30 days unless the params say otherwise."""
    end = _aware(params.created_before) if params.created_before else datetime.now(UTC)
    if params.created_after:
        start = _aware(params.created_after)
    else:
        start = max(end, datetime.min.replace(tzinfo=UTC) + DEFAULT_RANGE) - DEFAULT_RANGE
    if start >= end:
        raise DomainError("created_after must be before created_before", param="created_after")
    return start, end


def _period_start(day: date, period: str) -> date:
    if period == "weekly":
        return day - timedelta(days=day.weekday())
    if period == "monthly":
        return day.replace(day=1)
    return day


def _next_period(first: date, period: str) -> date:
    if period == "weekly":
        return first + timedelta(days=7)
    if period == "monthly":
        return (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return first + timedelta(days=1)


def periods(
    start: datetime, end: datetime, period: str, zone: ZoneInfo
) -> Iterator[tuple[date, datetime, datetime]]:
    """The local days, weeks (from Monday) or months that [start, end) touches, in order:
    each as its first local day and its [from, to) in UTC, cut to the range."""
    first = _period_start(start.astimezone(zone).date(), period)
    while True:
        following = _next_period(first, period)
        since = datetime.combine(first, time(), zone).astimezone(UTC)
        until = datetime.combine(following, time(), zone).astimezone(UTC)
        yield first, max(since, start), min(until, end)
        if until >= end:
            return
        first = following


def _bounds(dialect: str, bounds: list[tuple[datetime, datetime]]) -> list[list[object]]:
    """Each period as [from, to, position], its times as text that the database compares
    with `created_at` as it stores it (SQLite: naive UTC text; PostgreSQL: ISO with zone)."""
    if dialect == "sqlite":
        fmt = "%Y-%m-%d %H:%M:%S.%f"
        return [
            [a.astimezone(UTC).strftime(fmt), b.astimezone(UTC).strftime(fmt), i]
            for i, (a, b) in enumerate(bounds)
        ]
    return [[a.isoformat(), b.isoformat(), i] for i, (a, b) in enumerate(bounds)]


def _extent(
    session: Session, where: list[ColumnElement[bool]], start: datetime, end: datetime
) -> tuple[datetime, datetime] | None:
    """The first and the last order time in [start, end): one index probe each."""
    in_range = [*where, Order.created_at >= start, Order.created_at < end]
    first, last = session.execute(
        select(
            select(func.min(Order.created_at)).where(*in_range).scalar_subquery(),
            select(func.max(Order.created_at)).where(*in_range).scalar_subquery(),
        )
    ).one()
    return None if first is None else (_aware(first), _aware(last))


def _groups_by_period(
    dialect: str, bounds: list[tuple[datetime, datetime]], where: list[ColumnElement[bool]]
) -> Select[tuple[int, list[list[object]] | None]]:
    """One row per period (its position in `bounds`) with the period's groups as JSON
    arrays [status, payment_status, orders, total, paid, refunded]."""
    walk = func.json_array_elements if dialect == "postgresql" else func.json_each
    period = walk(literal(_bounds(dialect, bounds), JSON)).table_valued(column("value", JSON))
    since, until = period.c.value[0].as_string(), period.c.value[1].as_string()
    if dialect == "postgresql":
        since, until = cast(since, DateTime(timezone=True)), cast(until, DateTime(timezone=True))
    counted = (
        select(
            Order.status,
            Order.payment_status,
            func.count().label("orders"),
            func.sum(Order.total).label("total"),
            func.sum(Order.amount_paid).label("paid"),
            func.sum(Order.amount_refunded).label("refunded"),
        )
        .where(*where, Order.created_at >= since, Order.created_at < until)
        .group_by(Order.status, Order.payment_status)
        .correlate(period)
        .subquery("counted")
    )
    fields = (counted.c.status, counted.c.payment_status, counted.c.orders, counted.c.total,
              counted.c.paid, counted.c.refunded)  # fmt: skip
    if dialect == "postgresql":
        gathered = func.json_agg(func.json_build_array(*fields), type_=JSON)
    else:
        gathered = func.json_group_array(func.json_array(*fields), type_=JSON)
    return select(
        period.c.value[2].as_integer().label("position"),
        select(gathered).scalar_subquery().label("groups"),
    ).select_from(period)


def figures(groups: Iterable[Group]) -> dict[str, int]:
    """What a set of groups adds up to (see StatsFigures): the same sums for a whole range
    and for each of its periods."""
    groups = list(groups)
    live = [g for g in groups if g.status != OrderStatus.CANCELLED]
    cancelled = [g for g in groups if g.status == OrderStatus.CANCELLED]
    gross, counted = sum(g.total for g in live), sum(g.orders for g in live)
    paid, refunded = sum(g.paid for g in groups), sum(g.refunded for g in groups)
    return {
        "total_orders": sum(g.orders for g in groups),
        "order_count": counted,
        "gross": gross,
        "average_order_value": gross // counted if counted else 0,
        "cancelled_count": sum(g.orders for g in cancelled),
        "cancelled_amount": sum(g.total for g in cancelled),
        "amount_paid": paid,
        "amount_refunded": refunded,
        "net": paid - refunded,
        "active_orders": sum(
            g.orders
            for g in groups
            if g.status not in FINISHED_STATUSES and g.payment_status != PaymentStatus.REFUNDED
        ),
        "revenue": gross,
    }


def _breakdown(groups: list[Group]) -> tuple[dict[str, int], dict[str, int]]:
    """How many orders in each status and in each payment status (every known one listed)."""
    by_status = {s.value: 0 for s in OrderStatus}
    by_payment = {p.value: 0 for p in PaymentStatus}
    for g in groups:
        by_status[g.status] = by_status.get(g.status, 0) + g.orders
        by_payment[g.payment_status] = by_payment.get(g.payment_status, 0) + g.orders
    return by_status, by_payment


def _conditions(tenant: Tenant, params: StatsParams) -> list[ColumnElement[bool]]:
    """The tenant's orders that the filters keep (lists: any of the values)."""
    where = [Order.tenant_id == tenant.id]
    listed = ((Order.status, params.status), (Order.payment_status, params.payment_status),
              (Order.channel, params.channel))  # fmt: skip
    where += [field.in_([value.value for value in chosen]) for field, chosen in listed if chosen]
    if params.source:
        where.append(Order.source == params.source)
    if params.customer_phone:
        where.append(Order.customer_phone == params.customer_phone)
    return where


def _groups(
    session: Session, tenant: Tenant, params: StatsParams, start: datetime, end: datetime
) -> list[tuple[date, list[Group]]]:
    """The periods of [start, end) that hold orders, each with its groups."""
    where = _conditions(tenant, params)
    extent = _extent(session, where, start, end)
    if extent is None:
        return []
    # No period before the first order or after the last one is walked, so a range going
    # back years costs what its orders cost.
    cut = list(periods(extent[0], extent[1] + timedelta.resolution, params.period,
                       ZoneInfo(tenant.timezone)))  # fmt: skip
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        # The planner prices each period's index scan at its worst and would compile the
        # statement (JIT), which takes longer than running it.
        session.execute(text("SET LOCAL jit = off"))
    rows = session.execute(_groups_by_period(dialect, [(a, b) for _, a, b in cut], where))
    found = {
        position: [Group(s, p, *(int(v) for v in sums)) for s, p, *sums in groups or []]
        for position, groups in rows
    }
    return [(cut[position][0], found[position]) for position in sorted(found) if found[position]]


def order_stats(session: Session, tenant: Tenant, params: StatsParams) -> dict[str, object]:
    """The figures of the orders created in a range (and matching the filters), as a whole
    and by period (see StatsFigures for what each figure is).

    Periods start at local midnight in the tenant's zone (weeks on Monday); only periods
    with orders are listed, each with the same figures, so the periods add up to the whole.
    """
    start, end = stats_range(params)
    by_period = _groups(session, tenant, params, start, end)
    every = [g for _, groups in by_period for g in groups]
    by_status, by_payment_status = _breakdown(every)
    return {
        "currency": tenant.currency,
        "range": {"start": start, "end": end},
        **figures(every),
        "by_status": by_status,
        "by_payment_status": by_payment_status,
        "periods": [_period(first, groups) for first, groups in by_period],
    }


def _period(first: date, groups: list[Group]) -> dict[str, object]:
    summed = figures(groups)
    return {"start": first.isoformat(), "orders": summed["total_orders"], **summed}
