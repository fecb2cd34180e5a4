"""M-Pesa Daraja (KES) STK push on httpx: an OAuth token, the prompt on the customer's
phone (`/mpesa/stkpush/v1/processrequest`, password = base64(shortcode + passkey +
timestamp)), its callback (unsigned: it comes to a secret per-business path and is checked
with `/mpesa/stkpushquery/v1/query` before it is trusted), and the same query for prompts
with no callback."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from bot.payments.base import Created, LinkRequest, ProviderError
from orders_core.models import utcnow
from orders_core.services.reconciliation import ProviderResult

BASE_URLS = {
    "sandbox": "https://sandbox.safaricom.co.ke",
    "production": "https://api.safaricom.co.ke",
}
NAIROBI = ZoneInfo("Africa/Nairobi")
# Daraja's "still being processed" answer to a status query: not a result yet.
STILL_PROCESSING = "500.001.1001"


def shillings(amount: int) -> int:
    """Daraja takes whole shillings: cents are rounded up (never ask for less than due)."""
    return -(-amount // 100)


class MpesaProvider:
    """One business's Daraja app and till/paybill."""

    name = "mpesa"

    def __init__(
        self,
        *,
        shortcode: str,
        passkey: str,
        consumer_key: str,
        consumer_secret: str,
        transaction_type: str,
        environment: str,
        callback_url: str,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], datetime] = utcnow,
        timeout: float = 15.0,
    ) -> None:
        self._shortcode, self._passkey = shortcode, passkey
        self._auth = (consumer_key, consumer_secret)
        self._type, self._callback_url, self._clock = transaction_type, callback_url, clock
        self._client = httpx.Client(
            base_url=BASE_URLS[environment], transport=transport, timeout=timeout
        )

    def _token(self) -> str:
        try:
            response = self._client.get(
                "/oauth/v1/generate", params={"grant_type": "client_credentials"}, auth=self._auth
            )
            token = response.json().get("access_token") if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError) as exc:
            raise ProviderError(f"M-Pesa oauth: {type(exc).__name__}") from exc
        if not token:
            raise ProviderError(f"M-Pesa oauth: {response.status_code}")
        return str(token)

    def _password(self) -> tuple[str, str]:
        stamp = self._clock().astimezone(NAIROBI).strftime("%Y%m%d%H%M%S")
        raw = f"{self._shortcode}{self._passkey}{stamp}".encode()
        return base64.b64encode(raw).decode(), stamp

    def _post(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        headers = {"Authorization": f"Bearer {self._token()}"}
        try:
            response = self._client.post(path, json=body, headers=headers)
            return response.status_code, dict(response.json())
        except (httpx.HTTPError, ValueError) as exc:
            raise ProviderError(f"M-Pesa {path}: {type(exc).__name__}") from exc

    def create(self, request: LinkRequest) -> Created:
        """The STK push: the customer's phone asks for their M-Pesa PIN."""
        phone = re.sub(r"[^0-9]", "", request.phone or "")
        if not phone.startswith("254"):
            raise ProviderError("M-Pesa needs a Kenyan number (+254...)")
        password, stamp = self._password()
        status, data = self._post("/mpesa/stkpush/v1/processrequest", {
            "BusinessShortCode": self._shortcode, "Password": password, "Timestamp": stamp,
            "TransactionType": self._type, "Amount": shillings(request.amount),
            "PartyA": phone, "PartyB": self._shortcode, "PhoneNumber": phone,
            "CallBackURL": self._callback_url, "AccountReference": request.reference[:12],
            "TransactionDesc": request.description[:13],
        })  # fmt: skip
        if status != 200 or str(data.get("ResponseCode")) != "0":
            raise ProviderError(f"M-Pesa stkpush: {status} {data.get('errorCode', '')}")
        return Created(url=None, reference=str(data["CheckoutRequestID"]))

    def verify_callback(self, headers: Mapping[str, str], body: bytes) -> bool:
        """Daraja does not sign callbacks: the secret path was checked; the status query
        (fetch_status) is what is trusted."""
        return True

    def read_callback(self, body: bytes) -> ProviderResult | None:
        """The stkCallback's result: paid (ResultCode 0) with its amount and receipt, or not."""
        callback = (json.loads(body).get("Body") or {}).get("stkCallback") or {}
        if not callback.get("CheckoutRequestID"):
            return None
        items = {
            str(i.get("Name")): i.get("Value")
            for i in (callback.get("CallbackMetadata") or {}).get("Item") or []
        }
        return _result(
            str(callback["CheckoutRequestID"]), str(callback.get("ResultCode")) == "0",
            round(float(items.get("Amount") or 0) * 100), items.get("MpesaReceiptNumber"),
        )  # fmt: skip

    def query(self, checkout_request_id: str, amount: int) -> ProviderResult | None:
        """Daraja's answer about a prompt: paid or not, or None while it is still pending."""
        password, stamp = self._password()
        status, data = self._post("/mpesa/stkpushquery/v1/query", {
            "BusinessShortCode": self._shortcode, "Password": password, "Timestamp": stamp,
            "CheckoutRequestID": checkout_request_id,
        })  # fmt: skip
        if data.get("errorCode") == STILL_PROCESSING:
            return None
        if status != 200 or "ResultCode" not in data:
            raise ProviderError(f"M-Pesa stkpushquery: {status} {data.get('errorCode', '')}")
        return _result(checkout_request_id, str(data["ResultCode"]) == "0", amount, None)

    def fetch_status(self, claimed: ProviderResult) -> ProviderResult:
        """The status query decides paid or not; the callback's amount and receipt stand."""
        answer = self.query(claimed.reference, claimed.amount)
        if answer is None:
            raise ProviderError("M-Pesa: the prompt is still being processed")
        return _result(claimed.reference, answer.paid, claimed.amount, claimed.charge_id)

    def refund(self, charge_id: str, amount: int, currency: str) -> str | None:
        """M-Pesa reversals need the business's B2C/reversal set-up: refund by hand."""
        return None


def _result(checkout_id: str, paid: bool, amount: int, receipt: object) -> ProviderResult:
    return ProviderResult(
        provider="mpesa", event_id=f"stk:{checkout_id}:{'paid' if paid else 'failed'}",
        reference=checkout_id, paid=paid, amount=amount, currency="KES",
        charge_id=str(receipt) if receipt else None,
    )  # fmt: skip
