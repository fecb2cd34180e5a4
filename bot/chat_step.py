"""What one conversation step knows: the customer, the cart, the state, the language.

Shared by the cart steps, the checkout steps and the conversation itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot import option_questions, wording
from bot.cart import CartLine
from bot.intents import CatalogEntry
from orders_core.models import Customer, Order, Product, Tenant
from orders_core.tenant_settings import TenantSettings

MAX_ADDRESS = 500
MIN_ADDRESS = 2  # "VI" (Victoria Island) is an address in Lagos


class State(StrEnum):
    """Where a customer stands in the conversation."""

    BROWSING = "browsing"
    CART = "cart"
    AWAITING_CONFIRMATION = "awaiting_confirmation"
    AWAITING_ADDRESS = "awaiting_address"


CHECKOUT_STATES = frozenset({State.AWAITING_CONFIRMATION, State.AWAITING_ADDRESS})


@dataclass(frozen=True)
class SharedLocation:
    """A location the customer shared on WhatsApp."""

    latitude: float
    longitude: float
    label: str | None = None


@dataclass(frozen=True)
class Incoming:
    """One customer message as the conversation sees it."""

    channel: str
    phone: str
    text: str
    profile_name: str | None = None
    has_media: bool = False
    location: SharedLocation | None = None
    media_url: str | None = None  # the first attachment (a picture of a transfer, say)
    media_type: str | None = None


@dataclass
class StepBase:
    """One message being answered: what is known, and what the answer changes."""

    session: Session
    tenant: Tenant
    settings: TenantSettings
    customer: Customer
    incoming: Incoming
    products: Sequence[Product]
    product_by_code: Mapping[str, Product]
    catalog: tuple[CatalogEntry, ...]
    by_code: dict[str, CatalogEntry]
    lines: list[CartLine]
    state: State
    data: dict[str, Any]
    now: datetime
    order_id: int | None = field(default=None)

    @property
    def currency(self) -> str:
        return self.tenant.currency

    @property
    def lang(self) -> str:
        """The language replies are written in: the customer's, once known."""
        return str(self.data.get("lang") or "en")

    @property
    def packs(self) -> tuple[str, ...]:
        settings = self.settings
        return wording.tenant_packs(settings.languages, self.currency)

    @property
    def example(self) -> str:
        """An order written with two of this tenant's own products."""
        names = [short_name(e) for e in self.catalog if e.available][:2] or ["item"]
        join = wording.say(self.lang, "example_join")
        return f"2 {names[0]} {join} 1 {names[-1]}" if len(names) > 1 else f"2 {names[0]}"

    @property
    def item_example(self) -> str:
        """One of this tenant's own products, as customers would call it."""
        return next((short_name(e) for e in self.catalog if e.available), "item")

    @property
    def hint(self) -> str:
        """How to order, in the customer's language, with this tenant's products."""
        return wording.order_hint(self.lang, self.example)

    def cart_text(self) -> str:
        last = self.by_code.get(self.lines[-1].code) if self.lines else None
        item = short_name(last) if last else None
        return wording.cart_reply(self.lines, self.currency, self.lang, self.example, item)

    def _with_pending_question(self, text: str) -> str:
        if self.state == State.AWAITING_ADDRESS:
            return text + "\n\n" + wording.say(self.lang, "ask_address")
        if self.lines:
            text += "\n\n" + self.cart_text()
        return self.with_option_question(text)

    def with_option_question(self, text: str) -> str:
        """`text`, then the question about the first line waiting for an option, if any."""
        asked = option_questions.first_question(self.data, self.by_code, self.lang, self.currency)
        return text + "\n\n" + asked if asked else text

    def _latest_order(self, *, lock: bool = False) -> Order | None:
        query = (
            select(Order)
            .where(Order.tenant_id == self.tenant.id, Order.customer_phone == self.incoming.phone)
            .order_by(Order.number.desc())
            .limit(1)
            .options(selectinload(Order.items))
        )
        if lock:
            query = query.with_for_update()
        return self.session.scalars(query).first()


def short_name(entry: CatalogEntry) -> str:
    """How the owner calls the product for short (its first alias, else its name)."""
    return (entry.aliases[0] if entry.aliases else entry.name.split(" (")[0]).lower()
