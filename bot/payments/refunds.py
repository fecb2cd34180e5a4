"""Money back through the provider that took it: Paystack and Razorpay refund by API;
M-Pesa (and anything not paid through a provider) must be refunded by hand, and the order's
timeline says which."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select

from bot.payments.base import ProviderError
from bot.payments.registry import NotConfigured, Wiring, provider_for
from orders_core.db import Database
from orders_core.domain import format_money
from orders_core.events import add_timeline
from orders_core.models import ProviderPayment, Tenant
from orders_core.services.orders import get_order
from orders_core.services.tenants import tenant_settings

log = logging.getLogger(__name__)
NAMES = {"local": "the local test page", "paystack": "Paystack", "razorpay": "Razorpay",
         "mpesa": "M-Pesa"}  # fmt: skip


@dataclass(frozen=True)
class RefundNote:
    """What happened at the provider: its refund id, or why it must be done by hand."""

    provider: str | None
    refund_id: str | None
    message: str


def refund_at_provider(
    database: Database, wiring: Wiring, tenant_id: int, order_id: str, amount: int
) -> RefundNote:
    """Refund `amount` of the order's provider payment at that provider (the HTTP call is
    made outside any transaction), and say on the timeline what was done or is left to do."""
    with database.read() as session:
        order = get_order(session, tenant_id, order_id)
        ledger = session.scalars(
            select(ProviderPayment)
            .where(ProviderPayment.order_id == order.id, ProviderPayment.payment_id.is_not(None))
            .order_by(ProviderPayment.id.desc())
            .limit(1)
        ).first()
        tenant = session.get(Tenant, tenant_id)
        assert tenant is not None
        payments = tenant_settings(tenant).payments
        money = format_money(amount, order.currency)
    if ledger is None:
        note = RefundNote(None, None, f"{money} was not paid through a provider: refund it by hand")
    else:
        name = NAMES.get(ledger.provider, ledger.provider)
        try:
            provider = provider_for(ledger.provider, tenant_id, payments, wiring)
            refund_id = provider.refund(ledger.provider_reference, amount, order.currency)
        except (ProviderError, NotConfigured) as exc:
            log.warning("refund at %s failed: %s", ledger.provider, exc)
            refund_id = None
        if refund_id:
            note = RefundNote(
                ledger.provider, refund_id, f"{money} refunded at {name} ({refund_id})"
            )
        else:
            note = RefundNote(ledger.provider, None, f"{money} must be refunded by hand at {name}")
    with database.write() as session:
        order = get_order(session, tenant_id, order_id)
        add_timeline(
            session, order, kind="refund", type="info" if note.refund_id else "warning",
            title="Refund at the provider" if note.refund_id else "Refund by hand",
            description=note.message, actor="system",
        )  # fmt: skip
    return note
