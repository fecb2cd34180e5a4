"""Scheduled payment work: links made before confirmations are planned, M-Pesa prompts
sent for new M-Pesa links, and prompts with no callback after a while asked about.

Every HTTP call happens outside a transaction; a link is claimed first (created -> pending
in one conditional UPDATE), so two schedulers never prompt a phone twice.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update

from bot.payments.base import LinkRequest, ProviderError
from bot.payments.mpesa import MpesaProvider
from bot.payments.refunds import pass_on_refunds
from bot.payments.registry import NotConfigured, Wiring, provider_for
from orders_core.db import Database
from orders_core.models import Order, PaymentLink, Tenant
from orders_core.payment_settings import PaymentSettings
from orders_core.services.payment_links import link_failed, link_sent
from orders_core.services.reconciliation import reconcile
from orders_core.services.tenants import tenant_settings

log = logging.getLogger(__name__)
BATCH = 50


def _payments(database: Database, tenant_ids: set[int]) -> dict[int, PaymentSettings]:
    with database.read() as session:
        tenants = session.scalars(select(Tenant).where(Tenant.id.in_(tenant_ids))).all()
        return {t.id: tenant_settings(t).payments for t in tenants}


def _claim(database: Database, link_id: int, now: datetime) -> bool:
    with database.write() as session:
        claimed = session.execute(
            update(PaymentLink)
            .where(PaymentLink.id == link_id, PaymentLink.status == "created")
            .values(status="pending", updated_at=now)
        )
        return claimed.rowcount == 1  # type: ignore[attr-defined]


def send_mpesa_prompts(database: Database, wiring: Wiring, *, now: datetime) -> int:
    """Send the STK push of every new M-Pesa link; returns how many prompts went out."""
    with database.read() as session:
        rows = session.execute(
            select(PaymentLink, Order.number)
            .join(Order, Order.id == PaymentLink.order_id)
            .where(PaymentLink.provider == "mpesa", PaymentLink.status == "created")
            .order_by(PaymentLink.id)
            .limit(BATCH)
        ).all()
        links = [(link.id, link.tenant_id, link.amount, link.currency, link.phone, link.token,
                  number) for link, number in rows]  # fmt: skip
    settings = _payments(database, {row[1] for row in links})
    sent = 0
    for link_id, tenant_id, amount, currency, phone, token, number in links:
        if not _claim(database, link_id, now):
            continue
        try:
            provider = provider_for("mpesa", tenant_id, settings[tenant_id], wiring)
            created = provider.create(LinkRequest(
                tenant_id=tenant_id, reference=f"Order{number}", amount=amount,
                currency=currency, description=f"Order {number}", phone=phone, email=None,
                return_url=wiring.url(f"/pay/{token}"),
            ))  # fmt: skip
        except (ProviderError, NotConfigured, KeyError) as exc:
            log.warning("M-Pesa prompt for link %s failed: %s", link_id, exc)
            with database.write() as session:
                link_failed(session, link_id)
            continue
        with database.write() as session:
            link_sent(session, link_id, provider_reference=created.reference)
        sent += 1
    return sent


def poll_mpesa(database: Database, wiring: Wiring, *, now: datetime) -> int:
    """Ask Daraja about prompts with no callback after the business's poll delay; a
    settled one is reconciled like a callback. Returns how many were settled."""
    with database.read() as session:
        rows = session.execute(
            select(PaymentLink.tenant_id, PaymentLink.provider_reference, PaymentLink.amount,
                   PaymentLink.updated_at)
            .where(PaymentLink.provider == "mpesa", PaymentLink.status == "pending",
                   PaymentLink.provider_reference.is_not(None))
            .order_by(PaymentLink.updated_at)
            .limit(BATCH)
        ).all()  # fmt: skip
    settings = _payments(database, {row[0] for row in rows})
    settled = 0
    for tenant_id, reference, amount, updated_at in rows:
        payments = settings.get(tenant_id)
        if payments is None or payments.mpesa is None:
            continue
        if now - updated_at < timedelta(minutes=payments.mpesa.poll_after_minutes):
            continue
        try:
            provider = provider_for("mpesa", tenant_id, payments, wiring)
            assert isinstance(provider, MpesaProvider)
            result = provider.query(str(reference), amount)
        except (ProviderError, NotConfigured) as exc:
            log.warning("M-Pesa status query failed: %s", exc)
            continue
        if result is None:
            continue
        with database.write() as session:
            reconcile(session, tenant_id, result)
        settled += 1
    return settled


def payment_requests(database: Database, wiring: Wiring, *, now: datetime) -> None:
    """The scheduler's payment job: M-Pesa prompts out, silent prompts asked about, refunds
    passed on to providers
    (links themselves are made by `bot.payments.asking.prepare_links` in the delivery job)."""
    send_mpesa_prompts(database, wiring, now=now)
    poll_mpesa(database, wiring, now=now)
    pass_on_refunds(database, wiring)
