"""API rate limits with flask-limiter: per business by default, per key when a key has its own.

Every business (tenant) gets `RATE_LIMIT_PER_MINUTE` requests a minute (default 100), shared
by its keys; a key with its own `rate_limit_per_minute` is counted on its own against that
instead. Counts live in Redis when `REDIS_URL` is set, so every worker and machine shares
them; otherwise in this process's memory (the embedded default is one process). Counting
writes nothing to the database.
"""

from __future__ import annotations

import math
import time

from flask import Flask, Response, g
from flask_limiter import ApplicationLimit, Limiter, RequestLimit

from orders_core.settings import Settings
from webhooks.errors import error_response

WINDOW_SECONDS = 60


def storage_uri(settings: Settings) -> str:
    """Where counts are kept: Redis when configured, else this process's memory."""
    return settings.redis_url or "memory://"


def init_rate_limits(app: Flask, settings: Settings) -> Limiter:
    """Limit authenticated /v1 requests; must be installed after authentication."""
    limit = ApplicationLimit(
        limit_provider=lambda: f"{_limit(settings)}/minute",
        key_function=_bucket,
        scope="api",
        exempt_when=lambda: "api_key_id" not in g,
        on_breach=_too_many,
    )
    limiter = Limiter(
        key_func=_bucket,
        application_limits=[limit],
        storage_uri=storage_uri(settings),
        strategy="sliding-window-counter",
        key_prefix=settings.rate_limit_key_prefix,
        headers_enabled=False,
        swallow_errors=True,
        in_memory_fallback_enabled=True,
    )
    limiter.init_app(app)
    return limiter


def _limit(settings: Settings) -> int:
    return g.get("key_rate_limit") or settings.rate_limit_per_minute


def _bucket() -> str:
    if g.get("key_rate_limit"):
        return f"key:{g.api_key_id}"
    return f"tenant:{g.tenant_id}"


def _too_many(limit: RequestLimit) -> Response:
    allowed = limit.limit.amount
    response = error_response(
        429,
        "rate_limited",
        f"Too many requests: {allowed} per minute for this "
        + ("key" if g.get("key_rate_limit") else "business"),
        details={"limit": allowed, "window_seconds": WINDOW_SECONDS},
    )
    response.headers["Retry-After"] = retry_after_header(limit.window.reset_time - time.time())
    return response


def retry_after_header(seconds: float) -> str:
    """Retry-After in whole seconds, between 1 and the window."""
    return str(min(max(math.ceil(seconds), 1), WINDOW_SECONDS))
