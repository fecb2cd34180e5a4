"""What a tenant is (settings, staff, catalog), cached per process and checked by version.

Every use reads the tenant's `version` (one indexed row); when it moved since the copy was
taken, the tenant, its staff and its products are loaded again. Nothing here is written:
the copies are detached and must be treated as read-only.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from orders_core.db import Database
from orders_core.models import Product, Tenant
from orders_core.tenant_settings import TenantSettings
from orders_core.versioning import CHANGED_TENANTS

T = TypeVar("T")
# Tenants kept per process; the least recently used beyond this are reloaded on demand.
MAX_TENANTS = 1024


@dataclass(frozen=True)
class TenantSnapshot:
    """A tenant as of one version: its row with staff, validated settings and products."""

    tenant: Tenant
    settings: TenantSettings
    products: tuple[Product, ...]
    _memo: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def staff_phones(self) -> frozenset[str]:
        """The phone numbers of the tenant's staff."""
        return self.memo("staff_phones", lambda: frozenset(m.phone for m in self.tenant.staff))

    @property
    def by_code(self) -> Mapping[str, Product]:
        """The products by their API code."""
        return self.memo("by_code", lambda: {p.code: p for p in self.products})

    def memo(self, name: str, build: Callable[[], T]) -> T:
        """`build()` once for this version: derived data (a match index, a menu) lives here."""
        try:
            return self._memo[name]  # type: ignore[no-any-return]
        except KeyError:
            value = self._memo[name] = build()
            return value


class TenantCache:
    """Snapshots of tenants for one database, reloaded when their version moves."""

    def __init__(self, size: int = MAX_TENANTS) -> None:
        self._size = size
        self._snapshots: OrderedDict[int, TenantSnapshot] = OrderedDict()
        self._lock = threading.Lock()

    def by_number(self, session: Session, number: str) -> TenantSnapshot | None:
        """The tenant whose WhatsApp or SMS sender is `number` (E.164), or None."""
        row = session.execute(
            select(Tenant.id, Tenant.version, Tenant.created_at).where(
                (Tenant.whatsapp_number == number) | (Tenant.sms_number == number)
            )
        ).one_or_none()
        return (
            None if row is None else self.at_version(session, row.id, row.version, row.created_at)
        )

    def at_version(
        self, session: Session, tenant_id: int, version: int, created_at: datetime
    ) -> TenantSnapshot:
        """The tenant as of `version` (read moments ago), loaded in `session` if not cached."""
        if tenant_id in session.info.get(CHANGED_TENANTS, ()):
            # Changed in this very transaction, which may still roll back: not for sharing.
            return _load(session, tenant_id)
        with self._lock:
            cached = self._snapshots.get(tenant_id)
            if cached is not None and (cached.tenant.version, cached.tenant.created_at) == (
                version, created_at,
            ):  # fmt: skip
                self._snapshots.move_to_end(tenant_id)
                return cached
        snapshot = _load(session, tenant_id)
        with self._lock:
            self._snapshots[tenant_id] = snapshot
            self._snapshots.move_to_end(tenant_id)
            while len(self._snapshots) > self._size:
                self._snapshots.popitem(last=False)
        return snapshot


def _load(session: Session, tenant_id: int) -> TenantSnapshot:
    """Read the tenant, staff and products in `session`'s transaction, detached from it."""
    with Session(bind=session.connection()) as loader:
        return _read(loader, tenant_id)


def _read(session: Session, tenant_id: int) -> TenantSnapshot:
    tenant = session.scalars(
        select(Tenant).where(Tenant.id == tenant_id).options(selectinload(Tenant.staff))
    ).one()
    products = tuple(
        session.scalars(
            select(Product)
            .where(Product.tenant_id == tenant_id)
            .order_by(Product.position, Product.id)
        )
    )
    snapshot = TenantSnapshot(
        tenant=tenant,
        settings=TenantSettings.model_validate(tenant.settings or {}),
        products=products,
    )
    session.expunge_all()
    return snapshot


def tenant_cache(database: Database) -> TenantCache:
    """The cache kept on the database object, made on first use."""
    cache = database.caches.get("tenants")
    if cache is None:
        cache = database.caches.setdefault("tenants", TenantCache())
    return cache  # type: ignore[no-any-return]
