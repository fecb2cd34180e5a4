"""Payment links: one open request per order for what is still due, created once and reused.

Only database work here; a provider's HTTP call (bot.payments) happens outside these
transactions and records its answer with `link_sent`.
"""

from __future__ import annotations

import secrets

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orders_core.models import Order, PaymentLink, utcnow

OPEN = ("created", "pending")
# Our own reference for providers that take one (local, Paystack, Razorpay's reference_id).
OUR_REFERENCE = ("local", "paystack", "razorpay")


def amount_due(order: Order) -> int:
    """What the customer still owes on the order (never negative)."""
    return max(order.total - order.amount_paid, 0)


def open_link(session: Session, order_id: int) -> PaymentLink | None:
    """The order's newest link still waiting for money, if any."""
    return session.scalars(
        select(PaymentLink)
        .where(PaymentLink.order_id == order_id, PaymentLink.status.in_(OPEN))
        .order_by(PaymentLink.attempt.desc())
        .limit(1)
    ).first()


def payment_link_for(
    session: Session, order: Order, *, provider: str, base_url: str
) -> PaymentLink | None:
    """The order's open link for what is due through `provider`: the same one every time
    (a reminder reuses it) until it is paid, fails, or the amount due changes. None when
    nothing is due. Its `url` is the page `/pay/<token>` on this server."""
    due = amount_due(order)
    if due <= 0:
        return None
    existing = open_link(session, order.id)
    if existing and existing.amount == due and existing.provider == provider:
        return existing
    if existing:
        existing.status, existing.updated_at = "expired", utcnow()
    attempt = (
        session.scalar(
            select(func.max(PaymentLink.attempt)).where(PaymentLink.order_id == order.id)
        )
        or 0
    ) + 1
    token = secrets.token_urlsafe(24)
    link = PaymentLink(
        tenant_id=order.tenant_id,
        order_id=order.id,
        attempt=attempt,
        provider=provider,
        token=token,
        provider_reference=f"co_{secrets.token_hex(10)}" if provider in OUR_REFERENCE else None,
        amount=due,
        currency=order.currency,
        status="created",
        url=f"{base_url.rstrip('/')}/pay/{token}",
        phone=order.customer_phone,
        created_at=utcnow(),
        updated_at=utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(link)
    except IntegrityError:  # another process made this attempt first: use theirs
        return open_link(session, order.id)
    return link


def link_by_token(session: Session, token: str) -> PaymentLink | None:
    """The link behind a `/pay/<token>` page."""
    return session.scalars(select(PaymentLink).where(PaymentLink.token == token)).first()


def link_by_reference(
    session: Session, tenant_id: int, provider: str, reference: str
) -> PaymentLink | None:
    """The tenant's link a provider event names; None for another business's or unknown."""
    return session.scalars(
        select(PaymentLink).where(
            PaymentLink.provider == provider,
            PaymentLink.provider_reference == reference,
            PaymentLink.tenant_id == tenant_id,
        )
    ).first()


def link_sent(
    session: Session,
    link_id: int,
    *,
    provider_url: str | None = None,
    provider_reference: str | None = None,
) -> None:
    """Record the provider's answer: the link is now pending at the provider (unless it was
    settled meanwhile)."""
    values: dict[str, object] = {"status": "pending", "updated_at": utcnow()}
    if provider_url:
        values["provider_url"] = provider_url
    if provider_reference:
        values["provider_reference"] = provider_reference
    session.execute(
        update(PaymentLink)
        .where(PaymentLink.id == link_id, PaymentLink.status.in_(OPEN))
        .values(**values)
    )


def link_failed(session: Session, link_id: int) -> None:
    """The provider refused or the customer gave up: the next ask makes a new link."""
    session.execute(
        update(PaymentLink)
        .where(PaymentLink.id == link_id, PaymentLink.status.in_(OPEN))
        .values(status="failed", updated_at=utcnow())
    )
