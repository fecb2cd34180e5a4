"""Finding and locking a customer's conversation: one statement reads the conversation (locked
until the transaction ends), the customer and the open checkout, and for a customer who
wrote before, the business's version too. One customer's messages are handled one at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Row, Select, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from bot.chat_step import State
from orders_core.models import Checkout, CheckoutStatus, Conversation, Customer, Tenant


@dataclass(frozen=True)
class LockedChat:
    """A conversation locked until the transaction ends, with what the same statement read:
    the customer with its phone and its open checkout (the cart), if there are any."""

    conversation: Conversation
    customer: Customer | None
    checkout: Checkout | None


@dataclass(frozen=True)
class TenantVersion:
    """The business's row version, read with the conversation (for the tenant cache)."""

    id: int
    version: int
    created_at: datetime


def _locking(phone: str) -> Select[tuple[int, int, datetime, Conversation, Customer, Checkout]]:
    return (
        select(Tenant.id, Tenant.version, Tenant.created_at, Conversation, Customer, Checkout)
        .join(Conversation, Conversation.tenant_id == Tenant.id)
        .outerjoin(
            Customer,
            (Customer.tenant_id == Conversation.tenant_id) & (Customer.phone == Conversation.phone),
        )
        .outerjoin(
            Checkout,
            (Checkout.conversation_id == Conversation.id)
            & (Checkout.status == CheckoutStatus.OPEN.value),
        )
        .where(Conversation.phone == phone)
        .with_for_update(of=Conversation)
    )


def _locked(row: Row[tuple[int, int, datetime, Conversation, Customer, Checkout]]) -> LockedChat:
    return LockedChat(conversation=row[3], customer=row[4], checkout=row[5])


def find_conversation(
    session: Session, number: str, phone: str
) -> tuple[TenantVersion, LockedChat] | None:
    """The existing conversation of `phone` with the business whose sender is `number`,
    locked, and that business's version: one statement for a customer who wrote before.

    One customer's messages are handled one at a time: a second one waits here.
    """
    row = session.execute(
        _locking(phone).where((Tenant.whatsapp_number == number) | (Tenant.sms_number == number))
    ).one_or_none()
    if row is None:
        return None
    return TenantVersion(row[0], row[1], row[2]), _locked(row)


def lock_conversation(session: Session, tenant_id: int, phone: str, now: datetime) -> LockedChat:
    """The conversation of (tenant, phone), created if new and locked until the transaction
    ends, with the customer and the open checkout (read by the same statement)."""
    query = _locking(phone).where(Tenant.id == tenant_id)
    row = session.execute(query).one_or_none()
    if row is not None:
        return _locked(row)
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(Conversation)
        .values(
            tenant_id=tenant_id,
            phone=phone,
            state=State.BROWSING.value,
            data={},
            last_activity_at=now,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["tenant_id", "phone"])
    )
    return _locked(session.execute(query).one())
