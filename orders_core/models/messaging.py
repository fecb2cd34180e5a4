"""Chat messages in both directions and the per-customer conversation state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from orders_core.models.base import Base, BigId, utcnow


class Message(Base):
    """A WhatsApp/SMS message, inbound or outbound; Twilio's MessageSid is unique.

    A retried inbound webhook carries the same sid and is processed once. Outbound
    messages are recorded before they are sent (status `pending`), so a crash between
    sending and recording can be reconciled instead of sending twice.
    """

    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_tenant_id", "tenant_id", "id"),
        Index("ix_messages_tenant_phone_id", "tenant_id", "customer_phone", "id"),
        Index("ix_messages_order_id", "order_id", "id"),
        # the sending claim: is an earlier message of this order to this recipient in flight?
        Index("ix_messages_order_recipient", "order_id", "to_number", "status", "id"),
        Index("ix_messages_delivery", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(8))  # inbound | outbound
    channel: Mapped[str] = mapped_column(String(10))  # whatsapp | sms
    sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    from_number: Mapped[str] = mapped_column(String(40))
    to_number: Mapped[str] = mapped_column(String(40))
    customer_phone: Mapped[str | None] = mapped_column(String(20))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    outbox_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox.id", ondelete="SET NULL")
    )
    kind: Mapped[str] = mapped_column(
        String(20), default="chat"
    )  # chat|reply|alert|notification|reminder
    body: Mapped[str | None] = mapped_column(Text)
    content_sid: Mapped[str | None] = mapped_column(String(64))
    content_variables: Mapped[dict[str, Any] | None]
    media: Mapped[list[Any]] = mapped_column(default=list)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)  # extra inbound fields
    status: Mapped[str] = mapped_column(String(20))
    error_code: Mapped[str | None] = mapped_column(String(20))
    error_message: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Conversation(Base):
    """Where one customer (or staff member) stands in the chat with one tenant.

    The customer's cart is their open checkout (Checkout.conversation_id).
    """

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("tenant_id", "phone"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    phone: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(30), default="browsing")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # While set and in the future, staff answer this customer and the bot stays quiet.
    taken_over_until: Mapped[datetime | None] = mapped_column(default=None)
