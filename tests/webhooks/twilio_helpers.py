"""Test doubles for Twilio's side of the webhooks: requests signed exactly as Twilio signs them."""

from __future__ import annotations

import threading
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator
from werkzeug.test import TestResponse

from orders_core.demo import DEMO_CUSTOMER, DEMO_WHATSAPP

MESSAGES_PATH = "/webhooks/twilio/messages"
STATUS_PATH = "/webhooks/twilio/status"
ACCOUNT_SID = "AC" + "0" * 32


def new_sid(prefix: str = "SM") -> str:
    """A fresh MessageSid in Twilio's shape."""
    return prefix + uuid.uuid4().hex


@dataclass
class Clock:
    """A controllable clock for the app (`extras["clock"]`)."""

    now: datetime = field(default_factory=lambda: datetime(2026, 11, 23, 12, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move time forward."""
        self.now += timedelta(**delta)


@dataclass
class Answer:
    """The webhook's HTTP answer, with the TwiML message bodies pulled out."""

    response: TestResponse
    sid: str

    @property
    def status(self) -> int:
        """The HTTP status."""
        return self.response.status_code

    @property
    def messages(self) -> list[str]:
        """The bodies of the <Message> elements of the TwiML."""
        root = ET.fromstring(self.response.get_data(as_text=True))
        assert root.tag == "Response"
        return [element.text or "" for element in root.iter("Message")]

    @property
    def text(self) -> str:
        """All reply bodies joined, for assertions."""
        return "\n".join(self.messages)


class WhatsApp:
    """Posts to the app exactly as Twilio would: form fields, public URL, X-Twilio-Signature."""

    def __init__(
        self,
        client: FlaskClient,
        *,
        token: str,
        base_url: str,
        to: str = DEMO_WHATSAPP,
        from_: str = DEMO_CUSTOMER,
        profile_name: str | None = "Amara",
    ) -> None:
        self.client = client
        self.validator = RequestValidator(token)
        self.base_url = base_url.rstrip("/")
        self.to = to
        self.from_ = from_
        self.profile_name = profile_name

    def form(
        self,
        body: str | None = "",
        *,
        from_: str | None = None,
        sid: str | None = None,
        channel: str = "whatsapp",
        **fields: str,
    ) -> dict[str, str]:
        """The form fields Twilio sends for an inbound message."""
        prefix = "whatsapp:" if channel == "whatsapp" else ""
        phone = from_ or self.from_
        sid = sid or new_sid()
        form = {
            "SmsMessageSid": sid,
            "NumMedia": "0",
            "SmsSid": sid,
            "SmsStatus": "received",
            "To": prefix + self.to,
            "NumSegments": "1",
            "MessageSid": sid,
            "AccountSid": ACCOUNT_SID,
            "From": prefix + phone,
            "ApiVersion": "2010-04-01",
        }
        if body is not None:
            form["Body"] = body
        if channel == "whatsapp":
            form["WaId"] = phone.lstrip("+")
            if self.profile_name:
                form["ProfileName"] = self.profile_name
        form.update(fields)
        return form

    def signature(self, path: str, params: dict[str, str]) -> str:
        """X-Twilio-Signature for a POST of `params` to `path` under the public URL."""
        return self.validator.compute_signature(self.base_url + path, params)

    def post(
        self, path: str, params: dict[str, str], *, signature: str | None = None, **kwargs: Any
    ) -> TestResponse:
        """POST form-encoded `params`, signed unless `signature` is given."""
        headers = {"X-Twilio-Signature": self.signature(path, params)}
        if signature is not None:
            headers["X-Twilio-Signature"] = signature
        return self.client.post(path, data=params, headers=headers, **kwargs)

    def send(self, body: str | None = "", **kwargs: Any) -> Answer:
        """Send an inbound message as the customer (or `from_`); the answer is checked to be 200."""
        form = self.form(body, **kwargs)
        answer = Answer(self.post(MESSAGES_PATH, form), form["MessageSid"])
        assert answer.status == 200, answer.response.get_data(as_text=True)
        assert answer.response.mimetype == "text/xml"
        return answer

    def receipt(self, sid: str, status: str, error_code: str | None = None) -> TestResponse:
        """A delivery receipt (status callback) for the outbound message `sid`."""
        form = {
            "MessageSid": sid,
            "SmsSid": sid,
            "MessageStatus": status,
            "SmsStatus": status,
            "AccountSid": ACCOUNT_SID,
            "To": "whatsapp:" + self.from_,
            "From": "whatsapp:" + self.to,
            "ApiVersion": "2010-04-01",
        }
        if error_code is not None:
            form["ErrorCode"] = error_code
        return self.post(STATUS_PATH, form)


def post_concurrently(
    phones: list[WhatsApp], forms: list[dict[str, str]], bodies: list[str] | None = None
) -> list[int]:
    """POST forms[i] from phones[i], each in its own thread, all released at once; the
    statuses (and the response bodies appended to `bodies`, when given)."""
    start = threading.Barrier(len(forms))
    statuses: list[int] = []

    def post(phone: WhatsApp, form: dict[str, str]) -> None:
        start.wait()
        response = phone.post(MESSAGES_PATH, form)
        statuses.append(response.status_code)
        if bodies is not None:
            bodies.append(response.get_data(as_text=True))

    threads = [threading.Thread(target=post, args=pair) for pair in zip(phones, forms, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses
