"""Signed outbound webhooks: planned from outbox events, posted with retries, one row per URL.

Body: {"id": the event id (same on every retry), "type", "created_at", "data"} plus "meta"
(the order's own meta) for an order's webhook_urls. Header `Chatorders-Signature:
t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.

Secrets are not stored: each endpoint's is HMAC(SECRET_KEY, "endpoint:<id>:<salt>") with a
random stored salt, and the one for orders' own webhook_urls is HMAC(SECRET_KEY,
"order-urls:<tenant id>"). Changing SECRET_KEY changes every secret at once: receivers
must fetch new ones (rotate each endpoint, read /v1/webhook_secret again). Without a
SECRET_KEY the Twilio auth token keys the HMAC (another server-side secret that is not in
the database; rotating it then rotates the webhook secrets too); with neither, a local run
(console channel, nothing real configured) signs with a fixed development key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import notifications as wording
from bot.recipients import message_staff
from orders_core.db import Database
from orders_core.models import (
    OutboxEvent,
    Tenant,
    WebhookDelivery,
    WebhookEndpoint,
)
from orders_core.settings import Settings
from orders_core.urls import resolves_publicly

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "Chatorders-Signature"
LOCAL_SIGNING_KEY = "chatorders-local-development-only"
RETRY_DELAYS = tuple(
    timedelta(seconds=s) for s in (60, 300, 1800, 7200, 18000, 36000, 36000)
)  # 8 tries over about 27 hours
DELIVERY_LEASE = timedelta(minutes=2)
DISABLE_AFTER = timedelta(days=3)
TIMEOUT_SECONDS = 10.0

PENDING, DELIVERING, SUCCEEDED, FAILED = "pending", "delivering", "succeeded", "failed"

_Row = TypeVar("_Row", OutboxEvent, WebhookEndpoint)


class Sender(Protocol):
    """Posts a body to a URL and answers the HTTP status; raises OSError when unreachable."""

    def __call__(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        """POST `body` to `url`; the response status."""
        ...


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class UrllibSender:
    """POSTs with the standard library, no redirects followed, a timeout of ~10 s."""

    def __init__(self, timeout: float = TIMEOUT_SECONDS, *, allow_private: bool = False) -> None:
        self.timeout = timeout
        self.allow_private = allow_private
        self._opener = urllib.request.build_opener(_NoRedirects, urllib.request.ProxyHandler({}))

    def __call__(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        """POST and return the status (4xx/5xx included); OSError on network failure.

        A host that resolves to a loopback or private address is refused (OSError) unless
        `allow_private`, so tenants cannot make the server call into its own network.
        """
        if not self.allow_private and not resolves_publicly(url):
            raise OSError(f"refusing to deliver to a non-public address: {url}")
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)


def _key(settings: Settings) -> bytes:
    """SECRET_KEY, else the Twilio auth token, else (local runs only) the development key."""
    return (settings.secret_key or settings.twilio_auth_token or LOCAL_SIGNING_KEY).encode()


def endpoint_secret(settings: Settings, endpoint_id: int, salt: str) -> str:
    """The signing secret of one endpoint, derived (never stored)."""
    digest = hmac.new(_key(settings), f"endpoint:{endpoint_id}:{salt}".encode(), hashlib.sha256)
    return "whsec_" + digest.hexdigest()


def order_urls_secret(settings: Settings, tenant_id: int) -> str:
    """The signing secret for the tenant's orders' own webhook_urls, derived (never stored)."""
    digest = hmac.new(_key(settings), f"order-urls:{tenant_id}".encode(), hashlib.sha256)
    return "whsec_" + digest.hexdigest()


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The Chatorders-Signature header value for `body` sent at `timestamp`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, body: bytes, header: str, *, now: int, tolerance: int = 300) -> bool:
    """True when `header` signs `body` with `secret` within `tolerance` seconds of `now`."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    if not parts.get("t", "").isdigit() or abs(now - int(parts["t"])) > tolerance:
        return False
    expected = sign(secret, body, int(parts["t"])).split("v1=")[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def event_body(event: OutboxEvent, *, with_meta: bool) -> bytes:
    """The JSON body for `event`: the same bytes on every retry."""
    payload: dict[str, object] = {
        "id": event.public_id,
        "type": event.type,
        "created_at": event.created_at.isoformat(),
        "data": event.data,
    }
    if with_meta:
        payload["meta"] = (event.data.get("order") or {}).get("meta") or {}
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def enabled_endpoints(session: Session, tenant_id: int) -> list[WebhookEndpoint]:
    """The tenant's endpoints that receive events now."""
    return list(
        session.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.tenant_id == tenant_id, WebhookEndpoint.enabled.is_(True))
            .order_by(WebhookEndpoint.id)
        )
    )


def plan_webhooks(
    event: OutboxEvent, endpoints: Iterable[WebhookEndpoint], *, now: datetime
) -> list[dict[str, Any]]:
    """One pending delivery per subscribed endpoint and per order webhook URL (one per URL),
    as the column values of new `webhook_deliveries` rows."""
    targets: dict[str, int | None] = {}
    for endpoint in endpoints:
        if event.type in endpoint.events:
            targets.setdefault(endpoint.url, endpoint.id)
    for url in (event.data.get("order") or {}).get("webhook_urls") or []:
        targets.setdefault(str(url), None)
    return [
        {
            "tenant_id": event.tenant_id,
            "outbox_event_id": event.id,
            "endpoint_id": endpoint_id,
            "url": url,
            "status": PENDING,
            "next_attempt_at": now,
            "created_at": now,
            "updated_at": now,
        }
        for url, endpoint_id in targets.items()
    ]


