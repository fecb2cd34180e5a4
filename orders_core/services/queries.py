"""Reading orders and customers: filtered keyset pages and a streamed export.

Search is in search.py, statistics in stats.py.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from orders_core.domain import FINISHED_STATUSES, PaymentStatus
from orders_core.errors import DomainError
from orders_core.models import Customer, Order, OrderItem
from orders_core.query_schemas import CustomerParams, ListParams, OrderFilters
from orders_core.services.orders import parse_order_number
from orders_core.services.search import like_pattern, search_condition

_CUSTOMER_ID = re.compile(r"^cus_([0-9]{1,18})$")


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _conditions(
    session: Session, tenant_id: int, filters: OrderFilters
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [Order.tenant_id == tenant_id]
    for column, wanted in (
        (Order.status, filters.status),
        (Order.payment_status, filters.payment_status),
        (Order.fulfillment_status, filters.fulfillment_status),
        (Order.channel, filters.channel),
    ):
        if wanted:
            conditions.append(column == wanted[0] if len(wanted) == 1 else column.in_(wanted))
    if filters.active is not None:
        active = and_(
            Order.status.not_in(FINISHED_STATUSES), Order.payment_status != PaymentStatus.REFUNDED
        )
        conditions.append(active if filters.active else ~active)
    if filters.total_gte is not None:
        conditions.append(Order.total >= filters.total_gte)
    if filters.total_lte is not None:
        conditions.append(Order.total <= filters.total_lte)
    if filters.customer_email:
        conditions.append(Order.customer_email == filters.customer_email.lower())
    if filters.updated_after:
        conditions.append(Order.updated_at > _aware(filters.updated_after))
    if filters.updated_before:
        conditions.append(Order.updated_at < _aware(filters.updated_before))
    if filters.source:
        conditions.append(Order.source == filters.source)
    if filters.external_id:
        conditions.append(Order.external_id == filters.external_id)
    if filters.customer_phone:
        conditions.append(Order.customer_phone == filters.customer_phone)
    if filters.created_after:
        conditions.append(Order.created_at > _aware(filters.created_after))
    if filters.created_before:
        conditions.append(Order.created_at < _aware(filters.created_before))
    if filters.q:
        conditions.append(search_condition(session, tenant_id, filters.q))
    return conditions


# The column each sort orders by; the order number breaks ties and keeps pages stable.
_SORT_COLUMNS = {"created_at": Order.created_at, "updated_at": Order.updated_at,
                 "total": Order.total}  # fmt: skip


def list_orders(session: Session, tenant_id: int, params: ListParams) -> tuple[list[Order], bool]:
    """A page of the tenant's orders in `params.sort` order, after the `starting_after` order.

    Keyset paging on (sort column, number): page 1000 costs what page 1 costs. Without a
    sort, newest first by number alone. A cursor is the last order id of a page, under
    every sort: its sort value is looked up.
    """
    conditions = _conditions(session, tenant_id, params)
    descending = params.sort is None or params.sort.startswith("-")
    column = _SORT_COLUMNS[params.sort.lstrip("-")] if params.sort else None
    if params.starting_after is not None:
        conditions.append(_after(session, tenant_id, params.starting_after, column, descending))
    keys = [Order.number] if column is None else [column, Order.number]
    query = (
        select(Order)
        .where(*conditions)
        .order_by(*(key.desc() if descending else key.asc() for key in keys))
        .limit(params.limit + 1)
        .options(selectinload(Order.items))
    )
    rows = list(session.scalars(query))
    return rows[: params.limit], len(rows) > params.limit


def count_orders(session: Session, tenant_id: int, filters: OrderFilters) -> int:
    """How many of the tenant's orders match `filters` (every page)."""
    conditions = _conditions(session, tenant_id, filters)
    return int(session.scalar(select(func.count()).select_from(Order).where(*conditions)) or 0)


def _after(
    session: Session, tenant_id: int, cursor: str, column: Any, descending: bool
) -> ColumnElement[bool]:
    number = parse_order_number(cursor)
    if number is None:
        raise DomainError(
            "starting_after must be an order id like ord_1042", param="starting_after"
        )
    if column is None:
        return Order.number < number
    value = session.scalar(
        select(column).where(Order.tenant_id == tenant_id, Order.number == number)
    )
    if value is None:
        raise DomainError(f"No such order: {cursor}", param="starting_after")
    if descending:
        return or_(column < value, and_(column == value, Order.number < number))
    return or_(column > value, and_(column == value, Order.number > number))


