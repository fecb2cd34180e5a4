"""Configuration read from the environment (and overridable in tests)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# Signs simulator traffic when no Twilio account is configured (nothing real can reach us then).
LOCAL_AUTH_TOKEN = "chatorders-local-simulator"


def default_database_url() -> str:
    """A SQLite file under ./instance/, the embedded default."""
    return f"sqlite:///{Path('instance').resolve() / 'chatorders.db'}"


class Settings(BaseSettings):
    """Everything the product reads from its environment, with safe defaults."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", case_sensitive=False)

    database_url: str = Field(default_factory=default_database_url)
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    public_base_url: str = "http://127.0.0.1:5000"
    # Checking X-Twilio-Signature can be turned off only explicitly, for local development.
    twilio_skip_signature_check: bool = False
    # The local WhatsApp simulator can speak for any customer or staff member: `serve` turns
    # it on when no Twilio account is configured; nothing else does.
    simulator_enabled: bool = False
    # Outbound webhooks to loopback/private addresses (SSRF) are refused unless this is on.
    webhook_allow_private: bool = False
    # API requests a minute per business (a key with its own limit is counted apart).
    rate_limit_per_minute: int = Field(default=100, ge=1)
    # Shared rate-limit counts for several workers or machines; unset: each process counts.
    redis_url: str | None = None
    # Names this deployment's counts in a Redis that others may share.
    rate_limit_key_prefix: str = "chatorders"
    max_body_bytes: int = Field(default=256 * 1024, ge=1024)
    cart_ttl_minutes: int = Field(default=120, ge=1)
    idempotency_ttl_hours: int = Field(default=24, ge=1)
    secret_key: str | None = None

    @property
    def inbound_auth_token(self) -> str:
        """The token inbound webhooks are signed with: Twilio's, or a local one for the simulator."""
        return self.twilio_auth_token or self.secret_key or LOCAL_AUTH_TOKEN

    @property
    def twilio_enabled(self) -> bool:
        """True when real Twilio credentials are configured."""
        return bool(self.twilio_account_sid and self.twilio_auth_token)

    @property
    def twilio_configured(self) -> bool:
        """True when any Twilio credential is set (even half a pair): not a local setup."""
        return bool(self.twilio_account_sid or self.twilio_auth_token)

    @property
    def signature_check_skipped(self) -> bool:
        """Skipping X-Twilio-Signature checks is honoured only with no Twilio credentials."""
        return self.twilio_skip_signature_check and not self.twilio_configured
