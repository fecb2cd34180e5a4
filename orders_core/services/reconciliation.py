"""A provider's word that money moved becomes exactly one payment on the right order.

`reconcile` is the one code path for every provider (local page, Paystack, Razorpay, M-Pesa,
a status poll): the event id and the provider reference are unique in the database, so a
retried, replayed or concurrent callback records nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orders_core.domain import OrderStatus, format_money
from orders_core.events import add_timeline
from orders_core.models import Order, PaymentLink, ProviderEvent, ProviderPayment, utcnow
from orders_core.schemas import PaymentIn
from orders_core.services.payment_links import amount_due, link_by_reference
from orders_core.services.payments import record_payment

# Payment.method for each provider (the API's methods).
METHODS = {"local": "other", "paystack": "card", "razorpay": "other", "mpesa": "mobile_money"}


@dataclass(frozen=True)
class ProviderResult:
    """What a provider says about one charge, already verified with the provider.

    `event_id` is unique per provider for the callback (a replay carries the same one);
    `reference` names the link (ours, or the provider's id for M-Pesa); `paid` False is a
    failed or cancelled charge. `amount` is in the currency's minor unit.
    """

    provider: str
    event_id: str
    reference: str
    paid: bool
    amount: int
    currency: str
    charge_id: str | None = None


def _first_time(session: Session, tenant_id: int, result: ProviderResult) -> ProviderEvent | None:
    """Claim the event id; None when it was seen before (also by a concurrent request)."""
    row = ProviderEvent(
        tenant_id=tenant_id,
        provider=result.provider,
        event_id=result.event_id,
        outcome="received",
        received_at=utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None
    return row


def _claim_charge(session: Session, order: Order, result: ProviderResult) -> ProviderPayment | None:
    """The charge's ledger row, or None when this charge was already recorded."""
    row = ProviderPayment(
        tenant_id=order.tenant_id,
        order_id=order.id,
        provider=result.provider,
        provider_reference=result.charge_id or result.reference,
        amount=result.amount,
        currency=result.currency,
        created_at=utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None
    return row


def _flag(session: Session, order: Order, title: str, description: str, actor: str) -> None:
    add_timeline(
        session, order, kind="payment", type="warning", title=title, description=description,
        actor=actor,
    )  # fmt: skip


def reconcile(session: Session, tenant_id: int, result: ProviderResult) -> str:
    """Apply a verified provider result to the tenant's order; returns the outcome:

    "unknown" (no such link for this business: nothing changes), "replay" (event seen
    before), "failed" (link marked failed), "duplicate" (charge already recorded),
    "wrong_currency" / "cancelled" / "already_paid" (nothing recorded, flagged on the
    timeline), "recorded" (one payment: timeline + outbox + payment.recorded; an
    underpayment leaves the order partially paid; an overpayment records what was due and
    flags the difference to refund).
    """
    link = link_by_reference(session, tenant_id, result.provider, result.reference)
    if link is None:
        return "unknown"
    event = _first_time(session, tenant_id, result)
    if event is None:
        return "replay"
    order = session.scalars(select(Order).where(Order.id == link.order_id).with_for_update()).one()
    actor = f"provider:{result.provider}"
    if not result.paid:
        if link.status in ("created", "pending"):
            link.status, link.updated_at = "failed", utcnow()
        return _done(event, "failed")
    ledger = _claim_charge(session, order, result)
    if ledger is None:
        return _done(event, "duplicate")
    money = format_money(result.amount, result.currency)
    if result.currency != order.currency:
        _flag(session, order, "Payment in another currency not recorded",
              f"{money} by {result.provider} ({result.reference}); the order is in "
              f"{order.currency}", actor)  # fmt: skip
        return _done(event, "wrong_currency")
    due = amount_due(order)
    if order.status == OrderStatus.CANCELLED or due <= 0:
        why = "cancelled" if order.status == OrderStatus.CANCELLED else "already_paid"
        _flag(session, order, "Payment received on a closed order: refund it",
              f"{money} by {result.provider} ({result.reference})", actor)  # fmt: skip
        return _done(event, why)
    payment = record_payment(
        session,
        order,
        PaymentIn.model_construct(
            amount=min(result.amount, due),
            method=METHODS.get(result.provider, "other"),
            reference=result.reference,
        ),
        actor=actor,
        extra={"provider": result.provider},
    )
    ledger.payment_id = payment.id
    if result.amount > due:
        extra = format_money(result.amount - due, result.currency)
        _flag(session, order, f"Overpaid by {extra}: refund the difference",
              f"{money} received by {result.provider} for {format_money(due, order.currency)} "
              "due", actor)  # fmt: skip
    _settle_link(link, order)
    return _done(event, "recorded")


def _done(event: ProviderEvent, outcome: str) -> str:
    event.outcome = outcome
    return outcome


def _settle_link(link: PaymentLink, order: Order) -> None:
    link.status = "paid" if amount_due(order) <= 0 else "expired"
    link.updated_at = utcnow()