def list_customers(
    session: Session, tenant_id: int, params: CustomerParams
) -> tuple[list[Customer], bool]:
    """A page of the tenant's customers, newest first, after the `starting_after` cursor."""
    conditions: list[ColumnElement[bool]] = [Customer.tenant_id == tenant_id]
    if params.starting_after is not None:
        match = _CUSTOMER_ID.match(params.starting_after)
        if match is None:
            raise DomainError(
                "starting_after must be a customer id like cus_12", param="starting_after"
            )
        conditions.append(Customer.id < int(match.group(1)))
    if params.q:
        pattern = like_pattern(params.q)
        conditions.append(
            or_(
                Customer.name.ilike(pattern, escape="\\"),
                Customer.phone.like(pattern, escape="\\"),
            )
        )
    rows = list(
        session.scalars(
            select(Customer).where(*conditions).order_by(Customer.id.desc()).limit(params.limit + 1)
        )
    )
    return rows[: params.limit], len(rows) > params.limit


EXPORT_COLUMNS = (
    "id", "number", "status", "payment_status", "fulfillment_status", "channel", "source",
    "external_id", "external_number", "customer_name", "customer_phone", "customer_email",
    "items", "subtotal", "discount", "tax", "delivery_fee", "total", "amount_paid",
    "amount_refunded", "amount_due", "payment_reference", "currency", "notes", "created_at",
    "updated_at", "confirmed_at", "delivered_at", "cancelled_at",
)  # fmt: skip
EXPORT_BATCH = 500


_PLAIN_NUMBER = re.compile(r"^[+-]?[0-9]+$")
_EXPORT_FIELDS = (
    Order.id, Order.number, Order.status, Order.payment_status, Order.fulfillment_status,
    Order.channel, Order.source, Order.external_id, Order.external_number, Order.customer_name,
    Order.customer_phone, Order.customer_email, Order.subtotal, Order.discount, Order.tax,
    Order.delivery_fee, Order.total, Order.amount_paid, Order.amount_refunded,
    Order.payment_reference, Order.currency, Order.notes, Order.created_at, Order.updated_at,
    Order.confirmed_at, Order.delivered_at, Order.cancelled_at,
)  # fmt: skip


def _cell(value: object) -> object:
    """Defuse spreadsheet formulas in text a customer wrote (CSV injection); phones stay."""
    if (
        isinstance(value, str)
        and value[:1] in ("=", "+", "-", "@", "\t", "\r")
        and not _PLAIN_NUMBER.match(value)
    ):
        return "'" + value
    return value


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""


def _csv_row(order: Row[Any], items: str) -> list[object]:
    due = 0 if order.status == "cancelled" else max(order.total - order.amount_paid, 0)
    return [_cell(v) for v in [
        f"ord_{order.number}", order.number, order.status, order.payment_status,
        order.fulfillment_status, order.channel, order.source or "", order.external_id or "",
        order.external_number or "", order.customer_name or "", order.customer_phone or "",
        order.customer_email or "", items, order.subtotal, order.discount, order.tax,
        order.delivery_fee, order.total, order.amount_paid, order.amount_refunded, due,
        order.payment_reference or "", order.currency, order.notes or "",
        _iso(order.created_at), _iso(order.updated_at), _iso(order.confirmed_at),
        _iso(order.delivered_at), _iso(order.cancelled_at),
    ]]  # fmt: skip


def _item_summaries(session: Session, order_ids: list[int]) -> dict[int, str]:
    lines: dict[int, list[str]] = {}
    rows = session.execute(
        select(OrderItem.order_id, OrderItem.quantity, OrderItem.name, OrderItem.options,
               OrderItem.note)
        .where(OrderItem.order_id.in_(order_ids))
        .order_by(OrderItem.order_id, OrderItem.position)
    )  # fmt: skip
    for order_id, quantity, name, options, note in rows:
        chosen = ", ".join(option["name"] for option in options or [])
        line = f"{quantity}x {name}" + (f" ({chosen})" if chosen else "")
        lines.setdefault(order_id, []).append(line + (f" [{note}]" if note else ""))
    return {order_id: "; ".join(parts) for order_id, parts in lines.items()}


def export_csv(
    sessions: Callable[[], AbstractContextManager[Session]],
    tenant_id: int,
    filters: OrderFilters,
) -> Iterator[str]:
    """CSV text of the matching orders, newest first, in chunks.

    Each batch is read in its own short session, so memory stays flat however many
    orders there are, and no transaction stays open while the client downloads.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    yield buffer.getvalue()
    with sessions() as session:
        conditions = _conditions(session, tenant_id, filters)
    cursor: int | None = None
    while True:
        query = select(*_EXPORT_FIELDS).where(*conditions)
        if cursor is not None:
            query = query.where(Order.number < cursor)
        query = query.order_by(Order.number.desc()).limit(EXPORT_BATCH)
        with sessions() as session:
            batch = session.execute(query).all()
            items = _item_summaries(session, [row.id for row in batch])
        if not batch:
            return
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(_csv_row(row, items.get(row.id, "")) for row in batch)
        yield buffer.getvalue()
        cursor = batch[-1].number
        if len(batch) < EXPORT_BATCH:
            return
