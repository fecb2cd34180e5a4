"""Money back through the provider that took it. A refund made anywhere (the API, the
board, a cancellation of a paid order) on an order paid through a provider is passed on to
that provider once, by the scheduler's payment job, outside any transaction: Paystack and
Razorpay refund by API; M-Pesa (and a provider that refuses) must be refunded by hand. The
order's timeline says which."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import exists, select, update
from sqlalchemy.exc import IntegrityError

from bot.payments.base import ProviderError
from bot.payments.registry import NotConfigured, Wiring, provider_for
from orders_core.db import Database
from orders_core.domain import format_money
from orders_core.events import add_timeline
from orders_core.models import Order, ProviderPayment, ProviderRefund, Refund, Tenant
from orders_core.services.tenants import tenant_settings

log = logging.getLogger(__name__)
BATCH = 50
NAMES = {"local": "the local test page", "paystack": "Paystack", "razorpay": "Razorpay",
         "mpesa": "M-Pesa"}  # fmt: skip


@dataclass(frozen=True)
class _Due:
    refund_id: int
    tenant_id: int
    order_id: int
    amount: int
    currency: str
    provider: str
    charge: str


def _claim(database: Database, limit: int) -> list[_Due]:
    """New refunds on provider-paid orders, each claimed (a ProviderRefund row) once."""
    with database.write() as session:
        rows = session.execute(
            select(Refund, ProviderPayment, Order.currency)
            .join(ProviderPayment, ProviderPayment.order_id == Refund.order_id)
            .join(Order, Order.id == Refund.order_id)
            .where(
                ProviderPayment.payment_id.is_not(None),
                Refund.created_at >= ProviderPayment.created_at,  # not one from before it
                ~exists().where(ProviderRefund.refund_id == Refund.id),
            )
            .order_by(Refund.id, ProviderPayment.id.desc())
            .limit(limit)
        ).all()
        latest: dict[int, _Due] = {}
        for refund, ledger, currency in rows:  # the order's latest provider charge
            latest.setdefault(refund.id, _Due(refund.id, refund.tenant_id, refund.order_id,
                                              refund.amount, currency, ledger.provider,
                                              ledger.provider_reference))  # fmt: skip
        claimed = []
        for due in latest.values():
            try:
                with session.begin_nested():
                    session.add(ProviderRefund(
                        tenant_id=due.tenant_id, refund_id=due.refund_id, provider=due.provider,
                        status="sending",
                    ))  # fmt: skip
            except IntegrityError:
                continue
            claimed.append(due)
        return claimed


def _at_provider(database: Database, wiring: Wiring, due: _Due) -> str | None:
    with database.read() as session:
        tenant = session.get(Tenant, due.tenant_id)
        assert tenant is not None
        payments = tenant_settings(tenant).payments
    try:
        provider = provider_for(due.provider, due.tenant_id, payments, wiring)
        return provider.refund(due.charge, due.amount, due.currency)
    except (ProviderError, NotConfigured) as exc:
        log.warning("refund %s at %s failed: %s", due.refund_id, due.provider, exc)
        return None


def pass_on_refunds(database: Database, wiring: Wiring, *, limit: int = BATCH) -> int:
    """Pass every new refund of a provider-paid order to its provider; returns how many
    were handled (refunded there, or marked to refund by hand)."""
    claimed = _claim(database, limit)
    for due in claimed:
        refund_id = _at_provider(database, wiring, due)
        money, name = format_money(due.amount, due.currency), NAMES.get(due.provider, due.provider)
        with database.write() as session:
            session.execute(
                update(ProviderRefund)
                .where(ProviderRefund.refund_id == due.refund_id)
                .values(status="refunded" if refund_id else "by_hand", provider_refund_id=refund_id)
            )
            order = session.get(Order, due.order_id)
            assert order is not None
            add_timeline(
                session, order, kind="refund", type="info" if refund_id else "warning",
                title=f"Refunded at {name}" if refund_id else "Refund by hand",
                description=f"{money} ({refund_id})" if refund_id
                else f"{money} must be given back by hand: {name} was not refunded automatically",
                actor=f"provider:{due.provider}",
            )  # fmt: skip
    return len(claimed)
