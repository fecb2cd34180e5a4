"""Staff accounts: add, list, disable, change a password, and check a sign-in.

Passwords are hashed with argon2id (argon2-cffi's defaults); a hash made with older
parameters is replaced at the next good sign-in. An unknown email costs the same as a
wrong password (a dummy hash is checked), so timing does not tell which emails exist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from orders_core.errors import Conflict, NotFound, ValidationFailed
from orders_core.models import StaffAccount, StaffRole, Tenant, utcnow

MIN_PASSWORD = 10
MAX_PASSWORD = 1024
MAX_NAME = 200
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# The hasher in use; its parameters are argon2-cffi's current recommendation.
HASHER = PasswordHasher()


@dataclass(frozen=True)
class SignInMatch:
    """An account whose password matched, with its business's name (to choose between)."""

    account_id: int
    tenant_id: int
    tenant_name: str


def normalize_email(raw: str) -> str:
    """The email as stored and looked up: trimmed and lower-cased; ValidationFailed if not one."""
    email = raw.strip().lower()
    if len(email) > 320 or not _EMAIL.match(email):
        raise ValidationFailed("That is not an email address like ada@example.com", param="email")
    return email


def check_password(password: str) -> str:
    """The password if it is acceptable (10 to 1024 characters); ValidationFailed otherwise."""
    if len(password) < MIN_PASSWORD:
        raise ValidationFailed(
            f"The password needs at least {MIN_PASSWORD} characters", param="password"
        )
    if len(password) > MAX_PASSWORD:
        raise ValidationFailed(f"At most {MAX_PASSWORD} characters, please", param="password")
    return password


def parse_role(raw: str) -> StaffRole:
    """The role named `raw` (owner, counter, kitchen); ValidationFailed otherwise."""
    try:
        return StaffRole(raw.strip().lower())
    except ValueError:
        roles = ", ".join(r.value for r in StaffRole)
        raise ValidationFailed(f"The role is one of {roles}", param="role") from None


@cache
def _dummy_hash() -> str:
    """A hash to check unknown emails against, made once per process."""
    return HASHER.hash("no such account: this only spends the time a real check would")


def add_account(
    session: Session, tenant_id: int, *, email: str, name: str, role: str, password: str
) -> StaffAccount:
    """A new enabled account of the business; Conflict if the email has one there already."""
    address = normalize_email(email)
    clean_name = " ".join(name.split())[:MAX_NAME]
    if not clean_name:
        raise ValidationFailed("Give the person's name", param="name")
    chosen = parse_role(role)
    check_password(password)
    taken = session.scalar(
        select(StaffAccount.id).where(
            StaffAccount.tenant_id == tenant_id, StaffAccount.email == address
        )
    )
    if taken is not None:
        raise Conflict(f"{address} has an account at this business already", param="email")
    account = StaffAccount(
        tenant_id=tenant_id,
        email=address,
        name=clean_name,
        role=chosen.value,
        password_hash=HASHER.hash(password),
        created_at=utcnow(),
    )
    session.add(account)
    session.flush()
    return account


def list_accounts(session: Session, tenant_id: int) -> list[StaffAccount]:
    """The business's accounts, enabled first, then by name."""
    return list(
        session.scalars(
            select(StaffAccount)
            .where(StaffAccount.tenant_id == tenant_id)
            .order_by(StaffAccount.disabled_at.is_not(None), StaffAccount.name, StaffAccount.id)
        )
    )


def get_account(session: Session, tenant_id: int, *, email: str | None = None,
                account_id: int | None = None) -> StaffAccount:  # fmt: skip
    """The business's account by email or id; NotFound otherwise."""
    query = select(StaffAccount).where(StaffAccount.tenant_id == tenant_id)
    if email is not None:
        query = query.where(StaffAccount.email == normalize_email(email))
    else:
        query = query.where(StaffAccount.id == account_id)
    account = session.scalar(query)
    if account is None:
        raise NotFound("No such staff account at this business", param="email")
    return account


def disable_account(session: Session, account: StaffAccount) -> None:
    """Stop the account signing in; its open sessions end at their next request."""
    if account.disabled_at is None:
        account.disabled_at = utcnow()
        account.session_version += 1


def enable_account(session: Session, account: StaffAccount) -> None:
    """Let a disabled account sign in again (with its password as it was)."""
    account.disabled_at = None


def set_password(session: Session, account: StaffAccount, password: str) -> None:
    """A new password; every session signed in with the old one ends."""
    account.password_hash = HASHER.hash(check_password(password))
    account.session_version += 1


def _verifies(password_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def check_sign_in(session: Session, email: str, password: str) -> list[SignInMatch]:
    """The enabled accounts (at any business) with this email and password; [] when none.

    An unknown email is checked against a dummy hash, so it costs what a wrong password does.
    A matching hash made with older parameters is replaced (the password is the same, so
    the session version stays).
    """
    try:
        address = normalize_email(email)
    except ValidationFailed:
        address = ""
    rows = (
        session.execute(
            select(StaffAccount, Tenant.name)
            .join(Tenant, Tenant.id == StaffAccount.tenant_id)
            .where(StaffAccount.email == address, StaffAccount.disabled_at.is_(None))
            .order_by(Tenant.name, StaffAccount.id)
        ).all()
        if address and len(password) <= MAX_PASSWORD
        else []
    )
    if not rows:
        _verifies(_dummy_hash(), password[:MAX_PASSWORD])
        return []
    found = []
    for account, tenant_name in rows:
        if not _verifies(account.password_hash, password):
            continue
        if HASHER.check_needs_rehash(account.password_hash):
            account.password_hash = HASHER.hash(password)
        found.append(SignInMatch(account.id, account.tenant_id, tenant_name))
    return found


def record_sign_in(session: Session, account_id: int) -> StaffAccount:
    """Note that the account signed in now; NotFound if it is gone or disabled meanwhile."""
    account = session.get(StaffAccount, account_id)
    if account is None or account.disabled_at is not None:
        raise NotFound("No such staff account", param="email")
    account.last_sign_in_at = utcnow()
    return account


def live_account(session: Session, account_id: int, session_version: int) -> StaffAccount | None:
    """The account a session was signed in as, if it is still enabled and its password and
    state have not changed since (its session version is the same)."""
    account = session.get(StaffAccount, account_id)
    if account is None or account.disabled_at is not None:
        return None
    return account if account.session_version == session_version else None


def account_choices(session: Session, account_ids: list[int]) -> list[tuple[int, str, str]]:
    """(account id, business name, role) of enabled accounts, by business name: the
    businesses an email with one password may open."""
    rows = session.execute(
        select(StaffAccount.id, Tenant.name, StaffAccount.role)
        .join(Tenant, Tenant.id == StaffAccount.tenant_id)
        .where(StaffAccount.id.in_(account_ids), StaffAccount.disabled_at.is_(None))
        .order_by(Tenant.name, StaffAccount.id)
    ).all()
    return [(row[0], row[1], row[2]) for row in rows]


def any_accounts(session: Session) -> bool:
    """Whether any business has a staff account yet (serve's first-run hint)."""
    return session.scalar(select(StaffAccount.id).limit(1)) is not None
