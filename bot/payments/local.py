"""The `local` provider: a checkout page on this server (`/pay/<token>`) with Pay and Fail
buttons, for `chatorders serve` without any account. Its callbacks are signed like a real
provider's (hex HMAC-SHA256 of the raw body, per-tenant key derived from SECRET_KEY) and go
through the same callback code path."""

from __future__ import annotations

import json
from collections.abc import Mapping

from bot.payments.base import Created, LinkRequest
from bot.payments.keys import Keys, hmac_hex, same
from orders_core.services.reconciliation import ProviderResult

SIGNATURE_HEADER = "X-Chatorders-Signature"


class LocalProvider:
    """No money moves: the customer's button press is the provider's word."""

    name = "local"

    def __init__(self, keys: Keys, tenant_id: int) -> None:
        self._key = keys.local_signing_key(tenant_id)

    def create(self, request: LinkRequest) -> Created:
        """The checkout is our own page: nothing to ask anyone."""
        return Created(url=None, reference=request.reference)

    def callback(self, reference: str, amount: int, currency: str, *, paid: bool) -> bytes:
        """The body the local page posts for a Pay or Fail press."""
        event = "local.paid" if paid else "local.failed"
        body = {"event": event, "reference": reference, "amount": amount, "currency": currency}
        return json.dumps(body, separators=(",", ":")).encode()

    def sign(self, body: bytes) -> dict[str, str]:
        """Headers that sign `body` as this tenant's local provider."""
        return {SIGNATURE_HEADER: hmac_hex(self._key, body, "sha256")}

    def verify_callback(self, headers: Mapping[str, str], body: bytes) -> bool:
        """True when signed with this tenant's local key."""
        return same(hmac_hex(self._key, body, "sha256"), headers.get(SIGNATURE_HEADER))

    def read_callback(self, body: bytes) -> ProviderResult | None:
        """A Pay (paid) or Fail (not paid) press."""
        data = json.loads(body)
        if data.get("event") not in ("local.paid", "local.failed"):
            return None
        paid = data["event"] == "local.paid"
        reference = str(data["reference"])
        return ProviderResult(
            provider="local", event_id=f"{reference}:{'paid' if paid else 'failed'}",
            reference=reference, paid=paid, amount=int(data["amount"]),
            currency=str(data["currency"]),
        )  # fmt: skip

    def fetch_status(self, claimed: ProviderResult) -> ProviderResult:
        """The local provider is this server: its callback is its status."""
        return claimed

    def refund(self, charge_id: str, amount: int, currency: str) -> str | None:
        """Nothing was charged: the refund is only recorded."""
        return f"local_refund:{charge_id}"
