"""Returns of delivered items: what came back, why, and the refund that settled it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from orders_core.models.base import Base, BigId, Money, utcnow
from orders_core.models.orders import Order, OrderItem


class Return(Base):
    """A customer's return of some delivered units: requested, received, refunded or rejected."""

    __tablename__ = "returns"
    __table_args__ = (
        # GET /v1/returns: newest first per tenant, optionally by status.
        Index("ix_returns_tenant_id", "tenant_id", "id"),
        Index("ix_returns_tenant_status_id", "tenant_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    amount: Mapped[int] = mapped_column(Money)  # the returned lines' value
    refunded_amount: Mapped[int] = mapped_column(Money, default=0)
    refund_id: Mapped[int | None] = mapped_column(ForeignKey("refunds.id", ondelete="SET NULL"))
    rejection_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    received_at: Mapped[datetime | None]
    refunded_at: Mapped[datetime | None]
    rejected_at: Mapped[datetime | None]

    order: Mapped[Order] = relationship()
    lines: Mapped[list[ReturnLine]] = relationship(
        back_populates="parent", cascade="all, delete-orphan", order_by="ReturnLine.id"
    )

    @property
    def public_id(self) -> str:
        """The id the API shows, e.g. ret_12."""
        return f"ret_{self.id}"


class ReturnLine(Base):
    """Units of one order line in a return, at the price they were sold at."""

    __tablename__ = "return_lines"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id", ondelete="CASCADE"), index=True)
    order_item_id: Mapped[int] = mapped_column(
        ForeignKey("order_items.id", ondelete="CASCADE"), index=True
    )
    quantity: Mapped[int]
    unit_price: Mapped[int] = mapped_column(Money)
    amount: Mapped[int] = mapped_column(Money)

    parent: Mapped[Return] = relationship(back_populates="lines")
    item: Mapped[OrderItem] = relationship()
