"""Recorded HTTP for payment providers: the real clients (httpx, the razorpay SDK on
requests) with only their transport replaced by a recorder that answers like the
provider's documented responses and keeps what was sent."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
import requests
from requests.adapters import BaseAdapter

from bot.payments.keys import Keys
from bot.payments.registry import Wiring

ENV = {
    "PAYSTACK_SECRET_KEY": "sk_test_paystack_secret",
    "RAZORPAY_KEY_SECRET": "rzp_key_secret",
    "RAZORPAY_WEBHOOK_SECRET": "rzp_webhook_secret",
    "MPESA_CONSUMER_KEY": "mpesa-consumer-key",
    "MPESA_CONSUMER_SECRET": "mpesa-consumer-secret",
    "MPESA_PASSKEY": "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919",
}


@dataclass
class Sent:
    """One request as it left the client."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        """The body as JSON."""
        return json.loads(self.body)


@dataclass
class HttpRecorder:
    """Answers (method, path) with queued (status, JSON) pairs; records every request."""

    answers: dict[tuple[str, str], list[tuple[int, dict[str, Any]]]] = field(default_factory=dict)
    sent: list[Sent] = field(default_factory=list)

    def on(self, method: str, path: str, status: int, body: dict[str, Any]) -> None:
        """Queue an answer for the next request to `path` (the last one repeats)."""
        self.answers.setdefault((method, path), []).append((status, body))

    def answer(
        self, method: str, url: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, bytes]:
        self.sent.append(Sent(method, url, headers, body))
        queue = self.answers.get((method, urlsplit(url).path))
        if not queue:
            return 404, b'{"status": false, "message": "not recorded"}'
        status, data = queue.pop(0) if len(queue) > 1 else queue[0]
        return status, json.dumps(data).encode()

    def to(self, path: str) -> list[Sent]:
        """The requests sent to `path`."""
        return [s for s in self.sent if httpx.URL(s.url).path == path]

    @property
    def httpx_transport(self) -> httpx.MockTransport:
        """An httpx transport that answers from this recorder."""

        def handle(request: httpx.Request) -> httpx.Response:
            status, body = self.answer(
                request.method, str(request.url), dict(request.headers), request.read()
            )
            return httpx.Response(
                status, content=body, headers={"content-type": "application/json"}
            )

        return httpx.MockTransport(handle)

    @property
    def requests_session(self) -> requests.Session:
        """A requests session whose every request is answered by this recorder."""
        recorder = self

        class Adapter(BaseAdapter):
            def send(self, request: requests.PreparedRequest, **_: Any) -> requests.Response:
                raw = request.body or b""
                body = raw.encode() if isinstance(raw, str) else raw
                status, content = recorder.answer(
                    str(request.method), str(request.url), dict(request.headers), body
                )
                response = requests.Response()
                response.status_code, response._content = status, content
                response.headers["content-type"] = "application/json"
                response.url, response.request = str(request.url), request
                return response

            def close(self) -> None:
                return None

        session = requests.Session()
        session.mount("https://", Adapter())
        return session


def recorded_wiring(recorder: HttpRecorder, secret_key: str = "test-secret-key") -> Wiring:
    """Payment wiring with the test environment's secrets and the recorder's transports."""
    return Wiring(
        keys=Keys(secret_key.encode(), ENV),
        public_base_url="https://chatorders.example.com",
        httpx_transport=recorder.httpx_transport,
        requests_session=recorder.requests_session,
    )


def sign(secret: str, body: bytes, digest: str) -> str:
    """Hex HMAC of the raw body, as Paystack (sha512) and Razorpay (sha256) sign."""
    return hmac.new(secret.encode(), body, getattr(hashlib, digest)).hexdigest()
