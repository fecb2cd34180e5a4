"""The adapter interface every payment provider implements."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from orders_core.services.reconciliation import ProviderResult


class ProviderError(RuntimeError):
    """The provider refused or could not be reached; the message is safe to log."""


@dataclass(frozen=True)
class LinkRequest:
    """What a provider needs to ask for one link's money."""

    tenant_id: int
    reference: str
    amount: int
    currency: str
    description: str
    phone: str | None
    email: str | None
    return_url: str  # our /pay/<token> page: where the customer comes back to


@dataclass(frozen=True)
class Created:
    """The provider's answer: where to send the customer (if anywhere) and its reference."""

    url: str | None
    reference: str


class Provider(Protocol):
    """One payment provider: create a link or charge, read and verify callbacks, ask for a
    charge's status, refund."""

    name: str

    def create(self, request: LinkRequest) -> Created:
        """Ask the provider for the money; raises ProviderError."""
        ...

    def verify_callback(self, headers: Mapping[str, str], body: bytes) -> bool:
        """True when the callback is signed as this provider signs it."""
        ...

    def read_callback(self, body: bytes) -> ProviderResult | None:
        """What a (verified) callback claims, or None for an event we do not act on."""
        ...

    def fetch_status(self, claimed: ProviderResult) -> ProviderResult:
        """The provider's own answer about the claimed charge (trusted over the callback)."""
        ...

    def refund(self, charge_id: str, amount: int, currency: str) -> str | None:
        """Refund at the provider; the refund's id, or None when it must be done by hand."""
        ...
