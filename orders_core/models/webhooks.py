"""Outbound webhooks: the business systems a tenant registered, and each delivery to them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from orders_core.models.base import Base, BigId, utcnow


class WebhookEndpoint(Base):
    """A URL that receives the tenant's order events, signed with a secret derived per endpoint.

    Only a random salt is stored; the signing secret is HMAC(SECRET_KEY, id + salt), so the
    database alone never reveals it.
    """

    __tablename__ = "webhook_endpoints"
    __table_args__ = (Index("ix_webhook_endpoints_tenant_id", "tenant_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str | None] = mapped_column(String(500))
    events: Mapped[list[Any]] = mapped_column(default=list)
    enabled: Mapped[bool] = mapped_column(default=True)
    salt: Mapped[str] = mapped_column(String(64))
    failing_since: Mapped[datetime | None]  # first failure with no success after it
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def public_id(self) -> str:
        """The id the API shows, e.g. we_12."""
        return f"we_{self.id}"


class WebhookDelivery(Base):
    """One event on its way to one URL (an endpoint's or an order's), with its own retries."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("outbox_event_id", "url"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_endpoint", "endpoint_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    outbox_event_id: Mapped[int] = mapped_column(ForeignKey("outbox.id", ondelete="CASCADE"))
    endpoint_id: Mapped[int | None] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE")
    )  # None for an order's own webhook_urls
    url: Mapped[str] = mapped_column(String(2000))
    status: Mapped[str] = mapped_column(String(20))  # pending|delivering|succeeded|failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
