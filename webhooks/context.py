"""What a request handler needs from the app: settings, the database, the caller's tenant."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import current_app, g
from sqlalchemy.orm import Session

from orders_core.db import Database
from orders_core.settings import Settings
from orders_core.tenant_cache import TenantSnapshot, tenant_cache

EXTENSION = "chatorders"


@dataclass
class AppServices:
    """The real parts wired by create_app: settings, database, and optional collaborators."""

    settings: Settings
    db: Database
    extras: dict[str, Any] = field(default_factory=dict)


def services() -> AppServices:
    """The services of the running app."""
    return current_app.extensions[EXTENSION]


def db() -> Database:
    """The database of the running app."""
    return services().db


def tenant_id() -> int:
    """The tenant of the authenticated API key of this request."""
    return int(g.tenant_id)


def caller_business(session: Session) -> TenantSnapshot:
    """The caller's tenant (settings, staff, catalog) as of the version its key was read with."""
    version, created_at = g.tenant_version
    return tenant_cache(db()).at_version(session, tenant_id(), version, created_at)
