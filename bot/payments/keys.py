"""Where payment secrets come from: environment variables named in the tenant's settings,
and secrets derived per tenant from SECRET_KEY (the local provider's signing key, M-Pesa's
callback path). Nothing here is stored, returned by the API or logged."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from orders_core.settings import Settings

LOCAL_MASTER_KEY = "chatorders-local-development-only"


class MissingSecret(LookupError):
    """A provider's secret is not set in the environment: the provider cannot be used."""


@dataclass(frozen=True)
class Keys:
    """The process's secret material: its master key and the environment it reads."""

    master: bytes
    environ: Mapping[str, str]

    @classmethod
    def from_settings(cls, settings: Settings, environ: Mapping[str, str]) -> Keys:
        """SECRET_KEY (else the Twilio auth token, else a development key) and `environ`."""
        master = settings.secret_key or settings.twilio_auth_token or LOCAL_MASTER_KEY
        return cls(master.encode(), environ)

    def secret(self, env_name: str) -> str:
        """The value of the environment variable `env_name`; MissingSecret when unset."""
        value = self.environ.get(env_name, "")
        if not value:
            raise MissingSecret(f"{env_name} is not set")
        return value

    def is_set(self, env_name: str) -> str:
        """ "set" or "not set": what a settings page may show of a secret."""
        return "set" if self.environ.get(env_name) else "not set"

    def derived(self, purpose: str, tenant_id: int) -> str:
        """A secret for one purpose and one tenant, derived from the master key (hex)."""
        return hmac.new(self.master, f"{purpose}:{tenant_id}".encode(), hashlib.sha256).hexdigest()

    def local_signing_key(self, tenant_id: int) -> str:
        """The key the local provider signs its callbacks with, per tenant."""
        return self.derived("pay-local", tenant_id)

    def mpesa_callback_path(self, tenant_id: int) -> str:
        """The secret last part of the tenant's M-Pesa callback URL (callbacks are unsigned)."""
        return f"{tenant_id}.{self.derived('mpesa-callback', tenant_id)[:40]}"

    def tenant_of_mpesa_path(self, path: str) -> int | None:
        """The tenant whose M-Pesa callback path this is; None for a wrong or guessed path."""
        head, _, _ = path.partition(".")
        if not head.isdigit():
            return None
        expected = self.mpesa_callback_path(int(head))
        return int(head) if hmac.compare_digest(expected, path) else None


def hmac_hex(key: str, body: bytes, digest: str) -> str:
    """Hex HMAC of `body` with `key` (digest "sha256" or "sha512"), as providers sign."""
    return hmac.new(key.encode(), body, digest).hexdigest()


def same(expected: str, given: str | None) -> bool:
    """Constant-time comparison of a signature with the one received."""
    return bool(given) and hmac.compare_digest(expected, str(given))
