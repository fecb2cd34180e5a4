"""Use cases that create and change orders; the chat and the REST API both call these."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from orders_core.delivery_schemas import DeliveryUpdate
from orders_core.domain import (
    FORWARD,
    CancelReason,
    OrderStatus,
    allowed_transitions,
    can_transition,
)
from orders_core.errors import (
    Conflict,
    IllegalTransition,
    NotFound,
    ValidationFailed,
)
from orders_core.events import add_timeline, emit
from orders_core.fields import MAX_METADATA_KEYS
from orders_core.models import (
    Fulfillment,
    Order,
    OrderItem,
    utcnow,
)
from orders_core.schemas import (
    CancelIn,
    FulfillmentIn,
    OrderUpdate,
    TimelineEventIn,
)
from orders_core.services.delivery import update_delivery
from orders_core.services.payments import refund, resolve_items

_ORDER_ID = re.compile(r"^(?:ord_|#)?([0-9]{1,18})$")

STATUS_TITLES = {
    OrderStatus.PENDING: "Order placed",
    OrderStatus.CONFIRMED: "Order confirmed",
    OrderStatus.PREPARING: "Order being prepared",
    OrderStatus.OUT_FOR_DELIVERY: "Order out for delivery",
    OrderStatus.DELIVERED: "Order delivered",
    OrderStatus.CANCELLED: "Order cancelled",
    OrderStatus.ON_HOLD: "Order put on hold",
}


def parse_order_number(order_id: str) -> int | None:
    """The per-tenant number in "ord_1042", "#1042" or "1042"; None if it is not one."""
    match = _ORDER_ID.match(order_id.strip())
    return int(match.group(1)) if match else None


def get_order(session: Session, tenant_id: int, order_id: str, *, lock: bool = False) -> Order:
    """The tenant's order by public id; NotFound for anything else, another tenant's included."""
    number = parse_order_number(order_id)
    if number is None:
        raise NotFound(f"No such order: {order_id}", param="id")
    query = (
        select(Order)
        .where(Order.tenant_id == tenant_id, Order.number == number)
        .options(selectinload(Order.items))
    )
    if lock:
        query = query.with_for_update()
    order = session.scalars(query).one_or_none()
    if order is None:
        raise NotFound(f"No such order: {order_id}", param="id")
    return order


def transition(
    session: Session,
    order: Order,
    target: OrderStatus,
    *,
    actor: str,
    note: str | None = None,
) -> Order:
    """Move the order to `target` if the lifecycle allows it; the same status is a no-op.

    Putting an order on hold remembers where it was (and `note` as the reason); an order on
    hold resumes only to that status.
    """
    current = OrderStatus(order.status)
    if target == current:
        return order
    if target == OrderStatus.CANCELLED:
        return cancel_order(
            session, order, CancelIn(reason=CancelReason.OTHER, note=note), actor=actor
        )
    held_from = OrderStatus(order.held_from) if order.held_from else None
    if not can_transition(current, target, held_from):
        raise_illegal(current, target, held_from)
    extra: dict[str, Any] = {}
    if target == OrderStatus.ON_HOLD:
        order.held_from, order.hold_reason = current, note
        extra = {"reason": note}
    elif current == OrderStatus.ON_HOLD:
        order.held_from = order.hold_reason = None
        extra = {"resumed": True}
    _set_status(session, order, target, actor=actor, note=note, extra=extra)
    return order


def resume_order(session: Session, order: Order, *, actor: str) -> Order:
    """Move an order on hold back to the status it was held from; Conflict if not on hold."""
    if order.status != OrderStatus.ON_HOLD or not order.held_from:
        raise Conflict(f"This order is not on hold (it is {order.status})", param="status")
    return transition(session, order, OrderStatus(order.held_from), actor=actor)


def raise_illegal(
    current: OrderStatus, target: OrderStatus, held_from: OrderStatus | None = None
) -> None:
    """Raise IllegalTransition naming the statuses that are allowed from `current`."""
    allowed = [s.value for s in allowed_transitions(current, held_from)]
    hint = f"allowed: {', '.join(allowed)}" if allowed else f"{current.value} is final"
    raise IllegalTransition(
        f"Cannot move an order from {current.value} to {target.value} ({hint})",
        param="status",
        details={"current": current.value, "requested": target.value, "allowed": allowed},
    )


def _set_status(
    session: Session,
    order: Order,
    target: OrderStatus,
    *,
    actor: str,
    note: str | None,
    extra: dict[str, Any] | None = None,
) -> None:
    previous = order.status
    now = utcnow()
    order.status = target
    order.updated_at = now
    order.status_changed_at = now
    stamp_status(order, target, now)
    status_entry(session, order, previous, target, note=note, actor=actor, extra=extra)
    emit(session, order, "order.status_changed", {"previous_status": previous, **(extra or {})})


def status_entry(
    session: Session,
    order: Order,
    previous: str,
    target: OrderStatus,
    *,
    note: str | None,
    actor: str,
    extra: dict[str, Any] | None = None,
) -> None:
    """The timeline entry of a move from `previous` to `target`, with its note."""
    add_timeline(
        session,
        order,
        kind="status_changed",
        type="error" if target == OrderStatus.CANCELLED else "success",
        title=STATUS_TITLES[target],
        description=note,
        actor=actor,
        data={"from": previous, "to": target.value, **(extra or {})},
    )


def stamp_status(order: Order, status: OrderStatus, now: datetime) -> None:
    """Record when the order was first confirmed (or got past confirmation) and delivered;
    a delivered order counts as fulfilled."""
    if status in FORWARD[1:] and order.confirmed_at is None:
        order.confirmed_at = now
    if status == OrderStatus.DELIVERED:
        order.delivered_at = now
        order.refresh_fulfillment_status()


def cancel_order(session: Session, order: Order, data: CancelIn, *, actor: str) -> Order:
    """Cancel with a reason; a paid order is refunded in full in the same transaction."""
    current = OrderStatus(order.status)
    if not can_transition(current, OrderStatus.CANCELLED):
        raise_illegal(current, OrderStatus.CANCELLED)
    if any(item.fulfilled_quantity for item in order.items):
        raise Conflict("A fulfilled order cannot be cancelled; refund it instead", param="status")
    order.cancel_reason = data.reason
    order.cancel_note = data.note
    order.cancelled_at = utcnow()
    order.held_from = order.hold_reason = None
    refundable = order.amount_paid - order.amount_refunded
    if refundable > 0:
        refund(
            session, order, refundable, [], reason=f"Order cancelled: {data.reason}", actor=actor
        )
    extra = {"reason": data.reason.value, "note": data.note, "actor": actor}
    _set_status(session, order, OrderStatus.CANCELLED, actor=actor, note=data.note, extra=extra)
    emit(session, order, "order.cancelled", extra)
    return order


def change_delivery_address(session: Session, order: Order, address: str, *, actor: str) -> Order:
    """Deliver a still-pending order to `address` (what a customer may change in the chat);
    a timeline entry and an event say so."""
    if order.status != OrderStatus.PENDING:
        raise Conflict("Only a pending order's address can be changed", param="status")
    update_delivery(session, order, DeliveryUpdate(address=address), actor=actor)
    return order


def merge_metadata(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """`current` with `changes` applied (a None value deletes its key); ValidationFailed
    when the result holds more keys than metadata may."""
    merged = dict(current)
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    if len(merged) > MAX_METADATA_KEYS:
        raise ValidationFailed(
            f"metadata may hold at most {MAX_METADATA_KEYS} keys", param="metadata"
        )
    return merged


def update_order(session: Session, order: Order, data: OrderUpdate, *, actor: str) -> Order:
    """Apply a PATCH: notes replaced, metadata merged (None deletes a key), delivery details
    changed, then the status, with `note` on its timeline entry (or as a note of its own)."""
    fields = data.model_fields_set
    changed: list[str] = []
    if data.delivery is not None:
        update_delivery(session, order, data.delivery, actor=actor)
    if "notes" in fields and data.notes != order.notes:
        order.notes = data.notes
        changed.append("notes")
    if "metadata" in fields and data.metadata:
        merged = merge_metadata(order.meta, data.metadata)
        if merged != order.meta:
            order.meta = merged
            changed.append("metadata")
    if changed:
        order.updated_at = utcnow()
        emit(session, order, "order.updated", {"changed": changed})
    if data.status is not None and data.status != order.status:
        transition(session, order, data.status, actor=actor, note=data.note)
    elif data.note:
        add_note(session, order, TimelineEventIn(title="Note", description=data.note), actor=actor)
    return order


def fulfill_order(
    session: Session, order: Order, data: FulfillmentIn, *, actor: str
) -> Fulfillment:
    """Hand over items (all that are left when none are named) with tracking.

    Refunded units are never shipped. When nothing is left to fulfil, an open order moves
    on: to delivered for a pickup, to out_for_delivery otherwise.
    """
    if order.status == OrderStatus.CANCELLED:
        raise Conflict("A cancelled order cannot be fulfilled", param="id")
    if data.items:
        picked = resolve_items(order, data.items, available="fulfilled_quantity")
        for index, (item, quantity) in enumerate(picked):
            if quantity > _left_to_ship(item):
                raise ValidationFailed(
                    f"Only {_left_to_ship(item)} of {item.name} can be shipped "
                    "(the rest is shipped or refunded)",
                    param=f"items[{index}].quantity",
                    details={"available": _left_to_ship(item)},
                )
    else:
        picked = [(i, _left_to_ship(i)) for i in order.items]
        picked = [(i, q) for i, q in picked if q > 0]
        if not picked:
            raise Conflict("Every item of this order is already fulfilled", param="items")
    for item, quantity in picked:
        item.fulfilled_quantity += quantity
    order.refresh_fulfillment_status()
    fulfillment = Fulfillment(
        tenant_id=order.tenant_id,
        order_id=order.id,
        items=[{"item_id": f"item_{i.id}", "quantity": q} for i, q in picked],
        tracking_number=data.tracking_number,
        tracking_company=data.tracking_company,
        tracking_url=str(data.tracking_url) if data.tracking_url else None,
        notify_customer=data.notify_customer,
        created_at=utcnow(),
    )
    session.add(fulfillment)
    order.updated_at = utcnow()
    session.flush()
    tracking = {
        "number": fulfillment.tracking_number,
        "company": fulfillment.tracking_company,
        "url": fulfillment.tracking_url,
    }
    add_timeline(
        session,
        order,
        kind="fulfillment",
        type="info",
        title="Items dispatched",
        description=fulfillment.tracking_number,
        actor=actor,
        data={"fulfillment_id": f"ful_{fulfillment.id}", "tracking": tracking},
    )
    extra = {
        "fulfillment_id": f"ful_{fulfillment.id}",
        "tracking": tracking,
        "notify_customer": data.notify_customer,
    }
    emit(session, order, "fulfillment.created", extra)
    if all(_left_to_ship(i) == 0 for i in order.items):
        target = (
            OrderStatus.DELIVERED
            if order.delivery.get("method") == "pickup"
            else OrderStatus.OUT_FOR_DELIVERY
        )
        if can_transition(OrderStatus(order.status), target):
            _set_status(
                session, order, target, actor=actor, note=None, extra={"tracking": tracking}
            )
    return fulfillment


def _left_to_ship(item: OrderItem) -> int:
    """Units of a line neither shipped nor refunded before shipping."""
    return max(item.quantity - item.fulfilled_quantity - item.unshipped_refunded, 0)


def add_note(session: Session, order: Order, data: TimelineEventIn, *, actor: str) -> Any:
    """Append a custom entry to the order's timeline."""
    event = add_timeline(
        session,
        order,
        kind="note",
        type=data.type,
        title=data.title,
        description=data.description,
        actor=actor,
        data=data.metadata,
    )
    session.flush()
    return event
