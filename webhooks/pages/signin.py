"""Dashboard sign-in with a tenant's API key, held in the signed session cookie, and CSRF tokens."""

from __future__ import annotations

import hmac
import secrets

from flask import abort, g, request, session
from sqlalchemy import select

from orders_core.models import ApiKey
from orders_core.services.tenants import authenticate
from webhooks.context import db

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


def csrf_token() -> str:
    """This session's CSRF token, made on first use."""
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def check_csrf() -> None:
    """Abort with 400 unless an unsafe request carries this session's CSRF token."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    sent = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    expected = session.get("csrf")
    if not isinstance(expected, str) or not hmac.compare_digest(sent.encode(), expected.encode()):
        abort(400, "This form has expired. Reload the page and try again.")


def sign_in(raw_key: str) -> bool:
    """Start a session for the key's tenant if the key is live; False for a wrong or revoked key."""
    with db().read() as db_session:
        caller = authenticate(db_session, raw_key.strip())
        if caller is None:
            return False
        tenant_id, key_id = caller.key.tenant_id, caller.key.id
    session.clear()
    session["tenant_id"], session["key_id"] = tenant_id, key_id
    csrf_token()
    return True


def sign_out() -> None:
    """Forget who is signed in."""
    session.clear()


def signed_in_tenant() -> int | None:
    """The signed-in tenant's id, if the session's key still exists and is not revoked."""
    tenant_id, key_id = session.get("tenant_id"), session.get("key_id")
    if not isinstance(tenant_id, int) or not isinstance(key_id, int):
        return None
    with db().read() as db_session:
        live = db_session.scalar(
            select(ApiKey.id).where(
                ApiKey.id == key_id, ApiKey.tenant_id == tenant_id, ApiKey.revoked_at.is_(None)
            )
        )
    if live is None:
        session.clear()
        return None
    g.tenant_id = tenant_id
    return tenant_id
