"""Checkouts: create, change, list, and complete into one order through place_order; and
the chat's cart, kept as its conversation's open checkout.

`abandoned` is computed, never stored: an open checkout idle (no change, no chat message)
for longer than the tenant's abandoned_cart_minutes reads as abandoned until it is touched
again. So no job has to run for a list to be right, and a customer writing again makes
their cart open again without rewriting a status.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from sqlalchemy import ColumnElement, and_, false, select
from sqlalchemy.orm import Session, selectinload

from orders_core.checkout_schemas import (
    CheckoutCreate,
    CheckoutItemIn,
    CheckoutParams,
    CheckoutUpdate,
)
from orders_core.errors import Conflict, DuplicateExternalId, NotFound, ValidationFailed
from orders_core.events import add_timeline
from orders_core.models import Checkout, CheckoutStatus, Order, Product, Tenant, utcnow
from orders_core.schemas import OrderCreate
from orders_core.services.external_ids import add_once
from orders_core.services.orders import merge_metadata
from orders_core.services.placing import place_order

MAX_NOTES = 5000


class CheckoutNotOpen(Conflict):
    """The checkout is completed, expired or abandoned: it cannot be changed or completed."""

    code = "checkout_not_open"


class ChatCheckout(Conflict):
    """A chat cart changes and completes by the customer's messages only."""

    code = "checkout_in_chat"


def new_checkout_id() -> str:
    """A unique, unguessable checkout id."""
    return "chk_" + secrets.token_hex(12)


def idle_limit(minutes: int | None) -> timedelta | None:
    """How long an open checkout may stay idle before it reads as abandoned (None: never)."""
    return None if minutes is None else timedelta(minutes=minutes)


def checkout_status(
    checkout: Checkout, abandoned_after: timedelta | None, now: datetime
) -> CheckoutStatus:
    """The status as read now: a stored one, or `abandoned` for an idle open checkout."""
    if checkout.status != CheckoutStatus.OPEN:
        return CheckoutStatus(checkout.status)
    if abandoned_after is not None and checkout.last_activity_at <= now - abandoned_after:
        return CheckoutStatus.ABANDONED
    return CheckoutStatus.OPEN


def get_checkout(
    session: Session, tenant_id: int, checkout_id: str, *, lock: bool = False
) -> Checkout:
    """The tenant's checkout by public id; NotFound for anything else."""
    query = select(Checkout).where(
        Checkout.tenant_id == tenant_id, Checkout.public_id == checkout_id
    )
    checkout = session.scalars(query.with_for_update() if lock else query).one_or_none()
    if checkout is None:
        raise NotFound(f"No such checkout: {checkout_id}", param="id")
    return checkout


def create_checkout(
    session: Session, tenant: Tenant, data: CheckoutCreate, *, catalog: Mapping[str, Product]
) -> Checkout:
    """An open checkout, checked as the order it would make; a second one with the same
    (source, external_id) is a 409 naming the first."""
    now = utcnow()
    checkout = Checkout(
        public_id=new_checkout_id(),
        tenant_id=tenant.id,
        status=CheckoutStatus.OPEN.value,
        channel=data.channel.value,
        source=data.source or data.channel.value,
        external_id=data.external_id,
        external_number=data.external_number,
        customer=data.customer.model_dump(mode="json", exclude_none=True),
        items=_items(data.items),
        delivery=data.delivery.model_dump(mode="json", exclude_none=True)
        if data.delivery
        else None,
        delivery_fee=data.delivery_fee,
        notes=data.notes,
        meta=data.metadata,
        last_activity_at=now,
        created_at=now,
        updated_at=now,
    )
    order_data(checkout, catalog)
    if checkout.external_id is None:
        session.add(checkout)
        session.flush()
    else:
        _add_once(session, checkout)
    return checkout


def update_checkout(
    session: Session,
    checkout: Checkout,
    data: CheckoutUpdate,
    *,
    catalog: Mapping[str, Product],
    abandoned_after: timedelta | None,
) -> Checkout:
    """Apply a PATCH to an open (or abandoned: editing revives it) API checkout."""
    now = utcnow()
    status = checkout_status(checkout, abandoned_after, now)
    if status not in (CheckoutStatus.OPEN, CheckoutStatus.ABANDONED):
        raise _not_open(checkout, status, "changed")
    _refuse_chat(checkout)
    fields = data.model_fields_set
    if data.customer is not None:
        checkout.customer = data.customer.model_dump(mode="json", exclude_none=True)
    if data.items is not None:
        checkout.items = _items(data.items)
    if "external_number" in fields:
        checkout.external_number = data.external_number
    if "delivery" in fields:
        delivery = data.delivery
        checkout.delivery = (
            delivery.model_dump(mode="json", exclude_none=True) if delivery else None
        )
    if data.delivery_fee is not None:
        checkout.delivery_fee = data.delivery_fee
    if "notes" in fields:
        checkout.notes = data.notes
    if data.metadata:
        checkout.meta = merge_metadata(checkout.meta, data.metadata)
    order_data(checkout, catalog)
    checkout.last_activity_at = checkout.updated_at = now
    return checkout


