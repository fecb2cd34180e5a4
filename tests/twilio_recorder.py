"""A twilio.http.HttpClient that records every request and answers with queued responses.

The twilio library stays real (URL building, form encoding, error parsing); only the
network is replaced. Responses default to Twilio's 201 for a created message; queue
Twilio's real error bodies (429/20429, 63016, 21211, 21610, 5xx) or network failures.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import requests
from sqlalchemy import select
from twilio.http import HttpClient
from twilio.http.response import Response

from bot.channels import TwilioChannel
from bot.dispatcher import DispatchReport, dispatch
from bot.outbound import queue_message
from orders_core.db import Database
from orders_core.domain import OrderStatus
from orders_core.models import Message, OutboxEvent, utcnow
from orders_core.schemas import OrderCreate
from orders_core.services.customers import upsert_customer
from orders_core.services.orders import get_order, transition
from orders_core.services.placing import place_order
from orders_core.services.tenants import get_tenant
from orders_core.settings import Settings

ERRORS: dict[int, tuple[int, str]] = {
    20429: (429, "Too Many Requests"),
    20500: (500, "An internal server error has occurred"),
    20503: (503, "Service Unavailable"),
    21211: (400, "The 'To' number is not a valid phone number."),
    21610: (400, "Attempt to send to unsubscribed recipient"),
    63016: (
        400,
        "Failed to send freeform message because you are outside the allowed window. "
        "If you are using WhatsApp, please use a Message Template.",
    ),
}


def twilio_error(code: int) -> Response:
    """Twilio's error answer for `code`, as its REST API sends it."""
    status, message = ERRORS[code]
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return Response(status, json.dumps(body))


@dataclass(frozen=True)
class Recorded:
    """One request the twilio library made."""

    method: str
    url: str
    params: dict[str, Any]
    data: dict[str, Any]


