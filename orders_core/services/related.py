"""What happened to orders (payments, refunds, fulfillments), read in one query per kind
for a single order or a whole page of them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from orders_core.domain import OrderStatus
from orders_core.models import Fulfillment, Order, Payment, Refund, Return
from orders_core.presenters import EMBEDDABLE, Related, order_out
from orders_core.schemas import OrderOut

_MODELS: dict[str, type[Payment] | type[Refund] | type[Fulfillment] | type[Return]] = {
    "payments": Payment,
    "refunds": Refund,
    "fulfillments": Fulfillment,
    "returns": Return,
}


def related_of(
    session: Session, orders: Sequence[Order], kinds: Iterable[str] = EMBEDDABLE
) -> dict[int, Related]:
    """Each order's payments, refunds, fulfillments and returns (those of `kinds`), oldest
    first; a return's lines come with it."""
    found: dict[int, dict[str, list[object]]] = {o.id: {} for o in orders}
    ids = list(found)
    for kind in kinds if ids else ():
        model = _MODELS[kind]
        query = select(model).where(model.order_id.in_(ids)).order_by(model.id)
        if model is Return:
            query = query.options(selectinload(Return.lines))
        for row in session.scalars(query):
            found[row.order_id].setdefault(kind, []).append(row)
    return {order_id: Related(**lists) for order_id, lists in found.items()}  # type: ignore[arg-type]


def order_view(session: Session, order: Order) -> OrderOut:
    """The API view of one order with its payments, refunds, fulfillments and returns.

    Each kind is read only when the order's own counters say there is some: an order never
    paid, refunded or shipped costs no query more.
    """
    present = {
        "payments": order.amount_paid > 0,
        "refunds": order.amount_refunded > 0,
        "fulfillments": any(item.fulfilled_quantity for item in order.items),
        # Only units handed over can come back.
        "returns": order.status == OrderStatus.DELIVERED
        or any(item.fulfilled_quantity for item in order.items),
    }
    kinds = [kind for kind in EMBEDDABLE if present[kind]]
    return order_out(order, related_of(session, [order], kinds)[order.id], EMBEDDABLE)
