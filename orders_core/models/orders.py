"""Orders, their lines, payments, refunds, fulfillments and timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from orders_core.domain import OrderStatus, fulfillment_status_for
from orders_core.models.base import Base, BigId, Money, utcnow


class Order(Base):
    """An order; `number` is the per-tenant sequence staff say ("1042")."""

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("tenant_id", "number"),
        Index("ix_orders_tenant_status_number", "tenant_id", "status", "number"),
        Index("ix_orders_tenant_payment_number", "tenant_id", "payment_status", "number"),
        Index("ix_orders_tenant_phone_number", "tenant_id", "customer_phone", "number"),
        Index(
            "ix_orders_tenant_created",
            "tenant_id",
            "created_at",
            "status",
            "payment_status",
            "channel",
            "total",
            "amount_paid",
            "amount_refunded",
            "source",
        ),  # covers the stats (net is paid - refunded; ?source=): they never read table rows
        Index(
            "uq_orders_tenant_source_external", "tenant_id", "source", "external_id", unique=True
        ),
        Index("ix_orders_tenant_external_id", "tenant_id", "external_id"),
        Index("ix_orders_tenant_external_number", "tenant_id", "external_number"),
        # Keyset pages under ?sort=updated_at and ?sort=total.
        Index("ix_orders_tenant_updated_number", "tenant_id", "updated_at", "number"),
        Index("ix_orders_tenant_total_number", "tenant_id", "total", "number"),
        Index("ix_orders_tenant_fulfillment_number", "tenant_id", "fulfillment_status", "number"),
        Index("ix_orders_tenant_email_number", "tenant_id", "customer_email", "number"),
        Index("ix_orders_tenant_payment_reference", "tenant_id", "payment_reference"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    number: Mapped[int]
    status: Mapped[str] = mapped_column(String(20))
    payment_status: Mapped[str] = mapped_column(String(20), default="unpaid")
    fulfillment_status: Mapped[str] = mapped_column(String(12), default="unfulfilled")
    # Where an order on hold goes back to when it resumes, and why it was held.
    held_from: Mapped[str | None] = mapped_column(String(20))
    hold_reason: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(10))
    # The integrator's own names for the order: where it came from (website, pos, shopify...)
    # and its id and number there; (source, external_id) is unique per tenant.
    source: Mapped[str | None] = mapped_column(String(40))
    external_id: Mapped[str | None] = mapped_column(String(200))
    external_number: Mapped[str | None] = mapped_column(String(100))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    customer_phone: Mapped[str | None] = mapped_column(String(20))
    customer_name: Mapped[str | None] = mapped_column(String(200))
    customer_email: Mapped[str | None] = mapped_column(String(320))
    customer: Mapped[dict[str, Any]] = mapped_column(default=dict)  # snapshot at order time
    currency: Mapped[str] = mapped_column(String(3))
    subtotal: Mapped[int] = mapped_column(Money)
    discount: Mapped[int] = mapped_column(Money, default=0)
    tax: Mapped[int] = mapped_column(Money, default=0)
    delivery_fee: Mapped[int] = mapped_column(Money, default=0)
    total: Mapped[int] = mapped_column(Money)
    amount_paid: Mapped[int] = mapped_column(Money, default=0)
    amount_refunded: Mapped[int] = mapped_column(Money, default=0)
    # The latest payment's reference (gateway id, transfer reference): found by ?q=.
    payment_reference: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    delivery: Mapped[dict[str, Any]] = mapped_column(default=dict)
    webhook_urls: Mapped[list[Any]] = mapped_column(default=list)
    webhook_meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    cancel_reason: Mapped[str | None] = mapped_column(String(32))
    cancel_note: Mapped[str | None] = mapped_column(Text)
    cancelled_at: Mapped[datetime | None]
    confirmed_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    ready_at: Mapped[datetime | None]  # when staff said it will be ready (CONFIRM 1042 30)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    items: Mapped[list[OrderItem]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderItem.position"
    )

    @property
    def public_id(self) -> str:
        """The id the API and the chat show, e.g. ord_1042."""
        return f"ord_{self.number}"

    @property
    def amount_due(self) -> int:
        """What the customer still has to pay; nothing on a cancelled order."""
        if self.status == OrderStatus.CANCELLED:
            return 0
        return max(self.total - self.amount_paid, 0)

    def refresh_fulfillment_status(self) -> None:
        """Set fulfillment_status from the lines and the status (delivered is fulfilled)."""
        self.fulfillment_status = fulfillment_status_for(
            ((i.quantity, i.fulfilled_quantity, i.unshipped_refunded) for i in self.items),
            delivered=self.status == OrderStatus.DELIVERED,
        )


class OrderItem(Base):
    """One line of an order, priced when the order was placed."""

    __tablename__ = "order_items"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    product_code: Mapped[str | None] = mapped_column(String(64))
    sku: Mapped[str | None] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int]
    unit_price: Mapped[int] = mapped_column(Money)
    subtotal: Mapped[int] = mapped_column(Money)
    refunded_quantity: Mapped[int] = mapped_column(default=0)
    fulfilled_quantity: Mapped[int] = mapped_column(default=0)
    # Of the refunded units, those that came back in a return: they had been handed over.
    returned_quantity: Mapped[int] = mapped_column(default=0)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    # The product's options chosen on the line, [{group, name, price}], priced at placing.
    options: Mapped[list[Any]] = mapped_column(default=list)
    note: Mapped[str | None] = mapped_column(Text)  # what the customer asked ("no pepper")

    order: Mapped[Order] = relationship(back_populates="items")

    @property
    def unit_total(self) -> int:
        """What one unit costs with its options (subtotal = unit_total x quantity)."""
        return self.unit_price + sum(option["price"] for option in self.options or [])

    @property
    def unshipped_refunded(self) -> int:
        """Refunded units that were never handed over (a returned unit had been)."""
        return self.refunded_quantity - self.returned_quantity


class Payment(Base):
    """Money received for an order."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    amount: Mapped[int] = mapped_column(Money)
    method: Mapped[str] = mapped_column(String(32))
    reference: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Refund(Base):
    """Money given back for an order, whole or in part."""

    __tablename__ = "refunds"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    amount: Mapped[int] = mapped_column(Money)
    reason: Mapped[str | None] = mapped_column(Text)
    items: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Fulfillment(Base):
    """Items handed over or dispatched, with tracking."""

    __tablename__ = "fulfillments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    items: Mapped[list[Any]] = mapped_column(default=list)
    tracking_number: Mapped[str | None] = mapped_column(String(200))
    tracking_company: Mapped[str | None] = mapped_column(String(200))
    tracking_url: Mapped[str | None] = mapped_column(String(2000))
    notify_customer: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TimelineEvent(Base):
    """One entry of an order's history."""

    __tablename__ = "timeline_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))  # status_changed, payment, note, ...
    type: Mapped[str] = mapped_column(String(10))  # success | pending | error | info
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str | None] = mapped_column(String(200))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