def complete_checkout(
    session: Session,
    tenant: Tenant,
    checkout: Checkout,
    *,
    catalog: Mapping[str, Product],
    abandoned_after: timedelta | None,
) -> Order:
    """The order the (locked) checkout makes, placed once: a completed checkout answers with
    its order again. An expired or abandoned one is a 409, and so is a chat cart."""
    if checkout.status == CheckoutStatus.COMPLETED and checkout.order_id is not None:
        return session.scalars(
            select(Order).where(Order.id == checkout.order_id).options(selectinload(Order.items))
        ).one()
    now = utcnow()
    status = checkout_status(checkout, abandoned_after, now)
    if status != CheckoutStatus.OPEN:
        raise _not_open(checkout, status, "completed")
    _refuse_chat(checkout)
    order = place_order(session, tenant, order_data(checkout, catalog), actor="api",
                        catalog=catalog)  # fmt: skip
    mark_completed(checkout, order, now)
    add_timeline(
        session, order, kind="note", title=f"Placed from checkout {checkout.public_id}",
        actor="api", data={"checkout_id": checkout.public_id},
    )  # fmt: skip
    return order


def mark_completed(checkout: Checkout, order: Order, now: datetime) -> None:
    """Record that `order` was placed from the checkout."""
    checkout.status = CheckoutStatus.COMPLETED.value
    checkout.order_id = order.id
    checkout.completed_at = checkout.updated_at = checkout.last_activity_at = now


def order_data(checkout: Checkout, catalog: Mapping[str, Product]) -> OrderCreate:
    """The order the checkout would place; ValidationFailed (with the field) if none."""
    for index, item in enumerate(checkout.items):
        code = item.get("product_id")
        if code is None:
            continue
        product = catalog.get(code)
        if product is None or not product.available:
            problem = "No such product" if product is None else "Not available"
            raise ValidationFailed(f"{problem}: {code}", param=f"items[{index}].product_id")
    try:
        return OrderCreate.model_validate({
            "customer": checkout.customer,
            "items": [{k: v for k, v in i.items() if k != "note"} for i in checkout.items],
            "channel": checkout.channel,
            "source": checkout.source,
            "external_id": checkout.external_id,
            "external_number": checkout.external_number,
            "notes": _order_notes(checkout, catalog),
            "metadata": checkout.meta,
            "delivery_fee": checkout.delivery_fee,
            "delivery": checkout.delivery,
        })  # fmt: skip
    except ValidationError as exc:
        error = exc.errors()[0]
        param = ".".join(str(part) for part in error["loc"]) or None
        raise ValidationFailed(error["msg"].removeprefix("Value error, "), param=param) from None


def list_checkouts(
    session: Session,
    tenant_id: int,
    params: CheckoutParams,
    *,
    abandoned_after: timedelta | None,
) -> tuple[list[Checkout], bool]:
    """A page of the tenant's checkouts, newest first, after the `starting_after` one."""
    conditions = [Checkout.tenant_id == tenant_id]
    if params.status is not None:
        conditions.append(_status_condition(params.status, abandoned_after, utcnow()))
    if params.channel is not None:
        conditions.append(Checkout.channel == params.channel.value)
    if params.starting_after is not None:
        after = get_checkout(session, tenant_id, params.starting_after)
        conditions.append(Checkout.id < after.id)
    rows = list(
        session.scalars(
            select(Checkout).where(*conditions).order_by(Checkout.id.desc()).limit(params.limit + 1)
        )
    )
    return rows[: params.limit], len(rows) > params.limit


def order_numbers(session: Session, checkouts: Sequence[Checkout]) -> dict[int, int]:
    """The numbers of the orders the checkouts made, by order row id."""
    ids = {c.order_id for c in checkouts if c.order_id is not None}
    if not ids:
        return {}
    rows = session.execute(select(Order.id, Order.number).where(Order.id.in_(ids)))
    return {order_id: number for order_id, number in rows}


