"""Staff deciding a transfer proof, from WhatsApp (PAID 1042 / UNPAID 1042 reason) or the
board: approval records the payment (the customer is told by the usual payment notice);
a rejection tells the customer the reason, in their language."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.language.replies import say
from bot.outbound import queue_message
from bot.recipients import answer_channel
from orders_core.domain import PaymentStatus, format_money
from orders_core.models import Conversation, Order, Tenant
from orders_core.services.transfer_proofs import (
    approve_transfer_proof,
    pending_proof,
    reject_transfer_proof,
)

DUE = (PaymentStatus.UNPAID, PaymentStatus.PARTIALLY_PAID)


def customer_language(session: Session, tenant_id: int, phone: str) -> str:
    """The language the customer chats in (English until the chat learned otherwise)."""
    data = session.scalar(
        select(Conversation.data).where(
            Conversation.tenant_id == tenant_id, Conversation.phone == phone
        )
    )
    return str((data or {}).get("lang") or "en")


def approve_proof(session: Session, order: Order, *, actor: str) -> str:
    """Approve the order's waiting proof: the balance is recorded as paid by transfer.
    Returns what staff are told."""
    before = order.amount_paid
    approve_transfer_proof(session, order, actor=actor)
    received = format_money(order.amount_paid - before, order.currency)
    return f"Order #{order.number}: transfer approved, {received} recorded as paid."


def reject_proof(
    session: Session, tenant: Tenant, order: Order, reason: str, *, actor: str, now: datetime
) -> str:
    """Reject the order's waiting proof with `reason` and tell the customer why (in their
    language, on their chat). Returns what staff are told."""
    reject_transfer_proof(session, order, reason=reason, actor=actor)
    phone = order.customer_phone
    if not phone:
        return f"Order #{order.number}: transfer proof rejected (no customer phone to tell)."
    channel = answer_channel(session, tenant, order)
    lang = customer_language(session, tenant.id, phone)
    body = say(lang, "proof_rejected", number=order.number, reason=reason, business=tenant.name)
    queue_message(
        session, tenant, to_phone=phone, channel=channel, kind="notification", body=body,
        order_id=order.id, not_before=now, now=now,
    )  # fmt: skip
    return f"Order #{order.number}: transfer proof rejected; the customer is told: {reason}"


def proof_command(
    session: Session,
    tenant: Tenant,
    order: Order,
    action: str,
    rest: str,
    *,
    actor: str,
    now: datetime,
) -> str | None:
    """PAID 1042 (no amount) approves a waiting proof; UNPAID 1042 <reason> rejects it.
    None for a PAID that is not about a proof (no proof waiting, or an amount given)."""
    waiting = pending_proof(session, order)
    if action == "paid":
        return approve_proof(session, order, actor=actor) if waiting and not rest else None
    if waiting is None:
        return f"Order #{order.number} has no transfer proof waiting: nothing to reject."
    if not rest:
        return (
            f"Say *UNPAID {order.number} reason*, e.g. *UNPAID {order.number} no money "
            "received yet*: the customer is told the reason."
        )
    return reject_proof(session, tenant, order, rest, actor=actor, now=now)
