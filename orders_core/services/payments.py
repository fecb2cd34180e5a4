"""Money on an order: payments received and refunds (by amount and/or items)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from orders_core.domain import (
    OrderStatus,
    format_money,
    payment_status_for,
)
from orders_core.errors import Conflict, ValidationFailed
from orders_core.events import add_timeline, emit
from orders_core.models import (
    Order,
    OrderItem,
    Payment,
    Refund,
    utcnow,
)
from orders_core.schemas import (
    ItemQuantity,
    PaymentIn,
    RefundIn,
)


def record_payment(
    session: Session,
    order: Order,
    data: PaymentIn,
    *,
    actor: str,
    extra: dict[str, Any] | None = None,
) -> Payment:
    """Record money received: the order is `partially_paid`, then `paid` once the total is
    covered. No overpayment. The payment's reference becomes the order's, for search."""
    if order.status == OrderStatus.CANCELLED:
        raise Conflict("A cancelled order cannot take a payment", param="id")
    due = order.total - order.amount_paid
    if due <= 0:
        raise Conflict("This order is already paid in full", param="amount")
    amount = due if data.amount is None else data.amount
    if amount > due:
        raise ValidationFailed(
            f"amount is more than the {due} still owed",
            param="amount",
            details={"amount_due": due},
        )
    payment = Payment(
        tenant_id=order.tenant_id,
        order_id=order.id,
        amount=amount,
        method=data.method,
        reference=data.reference,
        created_at=utcnow(),
    )
    session.add(payment)
    order.amount_paid += amount
    order.payment_status = payment_status_for(order.total, order.amount_paid, order.amount_refunded)
    if data.reference:
        order.payment_reference = data.reference
    order.updated_at = utcnow()
    session.flush()
    add_timeline(
        session,
        order,
        kind="payment",
        type="success",
        title="Payment received",
        description=f"{format_money(amount, order.currency)} by {data.method}",
        actor=actor,
        data={"payment_id": f"pay_{payment.id}", "amount": amount, "method": data.method},
    )
    emit(
        session,
        order,
        "payment.recorded",
        {"payment_id": f"pay_{payment.id}", "amount": amount, **(extra or {})},
    )
    return payment


def resolve_items(
    order: Order, wanted: list[ItemQuantity], *, available: str
) -> list[tuple[OrderItem, int]]:
    by_id = {f"item_{item.id}": item for item in order.items}
    picked = []
    for index, request in enumerate(wanted):
        item = by_id.get(request.item_id)
        if item is None:
            raise ValidationFailed(
                f"No such item on this order: {request.item_id}", param=f"items[{index}].item_id"
            )
        left = item.quantity - getattr(item, available)
        if request.quantity > left:
            raise ValidationFailed(
                f"Only {left} of {item.name} can be taken",
                param=f"items[{index}].quantity",
                details={"available": left},
            )
        picked.append((item, request.quantity))
    return picked


def refund_order(session: Session, order: Order, data: RefundIn, *, actor: str) -> Refund:
    """Refund by amount and/or items, never more than was paid and not yet refunded."""
    refundable = order.amount_paid - order.amount_refunded
    if refundable <= 0:
        raise Conflict("Nothing has been paid on this order to refund", param="amount")
    picked = resolve_items(order, data.items, available="refunded_quantity")
    amount = data.amount if data.amount is not None else sum(i.unit_total * q for i, q in picked)
    if amount > refundable:
        raise ValidationFailed(
            f"amount is more than the {refundable} refundable",
            param="amount",
            details={"refundable": refundable},
        )
    if amount <= 0:
        raise ValidationFailed("The refund amount must be positive", param="amount")
    return refund(session, order, amount, picked, reason=data.reason, actor=actor)


def refund(
    session: Session,
    order: Order,
    amount: int,
    picked: list[tuple[OrderItem, int]],
    *,
    reason: str | None,
    actor: str,
) -> Refund:
    """Give back `amount` (already checked against what is refundable) for the `picked`
    units; timeline and event included."""
    for item, quantity in picked:
        item.refunded_quantity += quantity
    refund = Refund(
        tenant_id=order.tenant_id,
        order_id=order.id,
        amount=amount,
        reason=reason,
        items=[{"item_id": f"item_{i.id}", "quantity": q} for i, q in picked],
        created_at=utcnow(),
    )
    session.add(refund)
    order.amount_refunded += amount
    order.payment_status = payment_status_for(order.total, order.amount_paid, order.amount_refunded)
    if picked:
        order.refresh_fulfillment_status()
    order.updated_at = utcnow()
    session.flush()
    add_timeline(
        session,
        order,
        kind="refund",
        type="info",
        title="Refund issued",
        description=f"{format_money(amount, order.currency)}" + (f": {reason}" if reason else ""),
        actor=actor,
        data={"refund_id": f"re_{refund.id}", "amount": amount},
    )
    emit(session, order, "refund.created", {"refund_id": f"re_{refund.id}", "amount": amount})
    return refund
