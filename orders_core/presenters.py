"""ORM rows turned into the API's response models (and outbox payloads)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from orders_core.models import (
    Customer,
    Fulfillment,
    Order,
    Payment,
    Product,
    Refund,
    Return,
    TimelineEvent,
)
from orders_core.return_presenters import return_out, returnable_quantities
from orders_core.schemas import (
    CustomerOut,
    FulfillmentOut,
    OrderItemOut,
    OrderOut,
    PaymentOut,
    ProductOut,
    RefundOut,
    TimelineEventOut,
)

EMBEDDABLE = ("payments", "refunds", "fulfillments", "returns")


@dataclass(frozen=True)
class Related:
    """What happened to an order, for embedding: payments, refunds, fulfillments, returns."""

    payments: list[Payment] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)
    fulfillments: list[Fulfillment] = field(default_factory=list)
    returns: list[Return] = field(default_factory=list)


def order_out(
    order: Order, related: Related | None = None, embed: Iterable[str] = EMBEDDABLE
) -> OrderOut:
    """The API view of an order with its lines; with `related`, the `embed` lists too (and
    each line's returnable_quantity with the returns)."""
    embedded: dict[str, Any] = {}
    returnable: dict[int, int] = {}
    if related is not None:
        makers = {"payments": payment_out, "refunds": refund_out,
                  "fulfillments": fulfillment_out, "returns": return_out}  # fmt: skip
        embedded = {
            name: [makers[name](row, order) for row in getattr(related, name)] for name in embed
        }
        if "returns" in embed:
            returnable = returnable_quantities(order, related.returns)
    return OrderOut(
        id=order.public_id,
        number=order.number,
        status=order.status,
        payment_status=order.payment_status,
        fulfillment_status=order.fulfillment_status,
        channel=order.channel,
        source=order.source,
        external_id=order.external_id,
        external_number=order.external_number,
        customer=order.customer,
        items=[
            OrderItemOut(
                id=f"item_{item.id}",
                product_id=item.product_code,
                name=item.name,
                quantity=item.quantity,
                unit_price=item.unit_price,
                subtotal=item.subtotal,
                refunded_quantity=item.refunded_quantity,
                fulfilled_quantity=item.fulfilled_quantity,
                sku=item.sku,
                metadata=item.meta,
                options=item.options or [],
                note=item.note,
                returnable_quantity=returnable.get(item.id),
            )
            for item in order.items
        ],
        subtotal=order.subtotal,
        discount=order.discount,
        tax=order.tax,
        delivery_fee=order.delivery_fee,
        total=order.total,
        amount_paid=order.amount_paid,
        amount_refunded=order.amount_refunded,
        amount_due=order.amount_due,
        payment_reference=order.payment_reference,
        currency=order.currency,
        notes=order.notes,
        metadata=order.meta,
        delivery=order.delivery,
        webhook_urls=order.webhook_urls,
        meta=order.webhook_meta,
        cancel_reason=order.cancel_reason,
        cancel_note=order.cancel_note,
        held_from=order.held_from,
        hold_reason=order.hold_reason,
        confirmed_at=order.confirmed_at,
        delivered_at=order.delivered_at,
        cancelled_at=order.cancelled_at,
        ready_at=order.ready_at,
        created_at=order.created_at,
        updated_at=order.updated_at,
        **embedded,
    )


def order_payload(order: Order) -> dict[str, Any]:
    """The order as JSON-ready data, for outbox events and webhooks."""
    return order_out(order).model_dump(mode="json")


def payment_out(payment: Payment, order: Order) -> PaymentOut:
    """The API view of a payment."""
    return PaymentOut(
        id=f"pay_{payment.id}",
        order_id=order.public_id,
        amount=payment.amount,
        currency=order.currency,
        method=payment.method,
        reference=payment.reference,
        created_at=payment.created_at,
    )


def refund_out(refund: Refund, order: Order) -> RefundOut:
    """The API view of a refund."""
    return RefundOut(
        id=f"re_{refund.id}",
        order_id=order.public_id,
        amount=refund.amount,
        currency=order.currency,
        reason=refund.reason,
        items=refund.items,
        created_at=refund.created_at,
    )


def fulfillment_out(fulfillment: Fulfillment, order: Order) -> FulfillmentOut:
    """The API view of a fulfillment."""
    return FulfillmentOut(
        id=f"ful_{fulfillment.id}",
        order_id=order.public_id,
        items=fulfillment.items,
        tracking={
            "number": fulfillment.tracking_number,
            "company": fulfillment.tracking_company,
            "url": fulfillment.tracking_url,
        },
        notify_customer=fulfillment.notify_customer,
        created_at=fulfillment.created_at,
    )


def timeline_out(event: TimelineEvent) -> TimelineEventOut:
    """The API view of a timeline entry."""
    return TimelineEventOut(
        id=f"evt_{event.id}",
        kind=event.kind,
        type=event.type,
        title=event.title,
        description=event.description,
        actor=event.actor,
        metadata=event.data,
        timestamp=event.created_at,
    )


def product_out(product: Product, currency: str) -> ProductOut:
    """The API view of a product."""
    return ProductOut(
        id=product.code,
        name=product.name,
        unit_price=product.unit_price,
        currency=currency,
        description=product.description,
        aliases=list(product.aliases),
        category=product.category,
        available=product.available,
        option_groups=product.option_groups or [],
    )


def customer_out(customer: Customer) -> CustomerOut:
    """The API view of a customer."""
    return CustomerOut(
        id=f"cus_{customer.id}",
        phone=customer.phone,
        name=customer.name,
        email=customer.email,
        address=customer.address,
        opted_out=customer.opted_out,
        last_inbound_at=customer.last_inbound_at,
        created_at=customer.created_at,
    )


def fulfilment_label(order: Order) -> str | None:
    """How the order reaches the customer, for board cards and kitchen tickets: "Pickup",
    "Delivery · Lekki" (its delivery zone), "Delivery"; None when the order does not say."""
    method = order.delivery.get("method")
    if method == "pickup":
        return "Pickup"
    if method == "delivery" or order.delivery.get("address"):
        zone = order.delivery.get("zone")
        return f"Delivery · {zone}" if zone else "Delivery"
    return None
