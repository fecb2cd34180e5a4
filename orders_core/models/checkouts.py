"""Checkouts: a cart on its way to becoming an order, from the API or the chat."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from orders_core.models.base import Base, BigId, Money, utcnow


class CheckoutStatus(StrEnum):
    """What a checkout is. `abandoned` is never stored: it is an open checkout idle for
    longer than the tenant's abandoned_cart_minutes, read as such at the time of asking."""

    OPEN = "open"
    ABANDONED = "abandoned"
    COMPLETED = "completed"
    EXPIRED = "expired"


class Checkout(Base):
    """Items and a customer, priced live from the catalog until completed into one order.

    A chat cart is a checkout linked to its conversation (one open checkout per
    conversation); `items` are order lines as the API takes them (`product_id`, `quantity`,
    or an ad-hoc `name` and `unit_price`), with the customer's `note` on a chat line.
    """

    __tablename__ = "checkouts"
    __table_args__ = (
        Index("ix_checkouts_tenant_id", "tenant_id", "id"),
        Index("ix_checkouts_tenant_status_activity", "tenant_id", "status", "last_activity_at"),
        Index(
            "uq_checkouts_open_conversation",
            "conversation_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        Index(
            "uq_checkouts_tenant_source_external",
            "tenant_id",
            "source",
            "external_id",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(40), unique=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(
        String(12), default=CheckoutStatus.OPEN.value
    )  # open|completed|expired
    channel: Mapped[str] = mapped_column(String(10))
    source: Mapped[str | None] = mapped_column(String(40))
    external_id: Mapped[str | None] = mapped_column(String(200))
    external_number: Mapped[str | None] = mapped_column(String(100))
    customer: Mapped[dict[str, Any]] = mapped_column(default=dict)
    items: Mapped[list[Any]] = mapped_column(default=list)
    delivery: Mapped[dict[str, Any] | None]
    delivery_fee: Mapped[int] = mapped_column(Money, default=0)
    notes: Mapped[str | None] = mapped_column(Text)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
