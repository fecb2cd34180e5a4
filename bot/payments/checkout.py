"""The customer's `/pay/<token>` page: what it shows, where it sends them (the provider's
checkout, made on first visit, outside any transaction), and the local provider's buttons."""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass

from bot.payments.base import LinkRequest, ProviderError
from bot.payments.callbacks import CallbackAnswer, receive_callback
from bot.payments.local import LocalProvider
from bot.payments.registry import NotConfigured, Wiring, provider_for
from orders_core.db import Database
from orders_core.domain import format_money
from orders_core.models import Order, Tenant
from orders_core.payment_settings import PaymentSettings
from orders_core.services.payment_links import OPEN, link_by_token, link_sent
from orders_core.services.tenants import tenant_settings

log = logging.getLogger(__name__)
REDIRECTED = ("paystack", "razorpay")


@dataclass(frozen=True)
class Checkout:
    """What the page needs: the link's state and the order's business-facing summary."""

    token: str
    tenant_id: int
    provider: str
    status: str
    reference: str | None
    amount: int
    currency: str
    business: str
    order_number: int
    redirect: str | None = None
    error: str | None = None

    @property
    def money(self) -> str:
        """The amount as the customer reads it ("₦3,500")."""
        return format_money(self.amount, self.currency)


@dataclass(frozen=True)
class _Loaded:
    page: Checkout
    provider_url: str | None
    email: str | None
    phone: str | None
    payments: PaymentSettings


def _load(database: Database, token: str) -> _Loaded | None:
    with database.read() as session:
        link = link_by_token(session, token)
        if link is None:
            return None
        order = session.get(Order, link.order_id)
        tenant = session.get(Tenant, link.tenant_id)
        assert order is not None and tenant is not None
        page = Checkout(
            token=token, tenant_id=link.tenant_id, provider=link.provider, status=link.status,
            reference=link.provider_reference, amount=link.amount, currency=link.currency,
            business=tenant.name, order_number=order.number,
        )  # fmt: skip
        payments = tenant_settings(tenant).payments
        return _Loaded(
            page, link.provider_url, order.customer_email, order.customer_phone, payments
        )


def open_checkout(database: Database, wiring: Wiring, token: str) -> Checkout | None:
    """The page for `token` (None: no such link). An open Paystack or Razorpay link gets
    its provider checkout made once and `redirect` set to it."""
    loaded = _load(database, token)
    if loaded is None:
        return None
    page = loaded.page
    if page.status not in OPEN or page.provider not in REDIRECTED:
        return page
    if loaded.provider_url:
        return _with(page, redirect=loaded.provider_url)
    try:
        provider = provider_for(page.provider, page.tenant_id, loaded.payments, wiring)
        created = provider.create(LinkRequest(
            tenant_id=page.tenant_id, reference=str(page.reference), amount=page.amount,
            currency=page.currency, description=f"{page.business} order #{page.order_number}",
            phone=loaded.phone, email=loaded.email, return_url=wiring.url(f"/pay/{token}"),
        ))  # fmt: skip
    except (ProviderError, NotConfigured) as exc:
        log.warning("payment link %s at %s failed: %s", page.order_number, page.provider, exc)
        return _with(page, error="unavailable")
    with database.write() as session:
        link = link_by_token(session, token)
        assert link is not None
        link_sent(session, link.id, provider_url=created.url, provider_reference=created.reference)
    return _with(page, redirect=created.url)


def _with(page: Checkout, **changes: str | None) -> Checkout:
    return Checkout(**{**page.__dict__, **changes})


def press_signature(wiring: Wiring, page: Checkout) -> str:
    """The signed form field that proves a Pay/Fail press came from the page we served."""
    return wiring.keys.derived(f"pay-page:{page.token}", page.tenant_id)


def press(
    database: Database, wiring: Wiring, page: Checkout, *, paid: bool, signature: str
) -> CallbackAnswer:
    """A Pay or Fail press on the local page: signed like a provider callback and sent
    through the same callback code path. 403-like answer (401) for a forged press."""
    if page.provider != "local" or not hmac.compare_digest(
        press_signature(wiring, page), signature
    ):
        return CallbackAnswer(401, "bad_signature")
    local = LocalProvider(wiring.keys, page.tenant_id)
    body = local.callback(str(page.reference), page.amount, page.currency, paid=paid)
    return receive_callback(database, wiring, "local", page.tenant_id, local.sign(body), body)
