"""The one code path every provider callback takes (the local page's presses too): verify
the signature, read the claim, ask the provider before trusting it, reconcile once."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from bot.payments.base import ProviderError
from bot.payments.registry import NotConfigured, Wiring, provider_for
from orders_core.db import Database
from orders_core.models import Tenant
from orders_core.services.payment_links import link_by_reference
from orders_core.services.reconciliation import reconcile
from orders_core.services.tenants import tenant_settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CallbackAnswer:
    """The HTTP status to answer the provider with, and what happened (for logs and tests).

    401 only for a callback not signed as the provider signs; 503 when the provider could
    not confirm the charge (it retries); 200 for everything else, including callbacks for
    unknown references or another business, so the provider stops retrying them.
    """

    status: int
    outcome: str


def receive_callback(
    database: Database,
    wiring: Wiring,
    provider_name: str,
    tenant_id: int,
    headers: Mapping[str, str],
    body: bytes,
) -> CallbackAnswer:
    """Verify and apply one provider callback for one business; never raises for bad input."""
    with database.read() as session:
        tenant = session.get(Tenant, tenant_id)
        payments = tenant_settings(tenant).payments if tenant else None
    if payments is None:
        return CallbackAnswer(200, "ignored")
    try:
        provider = provider_for(provider_name, tenant_id, payments, wiring)
    except NotConfigured:
        return CallbackAnswer(401, "not_configured")
    if not provider.verify_callback(headers, body):
        log.warning("%s callback for tenant %s: bad signature", provider_name, tenant_id)
        return CallbackAnswer(401, "bad_signature")
    try:
        claimed = provider.read_callback(body)
    except (ValueError, KeyError, TypeError, AttributeError):
        return CallbackAnswer(200, "ignored")
    if claimed is None:
        return CallbackAnswer(200, "ignored")
    with database.read() as session:
        known = link_by_reference(session, tenant_id, provider_name, claimed.reference)
    if known is None:
        return CallbackAnswer(200, "unknown")
    try:
        confirmed = provider.fetch_status(claimed)
    except ProviderError as exc:
        log.warning("%s: could not confirm %s: %s", provider_name, claimed.reference, exc)
        return CallbackAnswer(503, "unconfirmed")
    if confirmed.reference != claimed.reference:
        return CallbackAnswer(200, "ignored")
    with database.write() as session:
        outcome = reconcile(session, tenant_id, confirmed)
    log.info("%s callback for tenant %s: %s", provider_name, tenant_id, outcome)
    return CallbackAnswer(200, outcome)
