"""Order statistics over a range: counts, revenue and average order value, by status, by
payment status and by period, from one SQL statement that reads each order once (after a
probe of two index entries for the first and the last order of the range).

The range is cut here into the tenant's local periods (zoneinfo, so daylight saving is
right on both databases). The statement walks those periods and, for each, reads that
period's orders through the (tenant_id, created_at) index, counted and summed by status and
payment status: no date arithmetic per order and no sort of the whole range, only small
groups per period. Those groups are folded into the figures here.
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

from orders_core.domain import OrderStatus, PaymentStatus
from orders_core.errors import DomainError
from orders_core.models import Order, Tenant
from orders_core.stats_schemas import StatsParams

DEFAULT_RANGE = timedelta(days=30)


@dataclass(frozen=True)
class Group:
    """The orders of one period that share a status and a payment status."""

    status: str
    payment_status: str
    orders: int
    total: int  # the sum of their totals


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
    arrays [status, payment_status, orders, total]."""
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
        )
        .where(*where, Order.created_at >= since, Order.created_at < until)
        .group_by(Order.status, Order.payment_status)
        .correlate(period)
        .subquery("counted")
    )
    fields = (counted.c.status, counted.c.payment_status, counted.c.orders, counted.c.total)
    if dialect == "postgresql":
        gathered = func.json_agg(func.json_build_array(*fields), type_=JSON)
    else:
        gathered = func.json_group_array(func.json_array(*fields), type_=JSON)
    return select(
        period.c.value[2].as_integer().label("position"),
        select(gathered).scalar_subquery().label("groups"),
    ).select_from(period)


@dataclass(frozen=True)
class Figures:
    """What a set of groups adds up to."""

    orders: int
    revenue: int  # the totals of the orders that were not cancelled
    counted: int  # how many orders were not cancelled
    by_status: dict[str, int]
    by_payment_status: dict[str, int]


def _fold(groups: Iterable[Group]) -> Figures:
    groups = list(groups)
    live = [g for g in groups if g.status != OrderStatus.CANCELLED]
    by_status = {s.value: 0 for s in OrderStatus}
    by_payment = {p.value: 0 for p in PaymentStatus}
    for g in groups:
        by_status[g.status] = by_status.get(g.status, 0) + g.orders
        by_payment[g.payment_status] = by_payment.get(g.payment_status, 0) + g.orders
    return Figures(
        orders=sum(g.orders for g in groups),
        revenue=sum(g.total for g in live),
        counted=sum(g.orders for g in live),
        by_status=by_status,
        by_payment_status=by_payment,
    )


def _groups(
    session: Session, tenant: Tenant, params: StatsParams, start: datetime, end: datetime
) -> list[tuple[date, list[Group]]]:
    """The periods of [start, end) that hold orders, each with its groups."""
    where = [Order.tenant_id == tenant.id]
    if params.channel:
        where.append(Order.channel == params.channel)
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
        position: [Group(s, p, int(n), int(t)) for s, p, n, t in groups or []]
        for position, groups in rows
    }
    return [(cut[position][0], found[position]) for position in sorted(found) if found[position]]


def order_stats(session: Session, tenant: Tenant, params: StatsParams) -> dict[str, object]:
    """Counts, revenue and average order value over a range, by status and by period.

    Revenue is the total of orders that were not cancelled; the average divides it by
    their number. Periods start at local midnight in the tenant's zone (weeks on Monday);
    only periods with orders are listed.
    """
    start, end = stats_range(params)
    by_period = _groups(session, tenant, params, start, end)
    everything = _fold(g for _, groups in by_period for g in groups)
    return {
        "currency": tenant.currency,
        "range": {"start": start, "end": end},
        "total_orders": everything.orders,
        "revenue": everything.revenue,
        "average_order_value": everything.revenue // everything.counted
        if everything.counted
        else 0,
        "by_status": everything.by_status,
        "by_payment_status": everything.by_payment_status,
        "periods": [
            {"start": first.isoformat(), "orders": figures.orders, "revenue": figures.revenue}
            for first, figures in ((first, _fold(groups)) for first, groups in by_period)
        ],
    }
