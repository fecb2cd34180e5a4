"""Bearer API keys for /v1."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, Response, g, request

from orders_core.models import utcnow
from orders_core.services.tenants import authenticate, touch_api_key
from webhooks.context import db
from webhooks.errors import error_response

TOUCH_EVERY = timedelta(minutes=5)


# The header some order APIs use instead of Authorization (the timeline-export reference).
KEY_HEADER = "X-Tenant-Api-Key"


def bearer_token() -> str | None:
    """The key of an `Authorization: Bearer ...` header, or else of `X-Tenant-Api-Key`."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return request.headers.get(KEY_HEADER, "").strip() or None


def init_auth(app: Flask) -> None:
    """Require a valid key on every /v1 request; `g` then names the tenant and the key."""

    @app.before_request
    def _authenticate() -> Response | None:
        if not request.path.startswith("/v1/") and request.path != "/v1":
            return None
        token = bearer_token()
        if token is None:
            return error_response(
                401,
                "unauthorized",
                "Send your API key as 'Authorization: Bearer sk_live_...' (or X-Tenant-Api-Key)",
            )
        with db().lookup() as session:
            caller = authenticate(session, token)
        if caller is None:
            return error_response(401, "unauthorized", "Invalid or revoked API key")
        key = caller.key
        g.tenant_id, g.api_key_id = key.tenant_id, key.id
        g.tenant_version = (caller.tenant_version, caller.tenant_created_at)
        g.key_rate_limit = key.rate_limit_per_minute
        stale = key.last_used_at is None or utcnow() - key.last_used_at > TOUCH_EVERY
        if stale:
            with db().write() as session:
                touch_api_key(session, g.api_key_id)
        return None
