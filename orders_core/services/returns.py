"""Returns of delivered units: request, receive, refund (through the refund machinery), reject.

What a line can still send back is `return_presenters.returnable_quantities`. A return is
refunded by its lines' value (unit price x quantity; order-level discounts, tax and delivery
fee are not spread over lines), capped at what was paid and not yet refunded. When nothing
paid is left to refund (an unpaid order) the refund is a 409 and the return stays
`received`: the goods are back but the money is not settled, so the shop records the
payment first, or rejects the return.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, selectinload

from orders_core.domain import format_money
from orders_core.errors import Conflict, DomainError, IllegalTransition, NotFound, ValidationFailed
from orders_core.events import add_timeline, emit
from orders_core.models import Order, Return, ReturnLine, utcnow
from orders_core.return_presenters import return_out, returnable_quantities
from orders_core.return_schemas import (
    RETURN_REASON_LABELS,
    RETURN_TRANSITIONS,
    ReturnActionIn,
    ReturnCreate,
    ReturnListParams,
    ReturnReason,
    ReturnStatus,
)
from orders_core.services.orders import parse_order_number
from orders_core.services.payments import refund

_RETURN_ID = re.compile(r"^ret_([0-9]{1,18})$")


def returns_of(session: Session, order: Order) -> list[Return]:
    """The order's returns, oldest first, with their lines."""
    return list(
        session.scalars(
            select(Return)
            .where(Return.order_id == order.id)
            .order_by(Return.id)
            .options(selectinload(Return.lines))
        )
    )


def request_return(session: Session, order: Order, data: ReturnCreate, *, actor: str) -> Return:
    """Open a return of delivered units; more than a line's returnable quantity is a 422."""
    left = returnable_quantities(order, returns_of(session, order))
    by_id = {f"item_{item.id}": item for item in order.items}
    lines = []
    for index, wanted in enumerate(data.items):
        item = by_id.get(wanted.item_id)
        if item is None:
            raise ValidationFailed(
                f"No such item on this order: {wanted.item_id}", param=f"items[{index}].item_id"
            )
        if wanted.quantity > left[item.id]:
            raise ValidationFailed(
                f"Only {left[item.id]} of {item.name} ({wanted.item_id}) can be returned: "
                "units count once delivered, and not when already returned or refunded",
                param=f"items[{index}].quantity",
                details={"item_id": wanted.item_id, "returnable_quantity": left[item.id]},
            )
        amount = item.unit_total * wanted.quantity
        lines.append(
            ReturnLine(
                order_item_id=item.id,
                quantity=wanted.quantity,
                unit_price=item.unit_total,
                amount=amount,
            )
        )
    now = utcnow()
    ret = Return(
        tenant_id=order.tenant_id,
        order_id=order.id,
        status=ReturnStatus.REQUESTED,
        reason=data.reason,
        note=data.note,
        amount=sum(line.amount for line in lines),
        refunded_amount=0,
        created_at=now,
        updated_at=now,
        lines=lines,
    )
    session.add(ret)
    order.updated_at = now
    session.flush()
    said = ", ".join(
        f"{line.quantity} × {by_id[f'item_{line.order_item_id}'].name}" for line in lines
    )
    description = f"{said}: {RETURN_REASON_LABELS[data.reason]}" + (
        f". {data.note}" if data.note else ""
    )
    _record(session, ret, "return.requested", "Return requested", "pending", description, actor)
    return ret


def get_return(session: Session, tenant_id: int, return_id: str, *, lock: bool = False) -> Return:
    """The tenant's return by public id (ret_12); NotFound for anything else.

    With `lock`, its order is locked first (a refund changes the order), then the return.
    """
    match = _RETURN_ID.match(return_id.strip())
    if match is None:
        raise NotFound(f"No such return: {return_id}", param="id")
    where = (Return.tenant_id == tenant_id, Return.id == int(match.group(1)))
    order_id = session.scalar(select(Return.order_id).where(*where))
    if order_id is None:
        raise NotFound(f"No such return: {return_id}", param="id")
    order_query = select(Order).where(Order.id == order_id).options(selectinload(Order.items))
    query = select(Return).where(*where).options(selectinload(Return.lines))
    if lock:
        order_query = order_query.with_for_update()
        query = query.with_for_update().execution_options(populate_existing=True)
    session.scalars(order_query).one()
    return session.scalars(query).one()


