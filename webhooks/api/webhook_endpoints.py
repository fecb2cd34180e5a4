"""/v1/webhook_endpoints: the business systems that receive signed order events.

The signing secret is shown when an endpoint is created (or its secret rotated) and never
stored: it is derived from SECRET_KEY and a stored random salt (see bot.webhook_delivery).

Both POSTs honour Idempotency-Key. The stored answer keeps only a SHA-256 fingerprint of
the secret; a replay derives the endpoint's secret again and shows it if it is still the
one that answer showed, so a retry after a lost answer still gets the secret. If the secret
was rotated since (or the endpoint deleted) the replay shows `secret: null` and says why in
the `Secret-Unavailable` header (`rotated` or `deleted`).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime
from typing import Annotated, Any, Literal

from flask import Blueprint
from pydantic import AfterValidator, AnyHttpUrl, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.webhook_delivery import endpoint_secret, order_urls_secret
from orders_core.errors import NotFound
from orders_core.events import EVENT_TYPES
from orders_core.fields import Input, Output, public_url
from orders_core.models import WebhookEndpoint, utcnow
from webhooks.context import db, services, tenant_id
from webhooks.idempotency import Sealed
from webhooks.routes import api_route

bp = Blueprint("webhook_endpoints", __name__, url_prefix="/v1")
DATABASE_ID = re.compile(r"[0-9]{1,18}")  # ASCII digits that fit a BIGINT

EventType = Literal[EVENT_TYPES]  # type: ignore[valid-type]  # every event an endpoint may want


Url = Annotated[AnyHttpUrl, Field(max_length=2000), AfterValidator(public_url)]
WRITE_ERRORS = (400, 401, 404, 415, 429)
POST_ERRORS = (*WRITE_ERRORS, 409)  # 409: an Idempotency-Key reused with another request


def _unique(events: list[str]) -> list[str]:
    if not events:
        raise ValueError("subscribe to at least one event")
    return list(dict.fromkeys(events))


class EndpointIn(Input):
    """POST /v1/webhook_endpoints."""

    url: Url
    events: list[EventType] = Field(default_factory=lambda: list(EVENT_TYPES))
    enabled: bool = True
    description: Annotated[str, Field(max_length=500)] | None = None

    _events = field_validator("events")(_unique)


class EndpointPatch(Input):
    """PATCH /v1/webhook_endpoints/{id}: any of url, events, enabled, description."""

    url: Url | None = None
    events: list[EventType] | None = None
    enabled: bool | None = None
    description: Annotated[str, Field(max_length=500)] | None = None

    _events = field_validator("events")(lambda v: None if v is None else _unique(v))


class EndpointOut(Output):
    """A webhook endpoint; `secret` only in the answer that creates or rotates it."""

    id: str
    object: Literal["webhook_endpoint"] = "webhook_endpoint"
    url: str
    events: list[str]
    enabled: bool
    description: str | None
    disabled_reason: str | None
    failing_since: datetime | None
    created_at: datetime
    updated_at: datetime
    secret: str | None = None


class EndpointList(Output):
    """Every webhook endpoint of the tenant."""

    object: Literal["list"] = "list"
    data: list[EndpointOut]


class Deleted(Output):
    """The answer to a DELETE."""

    id: str
    object: Literal["webhook_endpoint"] = "webhook_endpoint"
    deleted: bool = True


class SecretOut(Output):
    """The secret that signs deliveries to orders' own webhook_urls."""

    object: Literal["webhook_secret"] = "webhook_secret"
    secret: str


def _out(endpoint: WebhookEndpoint, *, with_secret: bool = False) -> EndpointOut:
    settings = services().settings
    secret = endpoint_secret(settings, endpoint.id, endpoint.salt) if with_secret else None
    return EndpointOut(
        id=endpoint.public_id,
        url=endpoint.url,
        events=list(endpoint.events),
        enabled=endpoint.enabled,
        description=endpoint.description,
        disabled_reason=endpoint.disabled_reason,
        failing_since=endpoint.failing_since,
        created_at=endpoint.created_at,
        updated_at=endpoint.updated_at,
        secret=secret,
    )


def _fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _seal(payload: dict[str, Any]) -> dict[str, Any]:
    """The answer to store: the secret replaced by its fingerprint."""
    return {**payload, "secret": None, "secret_sha256": _fingerprint(payload["secret"])}


