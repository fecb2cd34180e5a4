"""Paystack (https://paystack.com/docs/api/): a small httpx client, as Paystack keeps no
maintained Python SDK. Initialize a transaction (authorization_url), verify webhooks
(`x-paystack-signature`: hex HMAC-SHA512 of the raw body with the secret key), verify a
transaction by reference before trusting it, refund."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import httpx

from bot.payments.base import Created, LinkRequest, ProviderError
from bot.payments.keys import hmac_hex, same
from orders_core.services.reconciliation import ProviderResult

BASE_URL = "https://api.paystack.co"
SIGNATURE_HEADER = "x-paystack-signature"


class PaystackProvider:
    """One business's Paystack account (its secret key)."""

    name = "paystack"

    def __init__(
        self,
        secret_key: str,
        *,
        email_domain: str,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 15.0,
    ) -> None:
        self._secret = secret_key
        self._email_domain = email_domain
        self._client = httpx.Client(
            base_url=BASE_URL,
            headers={"Authorization": f"Bearer {secret_key}"},
            transport=transport,
            timeout=timeout,
        )

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        try:
            response = self._client.request(method, path, json=body)
            data = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ProviderError(f"Paystack {path}: {type(exc).__name__}") from exc
        if response.status_code >= 400 or not data.get("status"):
            raise ProviderError(f"Paystack {path}: {response.status_code} {data.get('message')}")
        return dict(data.get("data") or {})

    def create(self, request: LinkRequest) -> Created:
        """POST /transaction/initialize: the checkout page the customer pays on."""
        email = (
            request.email or f"{re.sub(r'[^0-9]', '', request.phone or '')}@{self._email_domain}"
        )
        data = self._call("POST", "/transaction/initialize", {
            "email": email, "amount": request.amount, "currency": request.currency,
            "reference": request.reference, "callback_url": request.return_url,
            "metadata": {"description": request.description},
        })  # fmt: skip
        return Created(url=str(data["authorization_url"]), reference=str(data["reference"]))

    def verify_callback(self, headers: Mapping[str, str], body: bytes) -> bool:
        """x-paystack-signature is the hex HMAC-SHA512 of the raw body with the secret key."""
        return same(hmac_hex(self._secret, body, "sha512"), headers.get(SIGNATURE_HEADER))

    def read_callback(self, body: bytes) -> ProviderResult | None:
        """charge.success only; other events are acknowledged and ignored."""
        event = json.loads(body)
        if event.get("event") != "charge.success":
            return None
        return _result(event.get("data") or {})

    def fetch_status(self, claimed: ProviderResult) -> ProviderResult:
        """GET /transaction/verify/:reference: Paystack's own word on the charge."""
        data = self._call("GET", f"/transaction/verify/{claimed.reference}")
        return _result(data)

    def refund(self, charge_id: str, amount: int, currency: str) -> str | None:
        """POST /refund for the transaction (all or part of it)."""
        data = self._call("POST", "/refund", {"transaction": charge_id, "amount": amount})
        return str(data.get("id") or "")


def _result(data: dict[str, Any]) -> ProviderResult:
    return ProviderResult(
        provider="paystack", event_id=f"charge:{data.get('id')}",
        reference=str(data.get("reference")), paid=data.get("status") == "success",
        amount=int(data.get("amount") or 0), currency=str(data.get("currency") or ""),
        charge_id=str(data.get("id")),
    )  # fmt: skip
