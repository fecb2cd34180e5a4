"""Dashboard sign-in, held in the signed session cookie, and CSRF tokens.

Two ways in: a staff account's email and password (its role decides what it may use), or
the business's API key (the owner's powers). The session keeps ids, never a secret: the
account id with its session version (which a new password or disabling moves), or the key id.
Every request checks them again, so a revoked key or a disabled account is out at once.
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass

from flask import abort, g, request, session
from sqlalchemy import select

from orders_core.errors import NotFound
from orders_core.models import ApiKey, StaffRole
from orders_core.services import staff_accounts as accounts
from orders_core.services.staff_accounts import SignInMatch
from orders_core.services.tenants import authenticate
from webhooks.context import db

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
# How long the "which business?" question stays open after a good password.
CHOOSE_SECONDS = 300


@dataclass(frozen=True)
class Who:
    """Whoever this request is signed in as: the business, the role, and a name to show."""

    tenant_id: int
    role: StaffRole
    name: str
    account_id: int | None = None  # None: signed in with the API key


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


def _start(values: dict[str, object]) -> None:
    session.clear()
    session.update(values)
    g.pop("who", None)
    csrf_token()


def sign_in(raw_key: str) -> bool:
    """Start a session for the key's tenant if the key is live; False for a wrong or revoked key."""
    with db().read() as db_session:
        caller = authenticate(db_session, raw_key.strip())
        if caller is None:
            return False
        tenant_id, key_id = caller.key.tenant_id, caller.key.id
    _start({"tenant_id": tenant_id, "key_id": key_id})
    return True


def sign_in_with_password(email: str, password: str) -> list[SignInMatch]:
    """Check an email and password. One matching account: signed in. Several (the same email
    at several businesses): they wait in the session for `choose_account`. None: [] ."""
    with db().write() as db_session:
        found = accounts.check_sign_in(db_session, email, password)
    if len(found) == 1:
        return found if start_account(found[0].account_id) else []
    if found:
        _start({"choose": [m.account_id for m in found], "choose_at": int(time.time())})
    return found


def pending_choices() -> list[int]:
    """The account ids a good password may still choose between (empty once stale)."""
    ids, at = session.get("choose"), session.get("choose_at")
    if not isinstance(ids, list) or not isinstance(at, int) or time.time() - at > CHOOSE_SECONDS:
        return []
    return [i for i in ids if isinstance(i, int)]


def start_account(account_id: int) -> bool:
    """Sign in as the account (its password was checked); False if it is disabled meanwhile."""
    with db().write() as db_session:
        try:
            account = accounts.record_sign_in(db_session, account_id)
        except NotFound:
            return False
        values = {
            "tenant_id": account.tenant_id,
            "staff_id": account.id,
            "staff_v": account.session_version,
        }
    _start(values)
    return True


def sign_out() -> None:
    """Forget who is signed in."""
    session.clear()
    g.pop("who", None)


def _load() -> Who | None:
    tenant_id = session.get("tenant_id")
    if not isinstance(tenant_id, int):
        return None
    staff_id, version, key_id = (
        session.get("staff_id"),
        session.get("staff_v"),
        session.get("key_id"),
    )
    with db().read() as db_session:
        if isinstance(staff_id, int) and isinstance(version, int):
            account = accounts.live_account(db_session, staff_id, version)
            if account is None or account.tenant_id != tenant_id:
                return None
            return Who(tenant_id, StaffRole(account.role), account.name, account.id)
        if not isinstance(key_id, int):
            return None
        live = db_session.scalar(
            select(ApiKey.id).where(
                ApiKey.id == key_id, ApiKey.tenant_id == tenant_id, ApiKey.revoked_at.is_(None)
            )
        )
    return None if live is None else Who(tenant_id, StaffRole.OWNER, "API key")


def current() -> Who | None:
    """Who this request is signed in as (checked once per request), or None; a session whose
    key was revoked or whose account was disabled, deleted or given a new password is ended."""
    if "who" not in g:
        who = _load()
        if who is None and ("tenant_id" in session or "staff_id" in session):
            session.pop("tenant_id", None)
            session.pop("staff_id", None)
            session.pop("key_id", None)
        g.who = who
        if who is not None:
            g.tenant_id = who.tenant_id
    return g.who


def signed_in_tenant() -> int | None:
    """The signed-in tenant's id, or None."""
    who = current()
    return None if who is None else who.tenant_id