def save_chat_cart(
    session: Session,
    *,
    tenant_id: int,
    conversation_id: int,
    checkout: Checkout | None,
    items: list[dict[str, Any]],
    customer: dict[str, Any],
    channel: str,
    now: datetime,
    order: Order | None = None,
) -> Checkout | None:
    """Keep the conversation's open checkout as the chat cart is: created with its first
    line, changed (and its idle clock reset) by each message, completed with the order it
    made, deleted when emptied. Nothing is written when nothing changed. Returns the
    checkout still open afterwards, if any."""
    if checkout is None and not items:
        return None
    if checkout is None:
        checkout = Checkout(
            public_id=new_checkout_id(), tenant_id=tenant_id, conversation_id=conversation_id,
            status=CheckoutStatus.OPEN.value, channel=channel, source=channel,
            customer=customer, items=items, meta={}, delivery_fee=0,
            last_activity_at=now, created_at=now, updated_at=now,
        )  # fmt: skip
        session.add(checkout)
    elif not items and order is None:
        session.delete(checkout)
        return None
    if checkout.items != items:
        checkout.items, checkout.updated_at = items, now
    if checkout.customer != customer:
        checkout.customer, checkout.updated_at = customer, now
    if checkout.last_activity_at != now:
        checkout.last_activity_at = now
    if order is not None:
        mark_completed(checkout, order, now)
        return None
    return checkout


def expire_chat_cart(checkout: Checkout, now: datetime) -> None:
    """The chat dropped the idle cart: its checkout is expired."""
    checkout.status = CheckoutStatus.EXPIRED.value
    checkout.updated_at = now


def _status_condition(
    status: CheckoutStatus, abandoned_after: timedelta | None, now: datetime
) -> ColumnElement[bool]:
    opened = Checkout.status == CheckoutStatus.OPEN.value
    if status == CheckoutStatus.OPEN:
        if abandoned_after is None:
            return opened
        return and_(opened, Checkout.last_activity_at > now - abandoned_after)
    if status == CheckoutStatus.ABANDONED:
        if abandoned_after is None:
            return false()
        return and_(opened, Checkout.last_activity_at <= now - abandoned_after)
    return Checkout.status == status.value


def _items(items: Sequence[CheckoutItemIn]) -> list[dict[str, Any]]:
    return [
        item.model_dump(mode="json", exclude_none=True, exclude_defaults=True) for item in items
    ]


def _order_notes(checkout: Checkout, catalog: Mapping[str, Product]) -> str | None:
    """What the customer asked of the lines, then the checkout's notes, for the kitchen."""
    notes = []
    for item in checkout.items:
        if item.get("note"):
            product = catalog.get(item.get("product_id") or "")
            name = item.get("name") or (product.name if product else item.get("product_id"))
            notes.append(f"{name}: {item['note']}")
    if checkout.notes:
        notes.append(checkout.notes)
    return "; ".join(notes)[:MAX_NOTES] or None


def _refuse_chat(checkout: Checkout) -> None:
    if checkout.conversation_id is not None:
        raise ChatCheckout(
            "This checkout is a chat cart: the customer changes it and places the order by "
            "replying in the chat",
            param="id",
        )


def _not_open(checkout: Checkout, status: CheckoutStatus, verb: str) -> CheckoutNotOpen:
    api_abandoned = status == CheckoutStatus.ABANDONED and checkout.conversation_id is None
    hint = " (change it to open it again)" if api_abandoned else ""
    return CheckoutNotOpen(
        f"Checkout {checkout.public_id} is {status.value} and cannot be {verb}{hint}",
        param="id",
        details={"status": status.value},
    )


def _add_once(session: Session, checkout: Checkout) -> None:
    """Insert a checkout that carries an integrator's id; a second one with it is a 409."""
    existing = add_once(session, checkout, lambda: _by_external_id(session, checkout))
    if existing is not None:
        raise DuplicateExternalId(
            f"A checkout with external_id {checkout.external_id!r} from source "
            f"{checkout.source!r} exists already: {existing}",
            param="external_id",
            details={"checkout_id": existing},
        )


def _by_external_id(session: Session, checkout: Checkout) -> str | None:
    return session.scalar(
        select(Checkout.public_id).where(
            Checkout.tenant_id == checkout.tenant_id,
            Checkout.source == checkout.source,
            Checkout.external_id == checkout.external_id,
        )
    )