@dataclass(frozen=True)
class _Post:
    id: int
    url: str
    body: bytes
    secret: str


def _by_id(session: Session, model: type[_Row], ids: set[int]) -> dict[int, _Row]:
    """The rows of `model` with these ids, read in one query (none for no ids)."""
    if not ids:
        return {}
    return {row.id: row for row in session.scalars(select(model).where(model.id.in_(ids)))}


def _claim(session: Session, settings: Settings, now: datetime, limit: int) -> list[_Post]:
    """Lease the due deliveries; their events and endpoints are read in one query each."""
    rows = list(
        session.scalars(
            select(WebhookDelivery)
            .where(
                WebhookDelivery.status.in_((PENDING, DELIVERING)),
                WebhookDelivery.next_attempt_at <= now,
            )
            .order_by(WebhookDelivery.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if not rows:
        return []
    events = _by_id(session, OutboxEvent, {d.outbox_event_id for d in rows})
    endpoints = _by_id(session, WebhookEndpoint, {d.endpoint_id for d in rows if d.endpoint_id})
    posts = []
    for delivery in rows:
        endpoint = endpoints.get(delivery.endpoint_id or 0)
        if endpoint is not None and not endpoint.enabled:
            delivery.status, delivery.last_error = FAILED, "endpoint disabled"
            delivery.next_attempt_at, delivery.updated_at = None, now
            continue
        event = events[delivery.outbox_event_id]
        secret = (
            endpoint_secret(settings, endpoint.id, endpoint.salt)
            if endpoint is not None
            else order_urls_secret(settings, delivery.tenant_id)
        )
        delivery.status = DELIVERING
        delivery.attempts += 1
        delivery.next_attempt_at = now + DELIVERY_LEASE  # a crash mid-post retries after this
        delivery.updated_at = now
        posts.append(
            _Post(delivery.id, delivery.url, event_body(event, with_meta=endpoint is None), secret)
        )
    return posts


def _disable(session: Session, endpoint: WebhookEndpoint, now: datetime) -> None:
    """Turn a long-failing endpoint off and tell the tenant's staff."""
    assert endpoint.failing_since is not None
    days = (now - endpoint.failing_since).days
    endpoint.enabled = False
    endpoint.disabled_reason = f"every delivery failed since {endpoint.failing_since.isoformat()}"
    endpoint.updated_at = now
    tenant = session.get(Tenant, endpoint.tenant_id)
    assert tenant is not None
    message_staff(
        session,
        tenant,
        wording.staff_endpoint_disabled(endpoint.url, days),
        dedupe=f"webhook-disabled:{endpoint.id}:{int(endpoint.failing_since.timestamp())}",
        now=now,
    )


def _record(
    session: Session,
    delivery: WebhookDelivery,
    status: int | None,
    error: str | None,
    now: datetime,
) -> None:
    endpoint = session.get(WebhookEndpoint, delivery.endpoint_id) if delivery.endpoint_id else None
    delivery.last_status_code = status
    delivery.updated_at = now
    if status is not None and 200 <= status < 300:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = SUCCEEDED, now, None
        delivery.last_error = None
        if endpoint is not None:
            endpoint.failing_since = None
        return
    delivery.last_error = error or f"HTTP {status}"
    if delivery.attempts > len(RETRY_DELAYS):
        delivery.status, delivery.next_attempt_at = FAILED, None
    else:
        delay = RETRY_DELAYS[delivery.attempts - 1]
        delivery.status = PENDING
        delivery.next_attempt_at = now + delay * (0.8 + 0.4 * random.random())
    if endpoint is None:
        return
    endpoint.failing_since = endpoint.failing_since or now
    if endpoint.enabled and now - endpoint.failing_since >= DISABLE_AFTER:
        _disable(session, endpoint, now)


def deliver_webhooks(
    database: Database, settings: Settings, sender: Sender, *, now: datetime, limit: int = 50
) -> int:
    """Post the due deliveries once each (at least once across crashes); how many were tried.

    2xx is success; anything else retries on RETRY_DELAYS (with jitter), then `failed`. An
    endpoint failing for DISABLE_AFTER with no success is disabled and staff are told. An
    endpoint deleted while its deliveries are being posted ends those deliveries quietly;
    the rest of the batch goes on.
    """
    with database.write() as session:
        posts = _claim(session, settings, now, limit)
    timestamp = int(now.timestamp())
    for post in posts:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "chatorders-webhooks/1",
            SIGNATURE_HEADER: sign(post.secret, post.body, timestamp),
        }
        status: int | None = None
        error: str | None = None
        try:
            status = sender(post.url, post.body, headers)
        except (OSError, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        with database.write() as session:
            delivery = session.get(WebhookDelivery, post.id)
            if delivery is None:  # its endpoint was deleted (with its deliveries) meanwhile
                log.info("webhook delivery %s is gone; its result is not recorded", post.id)
                continue
            _record(session, delivery, status, error, now)
    return len(posts)
