"""People who sign in to the dashboard with an email and a password, each with a role."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from orders_core.models.base import Base, BigId, utcnow


class StaffRole(StrEnum):
    """What a staff account may do on the dashboard (webhooks/pages/access.py says where)."""

    OWNER = "owner"
    COUNTER = "counter"
    KITCHEN = "kitchen"


class StaffAccount(Base):
    """A dashboard sign-in of one business. The email is stored lower-cased, so it is unique
    per business whatever its case; the same email may hold accounts at several businesses.
    `session_version` moves when the password changes or the account is disabled, which ends
    every session signed in before."""

    __tablename__ = "staff_accounts"
    __table_args__ = (UniqueConstraint("tenant_id", "email"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(320), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(10))
    password_hash: Mapped[str] = mapped_column(String(255))
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_sign_in_at: Mapped[datetime | None]
    disabled_at: Mapped[datetime | None]
