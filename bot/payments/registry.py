"""Which provider adapter serves a business, built from its settings and the environment.

`Wiring` holds what only the process knows (keys, public URL, and in tests the replaced
HTTP transports); `provider_for` builds one adapter for one business on demand.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

import httpx
import requests

from bot.payments.base import Provider
from bot.payments.keys import Keys, MissingSecret
from bot.payments.local import LocalProvider
from bot.payments.mpesa import MpesaProvider
from bot.payments.paystack import PaystackProvider
from bot.payments.razorpay_links import RazorpayProvider
from orders_core.models import utcnow
from orders_core.payment_settings import PaymentSettings
from orders_core.settings import Settings


class NotConfigured(LookupError):
    """The business does not take this provider, or its secrets are not set."""


@dataclass(frozen=True)
class Wiring:
    """Process-wide parts of every adapter: keys, the public URL, HTTP transports."""

    keys: Keys
    public_base_url: str
    httpx_transport: httpx.BaseTransport | None = None
    requests_session: requests.Session | None = None
    clock: Callable[[], datetime] = field(default=utcnow)

    @classmethod
    def from_settings(cls, settings: Settings, environ: Mapping[str, str]) -> Wiring:
        """The real wiring: keys from SECRET_KEY and `environ`, real HTTP."""
        return cls(Keys.from_settings(settings, environ), settings.public_base_url.rstrip("/"))

    def url(self, path: str) -> str:
        """An absolute URL on this server."""
        return f"{self.public_base_url.rstrip('/')}{path}"

    def mpesa_callback_url(self, tenant_id: int) -> str:
        """The URL to give Daraja as CallBackURL for this business."""
        return self.url(f"/webhooks/payments/mpesa/{self.keys.mpesa_callback_path(tenant_id)}")


def provider_for(name: str, tenant_id: int, payments: PaymentSettings, wiring: Wiring) -> Provider:
    """The adapter for `name` for this business; NotConfigured when it does not take it or
    a secret is missing (the message names the variable, never a value)."""
    if name not in payments.methods:
        raise NotConfigured(f"{name} is not one of this business's payment methods")
    keys = wiring.keys
    try:
        if name == "local":
            return LocalProvider(keys, tenant_id)
        if name == "paystack":
            paystack = payments.paystack_settings()
            return PaystackProvider(
                keys.secret(paystack.secret_key_env),
                email_domain=paystack.placeholder_email_domain,
                transport=wiring.httpx_transport,
            )
        if name == "razorpay" and payments.razorpay:
            rzp = payments.razorpay
            return RazorpayProvider(
                rzp.key_id, keys.secret(rzp.key_secret_env), keys.secret(rzp.webhook_secret_env),
                session=wiring.requests_session,
            )  # fmt: skip
        if name == "mpesa" and payments.mpesa:
            mpesa = payments.mpesa
            return MpesaProvider(
                shortcode=mpesa.shortcode, passkey=keys.secret(mpesa.passkey_env),
                consumer_key=keys.secret(mpesa.consumer_key_env),
                consumer_secret=keys.secret(mpesa.consumer_secret_env),
                transaction_type=mpesa.transaction_type, environment=mpesa.environment,
                callback_url=wiring.mpesa_callback_url(tenant_id),
                transport=wiring.httpx_transport, clock=wiring.clock,
            )  # fmt: skip
    except MissingSecret as exc:
        raise NotConfigured(str(exc)) from exc
    raise NotConfigured(f"{name} is not set up")


def secrets_status(payments: PaymentSettings, keys: Keys) -> dict[str, dict[str, str]]:
    """Each configured provider's secret variables as "set" / "not set" (never values)."""
    out: dict[str, dict[str, str]] = {}
    if "paystack" in payments.methods:
        env = payments.paystack_settings().secret_key_env
        out["paystack"] = {env: keys.is_set(env)}
    if payments.razorpay:
        names = (payments.razorpay.key_secret_env, payments.razorpay.webhook_secret_env)
        out["razorpay"] = {env: keys.is_set(env) for env in names}
    if payments.mpesa:
        m = payments.mpesa
        names = (m.consumer_key_env, m.consumer_secret_env, m.passkey_env)
        out["mpesa"] = {env: keys.is_set(env) for env in names}
    return out
