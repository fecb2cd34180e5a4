"""Outbound channels: Twilio's REST API, or a console stand-in when no Twilio account is set.

A channel sends one message and says what became of it; it never touches the database.
Errors come back as SendError with a kind the dispatcher acts on: `transient` (retry
with backoff), `permanent` (fail now), `needs_template` (WhatsApp's 24-hour window).
"""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from requests import RequestException
from requests.adapters import HTTPAdapter
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http import HttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from orders_core.settings import Settings

log = logging.getLogger(__name__)

ErrorKind = Literal["transient", "permanent", "needs_template"]

OUTSIDE_WINDOW = 63016  # free-form WhatsApp message outside the 24-hour window
TOO_MANY_REQUESTS = 20429
PERMANENT_CODES = frozenset({21211, 21408, 21610, 21612, 21614, 63003})
SEND_TIMEOUT_SECONDS = 15  # per Twilio API call
# Kept-alive connections to Twilio: one per sender of a claimed batch (bot.claiming's
# SEND_WORKERS) and a few for crash lookups; twilio's own default is CPUs + 4.
TWILIO_CONNECTIONS = 12
# A crash lookup reads every message to the number since the send began, page by page (a busy
# staff number gets hundreds in minutes: stopping at 50 sent an alert twice in the soak).
LOOKUP_LIMIT = 5000


@dataclass(frozen=True)
class OutboundMessage:
    """What to send: a body, or a template (content_sid + variables) outside the window."""

    to: str
    from_: str
    body: str | None = None
    content_sid: str | None = None
    content_variables: dict[str, str] | None = None


@dataclass(frozen=True)
class SendResult:
    """Twilio's (or the console's) answer: the message sid and its first status."""

    sid: str
    status: str


@dataclass(frozen=True)
class SentRecord:
    """One message Twilio says it sent: its sid, status and (rendered) body."""

    sid: str
    status: str
    body: str | None


class SendError(Exception):
    """A send that did not go through; `kind` says whether to retry."""

    def __init__(self, kind: ErrorKind, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.kind: ErrorKind = kind
        self.code = code
        self.message = message


class LookupUnavailable(Exception):
    """The channel cannot tell whether an earlier send went out."""


class Channel(Protocol):
    """Something that sends messages and can look for one it may have sent."""

    def send(self, message: OutboundMessage, *, status_callback: str | None) -> SendResult:
        """Send `message`; raises SendError when it did not go out."""
        ...

    def sent_since(self, message: OutboundMessage, *, since: datetime) -> list[SentRecord]:
        """Every message sent from `message`'s sender to its recipient since `since`;
        LookupUnavailable if that cannot be known."""
        ...


def classify(exc: TwilioRestException | TwilioServiceException) -> SendError:
    """A SendError for a Twilio API error: 63016 needs a template, 429/5xx retry, 4xx fail."""
    status, code = int(exc.status or 0), exc.code
    text = getattr(exc, "msg", None) or getattr(exc, "title", None) or str(exc)
    if code == OUTSIDE_WINDOW:
        return SendError("needs_template", text, code=code)
    if status == 429 or code == TOO_MANY_REQUESTS or status >= 500 or status == 408:
        return SendError("transient", text, code=code)
    if code in PERMANENT_CODES or 400 <= status < 500:
        return SendError("permanent", text, code=code)
    return SendError("transient", text, code=code)


class TwilioChannel:
    """Sends through twilio.rest.Client; `http_client` replaces its transport (tests, proxies).
    Twilio's own transport waits at most SEND_TIMEOUT_SECONDS per call (its default waits
    forever), which bounds a claimed batch's leases (bot.sending)."""

    def __init__(
        self, account_sid: str, auth_token: str, *, http_client: HttpClient | None = None
    ) -> None:
        if http_client is None:
            http_client = TwilioHttpClient(timeout=SEND_TIMEOUT_SECONDS)
            assert http_client.session is not None
            http_client.session.mount("https://", HTTPAdapter(pool_maxsize=TWILIO_CONNECTIONS))
        self.client = Client(account_sid, auth_token, http_client=http_client)

    def send(self, message: OutboundMessage, *, status_callback: str | None) -> SendResult:
        """Create the message at Twilio; SendError (classified) when Twilio refuses or is unreachable."""
        fields: dict[str, Any] = {"to": message.to, "from_": message.from_}
        if message.content_sid:
            fields["content_sid"] = message.content_sid
            fields["content_variables"] = json.dumps(message.content_variables or {})
        else:
            fields["body"] = message.body or ""
        if status_callback:
            fields["status_callback"] = status_callback
        try:
            created = self.client.messages.create(**fields)
        except (TwilioRestException, TwilioServiceException) as exc:
            raise classify(exc) from exc
        except (RequestException, OSError, TwilioException) as exc:
            raise SendError("transient", f"{type(exc).__name__}: {exc}") from exc
        return SendResult(sid=str(created.sid), status=str(created.status or "queued"))

    def sent_since(self, message: OutboundMessage, *, since: datetime) -> list[SentRecord]:
        """Twilio's records of what went to `message.to` from `message.from_` since `since`
        (up to LOOKUP_LIMIT, newest first)."""
        try:
            found = self.client.messages.list(
                to=message.to, from_=message.from_, date_sent_after=since, limit=LOOKUP_LIMIT
            )
        except (TwilioRestException, TwilioServiceException, RequestException, OSError) as exc:
            raise LookupUnavailable(str(exc)) from exc
        return [
            SentRecord(sid=str(r.sid), status=str(r.status or "sent"), body=r.body) for r in found
        ]


class ConsoleChannel:
    """Stands in for Twilio on local runs: every send succeeds with a local sid, nothing leaves."""

    def send(self, message: OutboundMessage, *, status_callback: str | None) -> SendResult:
        """Log the message and answer as Twilio would, with an SM sid and status `sent`."""
        sid = "SM" + secrets.token_hex(16)
        log.debug("console send %s to %s", sid, message.to)
        return SendResult(sid=sid, status="sent")

    def sent_since(self, message: OutboundMessage, *, since: datetime) -> list[SentRecord]:
        """Nothing: a console send that crashed half-way reached no one, so it may be redone."""
        return []


def channel_for(settings: Settings, *, http_client: HttpClient | None = None) -> Channel:
    """A TwilioChannel when credentials are configured, else a ConsoleChannel."""
    if settings.twilio_enabled:
        assert settings.twilio_account_sid and settings.twilio_auth_token
        return TwilioChannel(
            settings.twilio_account_sid, settings.twilio_auth_token, http_client=http_client
        )
    return ConsoleChannel()
