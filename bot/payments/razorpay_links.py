"""Razorpay (INR) payment links through the official `razorpay` SDK: create a link
(`short_url`, UPI among the methods), verify webhooks (`X-Razorpay-Signature`: hex
HMAC-SHA256 of the raw body with the webhook secret), act on `payment_link.paid` after
fetching the link from Razorpay, refund a payment."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import razorpay
import requests

from bot.payments.base import Created, LinkRequest, ProviderError
from orders_core.services.reconciliation import ProviderResult

SIGNATURE_HEADER = "X-Razorpay-Signature"
SDK_ERRORS = (
    razorpay.errors.BadRequestError,
    razorpay.errors.GatewayError,
    razorpay.errors.ServerError,
    requests.RequestException,
    ValueError,
)


class RazorpayProvider:
    """One business's Razorpay account: key id and secret, and its webhook secret."""

    name = "razorpay"

    def __init__(
        self,
        key_id: str,
        key_secret: str,
        webhook_secret: str,
        *,
        session: requests.Session | None = None,
    ) -> None:
        self._client = razorpay.Client(session=session, auth=(key_id, key_secret))
        self._webhook_secret = webhook_secret

    def _sdk(self, what: str, call: Any, *args: Any) -> dict[str, Any]:
        try:
            return dict(call(*args))
        except SDK_ERRORS as exc:
            raise ProviderError(f"Razorpay {what}: {type(exc).__name__}") from exc

    def create(self, request: LinkRequest) -> Created:
        """POST /v1/payment_links: the short_url the customer pays on (UPI, cards...)."""
        body: dict[str, Any] = {
            "amount": request.amount,
            "currency": request.currency,
            "reference_id": request.reference,
            "description": request.description[:2048],
            "notify": {"sms": False, "email": False},
            "reminder_enable": False,
            "callback_url": request.return_url,
            "callback_method": "get",
        }
        if request.phone:
            body["customer"] = {"contact": request.phone}
        link = self._sdk("payment_links", self._client.payment_link.create, body)
        return Created(url=str(link["short_url"]), reference=str(link["id"]))

    def verify_callback(self, headers: Mapping[str, str], body: bytes) -> bool:
        """X-Razorpay-Signature checked by the SDK with the webhook secret."""
        signature = headers.get(SIGNATURE_HEADER)
        if not signature:
            return False
        try:
            return bool(
                self._client.utility.verify_webhook_signature(
                    body.decode("utf-8"), signature, self._webhook_secret
                )
            )
        except (razorpay.errors.SignatureVerificationError, UnicodeDecodeError):
            return False

    def read_callback(self, body: bytes) -> ProviderResult | None:
        """payment_link.paid only; other events are acknowledged and ignored."""
        event = json.loads(body)
        if event.get("event") != "payment_link.paid":
            return None
        payload = event.get("payload") or {}
        link = (payload.get("payment_link") or {}).get("entity") or {}
        payment = (payload.get("payment") or {}).get("entity") or {}
        return ProviderResult(
            provider="razorpay", event_id=f"payment_link.paid:{payment.get('id')}",
            reference=str(link.get("id")), paid=link.get("status") == "paid",
            amount=int(payment.get("amount") or 0), currency=str(payment.get("currency") or ""),
            charge_id=str(payment.get("id")),
        )  # fmt: skip

    def fetch_status(self, claimed: ProviderResult) -> ProviderResult:
        """GET /v1/payment_links/:id: Razorpay's own word on the link and the payment."""
        link = self._sdk("payment_links fetch", self._client.payment_link.fetch, claimed.reference)
        payments = [
            p for p in link.get("payments") or [] if p.get("payment_id") == claimed.charge_id
        ]
        captured = any(p.get("status") == "captured" for p in payments)
        return ProviderResult(
            provider="razorpay", event_id=claimed.event_id, reference=str(link.get("id")),
            paid=link.get("status") == "paid" and (captured or not payments),
            amount=int(payments[0]["amount"]) if payments else int(link.get("amount_paid") or 0),
            currency=str(link.get("currency") or ""), charge_id=claimed.charge_id,
        )  # fmt: skip

    def refund(self, charge_id: str, amount: int, currency: str) -> str | None:
        """POST /v1/payments/:id/refund for all or part of the payment."""
        refund = self._sdk("refund", self._client.payment.refund, charge_id, {"amount": amount})
        return str(refund.get("id") or "")
