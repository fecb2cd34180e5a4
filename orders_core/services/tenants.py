"""Tenants, staff numbers and API keys."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from orders_core.errors import Conflict, DomainError, NotFound, ValidationFailed
from orders_core.models import ApiKey, StaffMember, Tenant, utcnow
from orders_core.phones import normalize_phone
from orders_core.tenant_settings import TenantSettings

KEY_PREFIXES = {"live": "sk_live_", "test": "sk_test_"}


def hash_key(raw: str) -> str:
    """The stored form of an API key (SHA-256; keys are 256 random bits, so no salt is needed)."""
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class NewApiKey:
    """A key just made: `secret` is shown once and never stored."""

    id: str
    secret: str
    mode: str
    tenant_id: int


def create_tenant(
    session: Session,
    *,
    name: str,
    currency: str,
    timezone: str = "UTC",
    whatsapp_number: str | None = None,
    sms_number: str | None = None,
    staff: list[str] | None = None,
    settings: dict[str, Any] | None = None,
) -> Tenant:
    """A new tenant with its staff numbers; numbers are normalized to E.164. Conflict when
    another business already uses the WhatsApp or SMS number (each number is one business's)."""
    if len(currency) != 3 or not currency.isalpha():
        raise ValidationFailed("currency must be an ISO 4217 code like NGN", param="currency")
    validated = TenantSettings.model_validate(settings or {})
    whatsapp = normalize_phone(whatsapp_number) if whatsapp_number else None
    sms = normalize_phone(sms_number) if sms_number else None
    _refuse_taken_numbers(session, whatsapp=whatsapp, sms=sms)
    tenant = Tenant(
        name=name,
        currency=currency.upper(),
        timezone=timezone,
        whatsapp_number=whatsapp,
        sms_number=sms,
        settings=validated.model_dump(mode="json"),
        created_at=utcnow(),
    )
    tenant.staff = [StaffMember(phone=normalize_phone(p), created_at=utcnow()) for p in staff or []]
    session.add(tenant)
    session.flush()
    return tenant


def _refuse_taken_numbers(session: Session, *, whatsapp: str | None, sms: str | None) -> None:
    for column, number, param in (
        (Tenant.whatsapp_number, whatsapp, "whatsapp_number"),
        (Tenant.sms_number, sms, "sms_number"),
    ):
        if number is None:
            continue
        owner = session.execute(select(Tenant.id, Tenant.name).where(column == number)).first()
        if owner is not None:
            raise Conflict(
                f"{number} is already the {param.replace('_', ' ')} of business {owner.id} "
                f"({owner.name}): use another number",
                param=param,
                details={"tenant_id": owner.id},
            )


def create_api_key(
    session: Session, tenant_id: int, *, mode: str = "live", name: str | None = None
) -> NewApiKey:
    """A new random key for the tenant; only its hash is stored."""
    if mode not in KEY_PREFIXES:
        raise ValidationFailed("mode must be live or test", param="mode")
    secret = KEY_PREFIXES[mode] + secrets.token_urlsafe(32)
    key = ApiKey(
        tenant_id=tenant_id,
        key_hash=hash_key(secret),
        mode=mode,
        last4=secret[-4:],
        name=name,
        created_at=utcnow(),
    )
    session.add(key)
    session.flush()
    return NewApiKey(id=f"key_{key.id}", secret=secret, mode=mode, tenant_id=tenant_id)


def revoke_api_key(session: Session, key_id: str) -> ApiKey:
    """Revoke a key by `key_<n>` id; it stops working at once."""
    match = re.match(r"^(?:key_)?([0-9]{1,18})$", key_id)
    key = session.get(ApiKey, int(match.group(1))) if match else None
    if key is None:
        raise NotFound(f"No such API key: {key_id}", param="id")
    key.revoked_at = key.revoked_at or utcnow()
    return key


@dataclass(frozen=True)
class Caller:
    """An authenticated API key, and the version of its tenant as of that moment."""

    key: ApiKey
    tenant_version: int
    tenant_created_at: datetime


def authenticate(session: Session, raw: str) -> Caller | None:
    """The live (not revoked) key matching `raw` with its tenant's version, or None."""
    if not raw.startswith(tuple(KEY_PREFIXES.values())) or len(raw) > 200:
        return None
    row = session.execute(
        select(ApiKey, Tenant.version, Tenant.created_at)
        .join(Tenant, Tenant.id == ApiKey.tenant_id)
        .where(ApiKey.key_hash == hash_key(raw), ApiKey.revoked_at.is_(None))
    ).one_or_none()
    return None if row is None else Caller(row[0], row[1], row[2])


def touch_api_key(session: Session, key_id: int) -> None:
    """Remember when a key was last used."""
    session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=utcnow()))


def get_tenant(session: Session, tenant_id: int) -> Tenant:
    """The tenant by its database id, with staff loaded."""
    tenant = session.scalars(
        select(Tenant).where(Tenant.id == tenant_id).options(selectinload(Tenant.staff))
    ).one_or_none()
    if tenant is None:
        raise NotFound(f"No such tenant: {tenant_id}")
    return tenant


def tenant_by_number(session: Session, number: str) -> Tenant | None:
    """The tenant whose WhatsApp or SMS sender is `number` (E.164)."""
    return session.scalars(
        select(Tenant)
        .where((Tenant.whatsapp_number == number) | (Tenant.sms_number == number))
        .options(selectinload(Tenant.staff))
    ).one_or_none()


def tenant_settings(tenant: Tenant) -> TenantSettings:
    """The tenant's settings, validated, with defaults for anything unset."""
    return TenantSettings.model_validate(tenant.settings or {})


def update_tenant_settings(
    session: Session, tenant: Tenant, changes: dict[str, Any]
) -> TenantSettings:
    """Merge `changes` into the tenant's settings after validating the result."""
    merged = {**tenant_settings(tenant).model_dump(mode="json"), **changes}
    try:
        validated = TenantSettings.model_validate(merged)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        param = ".".join(str(part) for part in ("settings", *first["loc"]))
        raise DomainError(f"{param}: {first['msg']}", param=param) from exc
    tenant.settings = validated.model_dump(mode="json")
    return validated


def set_staff(session: Session, tenant: Tenant, phones: list[str]) -> None:
    """Replace the tenant's staff numbers."""
    wanted = {normalize_phone(p) for p in phones}
    tenant.staff = [s for s in tenant.staff if s.phone in wanted] + [
        StaffMember(phone=p, created_at=utcnow())
        for p in sorted(wanted - {s.phone for s in tenant.staff})
    ]
