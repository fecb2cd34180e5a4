"""Money asked for and received through payment providers: links, provider events, the
one payment per provider reference, and bank-transfer proofs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from orders_core.models.base import Base, BigId, Money, utcnow


class PaymentLink(Base):
    """A request for an order's money through one provider (local, paystack, razorpay, mpesa).

    `url` is the page on this server the customer is sent to (`/pay/<token>`); `provider_url`
    is the provider's checkout it redirects to, created on first visit. An order's open link
    is reused (an unpaid reminder sends the same one); `attempt` numbers the links of an order.
    """

    __tablename__ = "payment_links"
    __table_args__ = (
        UniqueConstraint("order_id", "attempt"),
        UniqueConstraint("provider", "provider_reference"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    attempt: Mapped[int] = mapped_column(default=1)
    provider: Mapped[str] = mapped_column(String(20))
    token: Mapped[str] = mapped_column(String(64), unique=True)
    provider_reference: Mapped[str | None] = mapped_column(String(200))
    amount: Mapped[int] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    # created (no provider call yet) | pending (sent to the provider) | paid | failed | expired
    status: Mapped[str] = mapped_column(String(10), default="created", index=True)
    url: Mapped[str] = mapped_column(String(2000))
    provider_url: Mapped[str | None] = mapped_column(String(2000))
    phone: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProviderEvent(Base):
    """A provider callback received: its id is unique per provider, so a replay is a no-op."""

    __tablename__ = "provider_events"
    __table_args__ = (UniqueConstraint("provider", "event_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProviderPayment(Base):
    """The payment a provider's charge became: one per (provider, provider reference)."""

    __tablename__ = "provider_payments"
    __table_args__ = (UniqueConstraint("provider", "provider_reference"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id", ondelete="SET NULL"))
    provider: Mapped[str] = mapped_column(String(20))
    provider_reference: Mapped[str] = mapped_column(String(200))
    # What the provider says it charged (the payment may record less: an overpayment).
    amount: Mapped[int] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TransferProof(Base):
    """A customer's picture of a bank transfer, waiting for staff to approve or reject it."""

    __tablename__ = "transfer_proofs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    media_url: Mapped[str] = mapped_column(String(2000))
    content_type: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(10), default="pending")  # approved | rejected
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]


class ProviderRefund(Base):
    """A refund (made through the API, the board or a cancellation) passed on to the provider
    that took the money: one per refund, claimed before the provider is called."""

    __tablename__ = "provider_refunds"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    refund_id: Mapped[int] = mapped_column(
        ForeignKey("refunds.id", ondelete="CASCADE"), unique=True
    )
    provider: Mapped[str] = mapped_column(String(20))
    # sending (claimed) | refunded (the provider took it) | by_hand (staff must do it)
    status: Mapped[str] = mapped_column(String(10), default="sending")
    provider_refund_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
