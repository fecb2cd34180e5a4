"""Tenant versions: any change to a tenant, its staff or its catalog bumps `tenants.version`.

Processes cache what a tenant is (orders_core.tenant_cache) and compare versions on each
use, so a change made anywhere is seen by every worker on its next request.
"""

from __future__ import annotations

from itertools import chain
from typing import Any

from sqlalchemy import event, update
from sqlalchemy.orm import Session

from orders_core.models import Product, StaffMember, Tenant

# What a cached tenant is made of; a change to any of them makes the cache stale.
VERSIONED = (Tenant, StaffMember, Product)
# session.info key: ids of tenants this session's transaction changed.
CHANGED_TENANTS = "changed_tenants"


def install() -> None:
    """Bump tenant versions after every flush that changed a versioned row (idempotent)."""
    if not event.contains(Session, "after_flush", _bump_versions):
        event.listen(Session, "after_flush", _bump_versions)


def _bump_versions(session: Session, _context: Any) -> None:
    changed: set[int] = set()
    for obj in chain(session.new, session.dirty, session.deleted):
        if not isinstance(obj, VERSIONED):
            continue
        if obj in session.dirty and not session.is_modified(obj, include_collections=False):
            continue
        tenant_id = obj.id if isinstance(obj, Tenant) else obj.tenant_id
        if tenant_id is not None:
            changed.add(tenant_id)
    if changed:
        session.info.setdefault(CHANGED_TENANTS, set()).update(changed)
        session.connection().execute(
            update(Tenant).where(Tenant.id.in_(sorted(changed))).values(version=Tenant.version + 1)
        )
