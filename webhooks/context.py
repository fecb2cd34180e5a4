"""What a request handler needs from the app: settings, the database, the caller's tenant."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import current_app, g

from orders_core.db import Database
from orders_core.settings import Settings

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
