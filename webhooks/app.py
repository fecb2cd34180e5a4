"""The Flask application factory: every HTTP edge of chatorders in one app."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Flask

from orders_core.db import Database
from orders_core.settings import Settings
from webhooks import health, openapi, pages, payments, twilio
from webhooks.api import catalog, checkouts, messages, orders, returns, webhook_endpoints
from webhooks.auth import init_auth
from webhooks.context import EXTENSION, AppServices
from webhooks.errors import register_error_handlers
from webhooks.logs import ensure_logging, init_request_ids
from webhooks.ratelimit import init_rate_limits


def create_app(
    settings: Settings | None = None,
    *,
    db: Database | None = None,
    extras: dict[str, Any] | None = None,
) -> Flask:
    """A configured app; settings come from the environment unless given."""
    settings = settings or Settings()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.config["JSON_SORT_KEYS"] = False
    app.json.sort_keys = False  # type: ignore[attr-defined]
    # The dashboard's session cookie; without SECRET_KEY a random key signs everyone out on restart.
    app.secret_key = settings.secret_key or secrets.token_hex(32)
    app.config.update(
        SESSION_COOKIE_NAME="chatorders_session",
        SESSION_COOKIE_SAMESITE="Lax",
        # Served over https (PUBLIC_BASE_URL says so): never send the cookie in clear text.
        SESSION_COOKIE_SECURE=settings.public_base_url.startswith("https://"),
    )
    database = db or Database.from_url(settings.database_url)
    app.extensions[EXTENSION] = AppServices(settings=settings, db=database, extras=extras or {})
    ensure_logging()
    register_error_handlers(app)
    init_request_ids(app)
    init_auth(app)
    init_rate_limits(app, settings)

    for blueprint in (
        health.bp,
        openapi.bp,
        orders.bp,
        catalog.bp,
        messages.bp,
        webhook_endpoints.bp,
        returns.bp,
        checkouts.bp,
        twilio.bp,
        payments.bp,
        pages.bp,
    ):
        app.register_blueprint(blueprint)
    return app
