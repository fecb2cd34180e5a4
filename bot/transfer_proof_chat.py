"""A customer's picture of a bank transfer sent in the chat: attached to their order still
waiting for money, the customer thanked, staff alerted with the picture and what to reply.

Which pictures are proofs: an image or a PDF, sent by a customer of a business that takes
bank transfers (`bank_transfer` among its payment methods), while they have an order that is
not cancelled and still has money due (unpaid or part paid; the newest such order). A
business without transfers answers pictures as before; a picture with no order waiting for
money is answered with what the customer can do.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.chat_step import Incoming
from bot.language.replies import say
from bot.staff import alert_staff
from bot.transfer_proof_decisions import DUE
from orders_core.domain import OrderStatus, format_money
from orders_core.models import Customer, Order
from orders_core.services.payment_links import amount_due
from orders_core.services.transfer_proofs import attach_transfer_proof
from orders_core.tenant_cache import TenantSnapshot

PROOF_TYPES = ("image/", "application/pdf")


def is_proof_picture(content_type: str | None) -> bool:
    """An image or a PDF (a voice note or a video is not a receipt); unknown types count."""
    return not content_type or content_type.lower().startswith(PROOF_TYPES)


def awaiting_money(session: Session, tenant_id: int, phone: str) -> Order | None:
    """The customer's newest order that is not cancelled and still has money due, locked."""
    return session.scalars(
        select(Order)
        .where(
            Order.tenant_id == tenant_id,
            Order.customer_phone == phone,
            Order.status != OrderStatus.CANCELLED,
            Order.payment_status.in_(DUE),
        )
        .order_by(Order.number.desc())
        .limit(1)
        .with_for_update(of=Order)
    ).first()


def staff_alert(order: Order, customer: Customer, media_url: str) -> str:
    """What staff are told of a proof: who, which order, how much, the picture, the replies."""
    who = f"{customer.name} ({customer.phone})" if customer.name else customer.phone
    due = format_money(amount_due(order), order.currency)
    return (
        f"🧾 Order #{order.number}: {who} sent a picture of a transfer ({due} due).\n"
        f"{media_url}\n"
        f"When the money is in, reply *PAID {order.number}*; if it is not, "
        f"*UNPAID {order.number} reason* (the customer is told the reason)."
    )


def proof_reply(
    session: Session,
    business: TenantSnapshot,
    customer: Customer,
    incoming: Incoming,
    lang: str,
    now: datetime,
) -> tuple[str, int | None] | None:
    """The answer to a picture that may be a transfer proof, and the order it was filed
    under: attached to the order waiting for money (staff alerted, the customer thanked) or,
    with none, what the customer can do. None when it is not one (no picture, not a
    receipt's type, no bank transfers): the chat answers as before."""
    payments = business.settings.payments
    url, kind = incoming.media_url, incoming.media_type
    if not url or not is_proof_picture(kind) or "bank_transfer" not in payments.methods:
        return None
    order = awaiting_money(session, business.tenant.id, customer.phone)
    if order is None:
        return say(lang, "proof_no_order"), None
    attach_transfer_proof(session, order, url, content_type=kind)
    alert = staff_alert(order, customer, url)
    alert_staff(session, business.tenant, alert, order_id=order.id, now=now)
    return say(lang, "proof_received", number=order.number), order.id