def list_returns(
    session: Session, tenant_id: int, params: ReturnListParams
) -> tuple[list[Return], bool]:
    """A page of the tenant's returns, newest first, after the `starting_after` return."""
    conditions: list[ColumnElement[bool]] = [Return.tenant_id == tenant_id]
    if params.status is not None:
        conditions.append(Return.status == params.status)
    if params.order_id is not None:
        number = parse_order_number(params.order_id)
        if number is None:
            raise DomainError("order_id must be an order id like ord_1042", param="order_id")
        order = select(Order.id).where(Order.tenant_id == tenant_id, Order.number == number)
        conditions.append(Return.order_id == order.scalar_subquery())
    if params.starting_after is not None:
        match = _RETURN_ID.match(params.starting_after)
        if match is None:
            raise DomainError(
                "starting_after must be a return id like ret_12", param="starting_after"
            )
        conditions.append(Return.id < int(match.group(1)))
    rows = list(
        session.scalars(
            select(Return)
            .where(*conditions)
            .order_by(Return.id.desc())
            .limit(params.limit + 1)
            .options(
                selectinload(Return.order).selectinload(Order.items),
                selectinload(Return.lines),
            )
        )
    )
    return rows[: params.limit], len(rows) > params.limit


def receive_return(session: Session, ret: Return, data: ReturnActionIn, *, actor: str) -> Return:
    """The returned units arrived back at the shop."""
    now = _move(ret, ReturnStatus.RECEIVED)
    ret.received_at = now
    _record(session, ret, "return.received", "Return received", "info", data.note, actor)
    return ret


def refund_return(session: Session, ret: Return, data: ReturnActionIn, *, actor: str) -> Return:
    """Pay back a received return by its lines' value, never more than is left to refund."""
    _check(ret, ReturnStatus.REFUNDED)
    order = ret.order
    refundable = order.amount_paid - order.amount_refunded
    if ret.amount > 0 and refundable <= 0:
        raise Conflict(
            "Nothing paid on this order is left to refund: record the payment first, "
            "or reject the return",
            param="id",
            details={"refundable": max(refundable, 0), "amount": ret.amount},
        )
    for line in ret.lines:
        left = line.item.quantity - line.item.refunded_quantity
        if line.quantity > left:
            raise Conflict(
                f"Only {left} of {line.item.name} can still be refunded: "
                "the rest was refunded outside this return",
                param="id",
                details={"item_id": f"item_{line.order_item_id}", "refundable_quantity": left},
            )
    amount = min(ret.amount, refundable)
    if amount > 0:
        picked = [(line.item, line.quantity) for line in ret.lines]
        for line in ret.lines:
            line.item.returned_quantity += line.quantity
        reason = f"Return {ret.public_id}: {RETURN_REASON_LABELS[ReturnReason(ret.reason)]}"
        ret.refund_id = refund(session, order, amount, picked, reason=reason, actor=actor).id
    ret.refunded_amount = amount
    ret.refunded_at = _move(ret, ReturnStatus.REFUNDED)
    said = format_money(amount, order.currency) + (f". {data.note}" if data.note else "")
    _record(session, ret, "return.refunded", "Return refunded", "success", said, actor)
    return ret


def reject_return(session: Session, ret: Return, data: ReturnActionIn, *, actor: str) -> Return:
    """Refuse a return that is not refunded yet; its units become returnable again."""
    now = _move(ret, ReturnStatus.REJECTED)
    ret.rejected_at = now
    ret.rejection_note = data.note
    _record(session, ret, "return.rejected", "Return rejected", "error", data.note, actor)
    return ret


def _check(ret: Return, target: ReturnStatus) -> None:
    """A 409 naming the allowed moves unless `ret` may move to `target`."""
    current = ReturnStatus(ret.status)
    allowed = RETURN_TRANSITIONS[current]
    if target not in allowed:
        hint = f"allowed: {', '.join(allowed)}" if allowed else f"{current.value} is final"
        raise IllegalTransition(
            f"Cannot move a return from {current.value} to {target.value} ({hint})",
            param="status",
            details={
                "current": current.value,
                "requested": target.value,
                "allowed": [s.value for s in allowed],
            },
        )


def _move(ret: Return, target: ReturnStatus) -> datetime:
    """Move `ret` to `target` if allowed; the time it moved."""
    _check(ret, target)
    now = utcnow()
    ret.status = target
    ret.updated_at = now
    ret.order.updated_at = now
    return now


def _record(
    session: Session,
    ret: Return,
    event: str,
    title: str,
    type: str,
    description: str | None,
    actor: str,
) -> None:
    """The timeline entry and the outbox event of a return's change, carrying the return."""
    order = ret.order
    session.flush()
    add_timeline(
        session,
        order,
        kind="return",
        type=type,
        title=title,
        description=description,
        actor=actor,
        data={"return_id": ret.public_id, "status": ret.status},
    )
    emit(
        session,
        order,
        event,
        {"return_id": ret.public_id, "return": return_out(ret, order).model_dump(mode="json")},
    )
