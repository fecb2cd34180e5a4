"""Placing an order: pricing from the catalog, numbering, the integrator's ids, and the
order's first timeline entry and event, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from orders_core.domain import (
    FINISHED_STATUSES,
    CancelReason,
    OrderStatus,
    PaymentStatus,
    format_money,
)
from orders_core.errors import DuplicateExternalId, ValidationFailed
from orders_core.events import add_timeline, emit
from orders_core.fields import MAX_AMOUNT
from orders_core.models import Order, OrderItem, Product, Tenant, utcnow
from orders_core.schemas import OrderCreate, PaymentIn
from orders_core.services.customers import upsert_customer
from orders_core.services.delivery import delivery_doc, zone_charge
from orders_core.services.external_ids import add_once
from orders_core.services.options import line_options
from orders_core.services.orders import STATUS_TITLES, stamp_status, status_entry
from orders_core.services.payments import record_payment
from orders_core.services.tenants import tenant_settings
from orders_core.versioning import CHANGED_TENANTS


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
        name, price, options = item.name, item.unit_price, []
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
            options = line_options(product, item.options, f"items[{index}].options")
        assert name is not None and price is not None  # guaranteed by OrderItemIn
        line_total = (price + sum(option["price"] for option in options)) * item.quantity
        if line_total > MAX_AMOUNT:
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
                subtotal=line_total,
                sku=item.sku,
                meta=item.metadata,
                options=options,
                note=item.note,
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
    """Create an order priced from the catalog; timeline and outbox included.

    It starts in `data.status` (pending unless an import or a paid checkout says otherwise;
    one `order.created` event carries it) with `data.payment` recorded in the same
    transaction. `catalog` (products by code, as of this transaction's tenant version)
    spares a query.
    """
    if data.status == OrderStatus.CANCELLED and (data.payment or data.payment_reference):
        raise ValidationFailed("A cancelled order cannot take a payment", param="payment")
    lines = _price_items(session, tenant, data, catalog)
    subtotal = sum(line.subtotal for line in lines)
    delivery_fee, zone = zone_charge(tenant_settings(tenant), data, subtotal, tenant.currency)
    total = subtotal - data.discount + data.tax + delivery_fee
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
    delivery = delivery_doc(data.delivery) if data.delivery else {}
    if "address" not in delivery and data.customer.address:
        delivery["address"] = data.customer.address
    if zone is not None:
        delivery["zone"] = zone
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
        customer_email=data.customer.email.lower() if data.customer.email else None,
        customer=customer_snapshot,
        currency=tenant.currency,
        subtotal=subtotal,
        discount=data.discount,
        tax=data.tax,
        delivery_fee=delivery_fee,
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
    if data.status != OrderStatus.PENDING:
        _start_in(session, order, data, actor=actor, now=now)
    # Orders imported already finished are history: the customer is not told of them again.
    imported = {"imported": True} if data.status in FINISHED_STATUSES else None
    emit(session, order, "order.created", imported)
    payment = data.payment or (
        PaymentIn(reference=data.payment_reference, method="other")
        if data.payment_reference
        else None
    )
    if payment is not None and order.total > 0:
        record_payment(session, order, payment, actor=actor, extra=imported)
    return order


def _start_in(
    session: Session, order: Order, data: OrderCreate, *, actor: str, now: datetime
) -> None:
    """Put a new order straight into `data.status`, with the timestamps and the one timeline
    entry a move there would have left."""
    target = data.status
    order.status = target
    stamp_status(order, target, now)
    if target == OrderStatus.ON_HOLD:
        order.held_from, order.hold_reason = OrderStatus.PENDING, data.status_note
    if target == OrderStatus.CANCELLED:
        order.cancel_reason, order.cancel_note = CancelReason.OTHER, data.status_note
        order.cancelled_at = now
    status_entry(
        session, order, OrderStatus.PENDING, target, note=data.status_note, actor=actor,
        extra={"on_create": True},
    )  # fmt: skip


def _add_once(session: Session, order: Order) -> None:
    """Insert an order that carries an integrator's id; a second one with it is a 409."""
    existing = add_once(session, order, lambda: _by_external_id(session, order))
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