def _unseal(stored: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The answer to replay: the secret derived again while it is still the endpoint's."""
    payload = dict(stored)
    fingerprint = payload.pop("secret_sha256")
    with db().read() as session:
        try:
            endpoint = _get(session, payload["id"])
        except NotFound:
            return payload, {"Secret-Unavailable": "deleted"}
        secret = endpoint_secret(services().settings, endpoint.id, endpoint.salt)
    if _fingerprint(secret) != fingerprint:
        return payload, {"Secret-Unavailable": "rotated"}
    return {**payload, "secret": secret}, {}


SEALED = Sealed(seal=_seal, unseal=_unseal)


def _get(session: Session, endpoint_id: str) -> WebhookEndpoint:
    raw = endpoint_id.removeprefix("we_")
    endpoint = session.get(WebhookEndpoint, int(raw)) if DATABASE_ID.fullmatch(raw) else None
    if endpoint is None or endpoint.tenant_id != tenant_id():
        raise NotFound(f"No such webhook endpoint: {endpoint_id}", param="id")
    return endpoint


@api_route(bp, "/webhook_endpoints", "POST", summary="Create a webhook endpoint",
           body=EndpointIn, response=EndpointOut, status=201, errors=POST_ERRORS,
           idempotent=SEALED)  # fmt: skip
def create(session: Session, body: EndpointIn) -> EndpointOut:
    """Register a URL for events; the answer shows its signing secret, this once (and to a
    replay of the same Idempotency-Key while the secret is unchanged)."""
    now = utcnow()
    endpoint = WebhookEndpoint(
        tenant_id=tenant_id(),
        url=str(body.url),
        events=list(body.events),
        enabled=body.enabled,
        description=body.description,
        salt=secrets.token_hex(16),
        created_at=now,
        updated_at=now,
    )
    session.add(endpoint)
    session.flush()
    return _out(endpoint, with_secret=True)


@api_route(bp, "/webhook_endpoints", "GET", summary="List webhook endpoints",
           response=EndpointList, errors=(401, 429))  # fmt: skip
def list_() -> EndpointList:
    """The tenant's endpoints, oldest first, without secrets."""
    with db().read() as session:
        rows = session.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.tenant_id == tenant_id())
            .order_by(WebhookEndpoint.id)
        )
        return EndpointList(data=[_out(e) for e in rows])


@api_route(bp, "/webhook_endpoints/<endpoint_id>", "GET", summary="Retrieve a webhook endpoint",
           response=EndpointOut, errors=(401, 404, 429))  # fmt: skip
def retrieve(endpoint_id: str) -> EndpointOut:
    """One endpoint, without its secret."""
    with db().read() as session:
        return _out(_get(session, endpoint_id))


@api_route(bp, "/webhook_endpoints/<endpoint_id>", "PATCH", summary="Update a webhook endpoint",
           body=EndpointPatch, response=EndpointOut, errors=WRITE_ERRORS,
           idempotent=True)  # fmt: skip
def update(session: Session, endpoint_id: str, body: EndpointPatch) -> EndpointOut:
    """Change url, events, description or enabled; re-enabling clears the failure record."""
    endpoint = _get(session, endpoint_id)
    if body.url is not None:
        endpoint.url = str(body.url)
    if body.events is not None:
        endpoint.events = list(body.events)
    if "description" in body.model_fields_set:
        endpoint.description = body.description
    if body.enabled is not None:
        if body.enabled and not endpoint.enabled:
            endpoint.failing_since, endpoint.disabled_reason = None, None
        endpoint.enabled = body.enabled
    endpoint.updated_at = utcnow()
    return _out(endpoint)


@api_route(bp, "/webhook_endpoints/<endpoint_id>", "DELETE", summary="Delete a webhook endpoint",
           response=Deleted, errors=(401, 404, 409, 429), idempotent=True)  # fmt: skip
def delete(session: Session, endpoint_id: str) -> Deleted:
    """Remove the endpoint and its pending deliveries."""
    endpoint = _get(session, endpoint_id)
    public_id = endpoint.public_id
    session.delete(endpoint)
    return Deleted(id=public_id)


@api_route(bp, "/webhook_endpoints/<endpoint_id>/rotate_secret", "POST",
           summary="Rotate a webhook endpoint's secret", response=EndpointOut,
           errors=POST_ERRORS, idempotent=SEALED)  # fmt: skip
def rotate_secret(session: Session, endpoint_id: str) -> EndpointOut:
    """A new signing secret, shown this once; the old one stops working at once. A retry
    with the same Idempotency-Key rotates nothing and shows the secret again."""
    endpoint = _get(session, endpoint_id)
    endpoint.salt = secrets.token_hex(16)
    endpoint.updated_at = utcnow()
    return _out(endpoint, with_secret=True)


@api_route(bp, "/webhook_secret", "GET", summary="The secret for orders' own webhook_urls",
           response=SecretOut, errors=(401, 429))  # fmt: skip
def order_urls() -> SecretOut:
    """The secret that signs deliveries to the webhook_urls given when creating orders."""
    return SecretOut(secret=order_urls_secret(services().settings, tenant_id()))
