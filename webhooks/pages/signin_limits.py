"""How often the dashboard's sign-in form may be tried: per client address and per email.

Counted with `limits` (the engine under flask-limiter) in the same store as the API's rate
limits (Redis when REDIS_URL is set, else this process's memory), so every worker shares the
counts. Emails are counted by a hash, never stored as written.
"""

from __future__ import annotations

import hashlib

from flask import current_app, request
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter, RateLimiter

from webhooks.context import services
from webhooks.ratelimit import storage_uri

PER_ADDRESS = "10/minute"
PER_EMAIL = "20/hour"
EXTENSION = "chatorders_signin_limiter"


def _limiter() -> RateLimiter:
    """The app's sign-in counter, made on first use."""
    limiter = current_app.extensions.get(EXTENSION)
    if limiter is None:
        storage = storage_from_string(storage_uri(services().settings))
        limiter = current_app.extensions[EXTENSION] = MovingWindowRateLimiter(storage)
    return limiter


def _keys(email: str) -> list[tuple[RateLimitItem, str]]:
    prefix = services().settings.rate_limit_key_prefix
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    keys = [(parse(PER_ADDRESS), f"{prefix}:signin:addr:{request.remote_addr or '-'}")]
    if email.strip():
        keys.append((parse(PER_EMAIL), f"{prefix}:signin:email:{digest}"))
    return keys


def allow_attempt(email: str) -> bool:
    """Count a sign-in attempt; False once this address or this email tried too often."""
    limiter = _limiter()
    return all([limiter.hit(item, key) for item, key in _keys(email)])