@dataclass
class TwilioRecorder(HttpClient):
    """Records requests; answers from a queue (then a default success). Thread-safe."""

    requests: list[Recorded] = field(default_factory=list)
    _queue: deque[Response | Exception] = field(default_factory=deque)
    _listing: list[dict[str, Any]] | Exception = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        super().__init__(logger=None, is_async=False)  # type: ignore[arg-type]

    def queue(self, *answers: Response | Exception | int) -> None:
        """Answer the next sends with these (an int is a Twilio error code)."""
        with self._lock:
            for answer in answers:
                self._queue.append(twilio_error(answer) if isinstance(answer, int) else answer)

    def list_answer(self, records: list[dict[str, Any]] | Exception) -> None:
        """What a GET of the message list returns (or raises) from now on."""
        self._listing = records

    @property
    def sent(self) -> list[dict[str, Any]]:
        """The form of every message create (POST) request, in order."""
        return [r.data for r in self.requests if r.method == "POST"]

    def request(
        self,
        method: str,
        uri: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        """Record the request and answer it."""
        with self._lock:
            self.requests.append(Recorded(method, uri, dict(params or {}), dict(data or {})))
            if method == "GET":
                if isinstance(self._listing, Exception):
                    raise self._listing
                return Response(200, json.dumps(self._page(uri)))
            answer = self._queue.popleft() if self._queue else None
        if isinstance(answer, Exception):
            raise answer
        return answer or self._created(data or {})

    def _page(self, uri: str) -> dict[str, Any]:
        assert isinstance(self._listing, list)
        return {
            "messages": self._listing,
            "first_page_uri": uri,
            "next_page_uri": None,
            "previous_page_uri": None,
            "page": 0,
            "page_size": 50,
            "uri": uri,
            "end": len(self._listing) - 1,
            "start": 0,
        }

    @staticmethod
    def _created(data: dict[str, object]) -> Response:
        body = {
            "sid": "SM" + secrets.token_hex(16),
            "status": "queued",
            "to": data.get("To"),
            "from": data.get("From"),
            "body": data.get("Body"),
            "error_code": None,
            "error_message": None,
        }
        return Response(201, json.dumps(body))


def connection_error() -> Exception:
    """What requests raises when Twilio cannot be reached."""
    return requests.ConnectionError("Connection refused")


def timeout_error() -> Exception:
    """What requests raises when Twilio does not answer in time."""
    return requests.Timeout("Read timed out")


@dataclass
class FakeSender:
    """An injected webhook transport: records posts, answers queued statuses (default 200)."""

    posts: list[tuple[str, bytes, dict[str, str]]] = field(default_factory=list)
    answers: deque[int | Exception] = field(default_factory=deque)

    def __call__(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        """Record the post and answer it."""
        self.posts.append((url, body, headers))
        answer = self.answers.popleft() if self.answers else 200
        if isinstance(answer, Exception):
            raise answer
        return answer


@dataclass
class Harness:
    """The dispatcher's real parts on a test database, a recorder for Twilio, and a clock."""

    database: Database
    settings: Settings
    recorder: TwilioRecorder
    sender: FakeSender
    now: datetime

    @property
    def channel(self) -> TwilioChannel:
        """A real TwilioChannel whose HTTP goes to the recorder."""
        assert self.settings.twilio_account_sid and self.settings.twilio_auth_token
        return TwilioChannel(
            self.settings.twilio_account_sid,
            self.settings.twilio_auth_token,
            http_client=self.recorder,
        )

    def advance(self, **delta: float) -> datetime:
        """Move the clock forward."""
        self.now += timedelta(**delta)
        return self.now

    def dispatch(self) -> DispatchReport:
        """One dispatcher run at the harness's time."""
        return dispatch(self.database, self.settings, self.channel, self.sender, now=self.now)


def make_harness(database: Database, settings: Settings) -> Harness:
    """A harness whose clock starts at the real time (rows written by services use it too)."""
    settings = settings.model_copy(update={"secret_key": "test-secret-key"})
    return Harness(database, settings, TwilioRecorder(), FakeSender(), utcnow())


CUSTOMER = "+2348012345678"


def place(
    database: Database,
    tenant_id: int,
    *,
    channel: str = "whatsapp",
    phone: str | None = CUSTOMER,
    **fields: Any,
) -> str:
    """Place an order (2 jollof) through the real use case; its public id."""
    data = OrderCreate.model_validate(
        {
            "customer": {"name": "Amara Obi", "phone": phone},
            "items": [{"product_id": "prod_jollof", "quantity": 2}],
            "channel": channel,
            **fields,
        }
    )
    with database.write() as session:
        return place_order(session, get_tenant(session, tenant_id), data).public_id


def move(database: Database, tenant_id: int, order_id: str, status: str) -> None:
    """Change an order's status through the real use case."""
    with database.write() as session:
        order = get_order(session, tenant_id, order_id, lock=True)
        transition(session, order, OrderStatus(status), actor="test")


def customer_wrote(database: Database, tenant_id: int, at: datetime, phone: str = CUSTOMER) -> None:
    """Record that the customer last wrote to us at `at` (the 24-hour window)."""
    with database.write() as session:
        upsert_customer(session, tenant_id, phone, whatsapp=True).last_inbound_at = at


def outbound(database: Database, tenant_id: int) -> list[Message]:
    """The tenant's outbound messages, oldest first."""
    with database.read() as session:
        return list(
            session.scalars(
                select(Message)
                .where(Message.tenant_id == tenant_id, Message.direction == "outbound")
                .order_by(Message.id)
            )
        )


def confirmed_order(database: Database, tenant_id: int) -> str:
    """Place an order and confirm it; its public id."""
    order_id = place(database, tenant_id)
    move(database, tenant_id, order_id, "confirmed")
    return order_id


def failed_events(database: Database) -> list[OutboxEvent]:
    """Every `message.failed` outbox event, in no promised order."""
    with database.read() as session:
        return list(
            session.scalars(select(OutboxEvent).where(OutboxEvent.type == "message.failed"))
        )


def chat_replies(h: Harness, tenant_id: int, *bodies: str, phone: str = CUSTOMER) -> None:
    """Replies of the chat sent through the API (no order), due just after `h.now`: the
    clock moves on a second. They go one after another, in this order."""
    with h.database.write() as session:
        tenant = get_tenant(session, tenant_id)
        for body in bodies:
            queue_message(
                session, tenant, to_phone=phone, channel="whatsapp", kind="reply", body=body
            )
    h.advance(seconds=1)  # queued on the real clock, just after h.now
