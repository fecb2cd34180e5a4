"""What the board and the order page show of getting paid: "Awaiting payment" on orders the
business asked to pay before preparing, the transfer proof waiting for a decision, and (on
the order page) every proof and payment link."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from orders_core.domain import OrderStatus, PaymentStatus
from orders_core.models import Order, PaymentLink, TransferProof
from orders_core.payment_settings import PaymentSettings

DUE = frozenset({PaymentStatus.UNPAID, PaymentStatus.PARTIALLY_PAID})
# Asked to pay at confirmation: from then until it is done with (not before: not asked yet).
ASKED = frozenset(
    {
        OrderStatus.CONFIRMED,
        OrderStatus.PREPARING,
        OrderStatus.ON_HOLD,
        OrderStatus.OUT_FOR_DELIVERY,
    }
)
WEB_SCHEMES = ("https://", "http://")


@dataclass(frozen=True)
class Proof:
    """A transfer proof as the board shows it."""

    id: int
    url: str | None  # the picture's address; None when it is not a web address
    is_image: bool
    status: str
    reason: str | None
    decided_by: str | None
    created_at: datetime


@dataclass(frozen=True)
class OrderPayments:
    """The order page's payment section: proofs (newest first), links (newest first)."""

    awaiting: bool
    proofs: list[Proof]
    links: list[PaymentLink]


def proof_view(proof: TransferProof) -> Proof:
    """A proof for a page: its address only when it is a web address (never a script's)."""
    url = proof.media_url if proof.media_url.lower().startswith(WEB_SCHEMES) else None
    kind = (proof.content_type or "image/").lower()
    return Proof(
        id=proof.id,
        url=url,
        is_image=kind.startswith("image/"),
        status=proof.status,
        reason=proof.reason,
        decided_by=proof.decided_by,
        created_at=proof.created_at,
    )


def awaiting_payment(order: Order, payments: PaymentSettings) -> bool:
    """The business asks for payment before preparing, the order was asked, money is due."""
    return (
        payments.asks_before_preparing
        and OrderStatus(order.status) in ASKED
        and PaymentStatus(order.payment_status) in DUE
    )


def pending_proofs(session: Session, order_ids: Iterable[int]) -> dict[int, Proof]:
    """Per order id, its newest proof waiting for a decision (one statement for a board)."""
    ids = list(order_ids)
    if not ids:
        return {}
    found: dict[int, Proof] = {}
    rows = session.scalars(
        select(TransferProof)
        .where(TransferProof.order_id.in_(ids), TransferProof.status == "pending")
        .order_by(TransferProof.id)
    )
    for proof in rows:
        found[proof.order_id] = proof_view(proof)  # the newest wins
    return found


def order_payments(session: Session, order: Order, payments: PaymentSettings) -> OrderPayments:
    """The order's proofs and payment links, newest first, and whether it awaits payment."""
    proofs = session.scalars(
        select(TransferProof)
        .where(TransferProof.order_id == order.id)
        .order_by(TransferProof.id.desc())
    )
    links = session.scalars(
        select(PaymentLink).where(PaymentLink.order_id == order.id).order_by(PaymentLink.id.desc())
    )
    return OrderPayments(
        awaiting=awaiting_payment(order, payments),
        proofs=[proof_view(p) for p in proofs],
        links=list(links),
    )
