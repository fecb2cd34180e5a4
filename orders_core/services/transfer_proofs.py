"""Bank-transfer proofs: a customer's screenshot attached to an order, approved or rejected
by staff. Approval records the payment (timeline + outbox + payment.recorded)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from orders_core.errors import Conflict, NotFound
from orders_core.events import add_timeline
from orders_core.models import Order, TransferProof, utcnow
from orders_core.schemas import PaymentIn
from orders_core.services.payment_links import amount_due
from orders_core.services.payments import record_payment


def attach_transfer_proof(
    session: Session, order: Order, media_url: str, *, content_type: str | None = None
) -> TransferProof:
    """Attach the customer's picture of a transfer to the order, waiting for staff."""
    proof = TransferProof(
        tenant_id=order.tenant_id,
        order_id=order.id,
        media_url=media_url,
        content_type=content_type,
        status="pending",
        created_at=utcnow(),
    )
    session.add(proof)
    session.flush()
    add_timeline(
        session, order, kind="payment", title="Transfer proof received",
        description="The customer sent a picture of their transfer: approve or reject it",
        actor="customer", data={"transfer_proof_id": proof.id, "media_url": media_url},
    )  # fmt: skip
    return proof


def pending_proof(session: Session, order: Order) -> TransferProof | None:
    """The order's newest proof still waiting for a decision."""
    return session.scalars(
        select(TransferProof)
        .where(TransferProof.order_id == order.id, TransferProof.status == "pending")
        .order_by(TransferProof.id.desc())
        .limit(1)
    ).first()


def _decide(session: Session, order: Order) -> TransferProof:
    proof = pending_proof(session, order)
    if proof is None:
        raise NotFound("This order has no transfer proof waiting", param="id")
    return proof


def approve_transfer_proof(
    session: Session, order: Order, *, actor: str, amount: int | None = None
) -> TransferProof:
    """Staff saw the money: the payment (what is due, or `amount`) is recorded once."""
    proof = _decide(session, order)
    if amount_due(order) <= 0:
        raise Conflict("This order is already paid in full", param="amount")
    record_payment(
        session, order, PaymentIn(amount=amount, method="transfer"), actor=actor,
        extra={"transfer_proof_id": proof.id},
    )  # fmt: skip
    proof.status, proof.decided_by, proof.decided_at = "approved", actor, utcnow()
    return proof


def reject_transfer_proof(
    session: Session, order: Order, *, reason: str, actor: str
) -> TransferProof:
    """Staff did not find the money: the proof is rejected with the reason (on the timeline)."""
    proof = _decide(session, order)
    proof.status, proof.reason = "rejected", reason
    proof.decided_by, proof.decided_at = actor, utcnow()
    add_timeline(
        session, order, kind="payment", type="warning", title="Transfer proof rejected",
        description=reason, actor=actor, data={"transfer_proof_id": proof.id},
    )  # fmt: skip
    return proof
