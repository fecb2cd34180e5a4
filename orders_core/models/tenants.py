"""Tenants (businesses), their staff and their API keys."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from orders_core.models.base import Base, BigId, utcnow


class Tenant(Base):
    """A business taking orders; its WhatsApp number identifies it on inbound messages."""

    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    whatsapp_number: Mapped[str | None] = mapped_column(String(20), unique=True)
    sms_number: Mapped[str | None] = mapped_column(String(20), unique=True)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    next_order_number: Mapped[int] = mapped_column(default=1001)
    # Bumped by every change to the tenant, its staff or its catalog (orders_core.versioning):
    # each process's cached copy (orders_core.tenant_cache) is reloaded when it moves.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    staff: Mapped[list[StaffMember]] = relationship(
        back_populates="tenant", cascade="all, delete-orphan", order_by="StaffMember.id"
    )


class StaffMember(Base):
    """A phone number allowed to run the tenant's orders by chat."""

    __tablename__ = "staff_members"
    __table_args__ = (UniqueConstraint("tenant_id", "phone"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    phone: Mapped[str] = mapped_column(String(20), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    tenant: Mapped[Tenant] = relationship(back_populates="staff")


class ApiKey(Base):
    """A secret key for the REST API; only its SHA-256 is stored."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    mode: Mapped[str] = mapped_column(String(4))  # live | test
    last4: Mapped[str] = mapped_column(String(4))
    name: Mapped[str | None] = mapped_column(String(200))
    rate_limit_per_minute: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
