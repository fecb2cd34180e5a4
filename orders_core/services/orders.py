"""Use cases that create and change orders; the chat and the REST API both call these."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from orders_core.domain import (
    CancelReason,
    OrderStatus,
    PaymentStatus,
    allowed_transitions,
    can_transition,
    format_money,
)
from orders_core.errors import (
    Conflict,
    DuplicateExternalId,
    IllegalTransition,
    NotFound,
    ValidationFailed,
)
from orders_core.events import add_timeline, emit
from orders_core.models import (
    Fulfillment,
    Order,
    OrderItem,
    Product,
    Tenant,
    utcnow,
)
from orders_core.schemas import (
    MAX_AMOUNT,
    MAX_METADATA_KEYS,
    CancelIn,
    FulfillmentIn,
    OrderCreate,
    OrderUpdate,
    TimelineEventIn,
)
from orders_core.services.customers import upsert_customer
from orders_core.services.payments import refund, resolve_items
from orders_core.versioning import CHANGED_TENANTS

_ORDER_ID = re.compile(r"^(?:ord_|#)?([0-9]{1,18})$")

STATUS_TITLES = {
    OrderStatus.PENDING: "Order placed",
    OrderStatus.CONFIRMED: "Order confirmed",
    OrderStatus.PREPARING: "Order being prepared",
    OrderStatus.OUT_FOR_DELIVERY: "Order out for delivery",
    OrderStatus.DELIVERED: "Order delivered",
    OrderStatus.CANCELLED: "Order cancelled",
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


def _allocate_number(session: Session, tenant_id: int) -> int:
    """The next order number of the tenant, without holding its row for the whole transaction.

    On PostgreSQL the counter moves in its own one-statement transaction on another pooled
    connection, so a tenant's orders are placed side by side, not one after another; a
    rolled-back order leaves a gap in the numbers. Its commit does not wait for the disk
    (`synchronous_commit` off for that statement only): the write-ahead log is flushed in
    order, so the order that takes the number flushes it too. SQLite has one writer at a
    time anyway, and a transaction that changed the tenant row itself holds its lock:
    both count inside the transaction.
    """
    stmt = (
        update(Tenant)
        .where(Tenant.id == tenant_id)
        .values(next_order_number=Tenant.next_order_number + 1)
        .returning(Tenant.next_order_number)
    )
    engine = session.get_bind().engine
    if engine.dialect.name != "postgresql" or tenant_id in session.info.get(CHANGED_TENANTS, ()):
        return int(session.execute(stmt).scalar_one()) - 1
    no_wait = func.set_config("synchronous_commit", "off", True).is_not(None)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as counter:
        return int(counter.execute(stmt.where(no_wait)).scalar_one()) - 1


def _price_items(
    session: Session, tenant: Tenant, data: OrderCreate, catalog: Mapping[str, Product] | None
) -> list[OrderItem]:
    codes = {item.product_id for item in data.items if item.product_id}
    products = catalog
    if products is None and codes:
        products = {
            p.code: p
            for p in session.scalars(
                select(Product).where(Product.tenant_id == tenant.id, Product.code.in_(codes))
            )
        }
    products = products or {}
    lines = []
    for index, item in enumerate(data.items):
        name, price = item.name, item.unit_price
        if item.product_id is not None:
            product = products.get(item.product_id)
            if product is None:
                raise ValidationFailed(
                    f"No such product: {item.product_id}", param=f"items[{index}].product_id"
                )
            if not product.available:
                raise ValidationFailed(
                    f"{product.name} is not available", param=f"items[{index}].product_id"
                )
            name = name or product.name
            price = product.unit_price if price is None else price
        assert name is not None and price is not None  # guaranteed by OrderItemIn
        if price * item.quantity > MAX_AMOUNT:
            raise ValidationFailed(
                f"The line total is above the largest amount ({MAX_AMOUNT})",
                param=f"items[{index}].quantity",
            )
        lines.append(
            OrderItem(
                position=index,
                product_code=item.product_id,
                name=name,
                quantity=item.quantity,
                unit_price=price,
                subtotal=price * item.quantity,
            )
        )
    return lines


def place_order(
    session: Session,
    tenant: Tenant,
    data: OrderCreate,
    *,
    actor: str = "api",
    catalog: Mapping[str, Product] | None = None,
) -> Order:
    """Create a pending, unpaid order priced from the catalog; timeline and outbox included.

    `catalog` (products by code, as of this transaction's tenant version) spares a query.
    """
    lines = _price_items(session, tenant, data, catalog)
    subtotal = sum(line.subtotal for line in lines)
    total = subtotal - data.discount + data.tax + data.delivery_fee
    if total < 0:
        raise ValidationFailed("discount is larger than the order", param="discount")
    if max(subtotal, total) > MAX_AMOUNT:
        raise ValidationFailed(
            f"The order total is above the largest amount ({MAX_AMOUNT})", param="items"
        )
    customer_snapshot = data.customer.model_dump(mode="json", exclude_none=True)
    customer = None
    if data.customer.phone:
        customer = upsert_customer(
            session,
            tenant.id,
            data.customer.phone,
            name=data.customer.name,
            email=data.customer.email,
            address=data.customer.address,
        )
    delivery = data.delivery.model_dump(mode="json", exclude_none=True) if data.delivery else {}
    if "address" not in delivery and data.customer.address:
        delivery["address"] = data.customer.address
    now = utcnow()
    order = Order(
        tenant_id=tenant.id,
        number=_allocate_number(session, tenant.id),
        status=OrderStatus.PENDING,
        payment_status=PaymentStatus.UNPAID,
        channel=data.channel,
        source=data.source or data.channel.value,
        external_id=data.external_id,
        external_number=data.external_number,
        customer_id=customer.id if customer else None,
        customer_phone=data.customer.phone,
        customer_name=data.customer.name or (customer.name if customer else None),
        customer=customer_snapshot,
        currency=tenant.currency,
        subtotal=subtotal,
        discount=data.discount,
        tax=data.tax,
        delivery_fee=data.delivery_fee,
        total=total,
        notes=data.notes,
        meta=data.metadata,
        delivery=delivery,
        webhook_urls=[str(url) for url in data.webhook_urls],
        webhook_meta=data.meta,
        created_at=now,
        updated_at=now,
        status_changed_at=now,
        items=lines,
    )
    if data.external_id is None:
        session.add(order)
        session.flush()
    else:
        _add_once(session, order)
    add_timeline(
        session,
        order,
        kind="status_changed",
        type="pending",
        title=STATUS_TITLES[OrderStatus.PENDING],
        description=f"{len(lines)} item(s), total {format_money(total, tenant.currency)}",
        actor=actor,
        data={"status": "pending", "channel": order.channel},
    )
    emit(session, order, "order.created")
    return order


def _add_once(session: Session, order: Order) -> None:
    """Insert an order that carries an integrator's id; a second one with it is a 409."""
    existing = _by_external_id(session, order)
    if existing is None:
        try:
            with session.begin_nested():
                session.add(order)
        except IntegrityError:  # the same id committed a moment ago by a concurrent request
            existing = _by_external_id(session, order)
            if existing is None:
                raise
    if existing is not None:
        raise DuplicateExternalId(
            f"An order with external_id {order.external_id!r} from source {order.source!r} "
            f"exists already: ord_{existing}",
            param="external_id",
            details={"order_id": f"ord_{existing}"},
        )


def _by_external_id(session: Session, order: Order) -> int | None:
    return session.scalar(
        select(Order.number).where(
            Order.tenant_id == order.tenant_id,
            Order.source == order.source,
            Order.external_id == order.external_id,
        )
    )


def transition(
    session: Session,
    order: Order,
    target: OrderStatus,
    *,
    actor: str,
    note: str | None = None,
) -> Order:
    """Move the order to `target` if the lifecycle allows it; the same status is a no-op."""
    current = OrderStatus(order.status)
    if target == current:
        return order
    if target == OrderStatus.CANCELLED:
        return cancel_order(
            session, order, CancelIn(reason=CancelReason.OTHER, note=note), actor=actor
        )
    if not can_transition(current, target):
        raise_illegal(current, target)
    _set_status(session, order, target, actor=actor, note=note)
    return order


def raise_illegal(current: OrderStatus, target: OrderStatus) -> None:
    """Raise IllegalTransition naming the statuses that are allowed from `current`."""
    allowed = [s.value for s in allowed_transitions(current)]
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
    emit(session, order, "order.status_changed", {"previous_status": previous, **(extra or {})})


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
    """Deliver a still-pending order to `address`; a timeline entry and an event say so."""
    if order.status != OrderStatus.PENDING:
        raise Conflict("Only a pending order's address can be changed", param="status")
    previous = order.delivery.get("address")
    order.delivery = {**order.delivery, "address": address}
    order.delivery.pop("location", None)
    order.updated_at = utcnow()
    add_timeline(
        session,
        order,
        kind="delivery_changed",
        type="info",
        title="Delivery address changed",
        description=address,
        actor=actor,
        data={"from": previous, "to": address},
    )
    emit(session, order, "order.updated", {"changed": ["delivery"]})
    return order


def update_order(session: Session, order: Order, data: OrderUpdate, *, actor: str) -> Order:
    """Apply a PATCH: notes replaced, metadata merged (None deletes a key), then the status."""
    fields = data.model_fields_set
    changed: list[str] = []
    if "notes" in fields and data.notes != order.notes:
        order.notes = data.notes
        changed.append("notes")
    if "metadata" in fields and data.metadata:
        merged = dict(order.meta)
        for key, value in data.metadata.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        if len(merged) > MAX_METADATA_KEYS:
            raise ValidationFailed(
                f"metadata may hold at most {MAX_METADATA_KEYS} keys", param="metadata"
            )
        if merged != order.meta:
            order.meta = merged
            changed.append("metadata")
    if changed:
        order.updated_at = utcnow()
        emit(session, order, "order.updated", {"changed": changed})
    if data.status is not None:
        transition(session, order, data.status, actor=actor)
    return order


def fulfill_order(
    session: Session, order: Order, data: FulfillmentIn, *, actor: str
) -> Fulfillment:
    """Hand over items (all that are left when none are named) with tracking.

    When nothing is left to fulfil, an open order moves on: to delivered for a pickup,
    to out_for_delivery otherwise.
    """
    if order.status == OrderStatus.CANCELLED:
        raise Conflict("A cancelled order cannot be fulfilled", param="id")
    if data.items:
        picked = resolve_items(order, data.items, available="fulfilled_quantity")
    else:
        picked = [(i, i.quantity - i.fulfilled_quantity) for i in order.items]
        picked = [(i, q) for i, q in picked if q > 0]
        if not picked:
            raise Conflict("Every item of this order is already fulfilled", param="items")
    for item, quantity in picked:
        item.fulfilled_quantity += quantity
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
    if all(i.fulfilled_quantity >= i.quantity for i in order.items):
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
