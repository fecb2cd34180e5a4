"""What the intent parser reads (the catalog) and what it returns (an Intent)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class CatalogEntry:
    """One product the tenant sells, as the parser sees it."""

    code: str
    name: str
    aliases: tuple[str, ...] = ()
    unit_price: int = 0

    def __post_init__(self) -> None:
        # Aliases often come from a JSON column as a list; keep the entry hashable.
        object.__setattr__(self, "aliases", tuple(self.aliases))


class IntentKind(StrEnum):
    """What the customer wants, in one word."""

    GREET = "greet"
    THANKS = "thanks"
    MENU = "menu"
    ADD = "add"
    REMOVE = "remove"
    SET_QUANTITY = "set_quantity"
    SHOW_CART = "show_cart"
    CLEAR = "clear"
    CHECKOUT = "checkout"
    YES = "yes"
    NO = "no"
    ADDRESS = "address"
    LOCATION = "location"
    STATUS = "status"
    CANCEL = "cancel"
    HELP = "help"
    HUMAN = "human"
    STOP = "stop"
    START = "start"
    UNKNOWN = "unknown"
    EMPTY = "empty"


@dataclass(frozen=True)
class ItemRequest:
    """A product the customer named, resolved against the catalog.

    For REMOVE a quantity of 0 means "all of it"; otherwise quantity is positive.
    """

    code: str
    name: str
    quantity: int


@dataclass(frozen=True)
class Unmatched:
    """Words that looked like a product but matched nothing well enough.

    `suggestions` are the closest product names, best first, at most three.
    """

    text: str
    suggestions: tuple[str, ...]


@dataclass(frozen=True)
class Intent:
    """One customer message, understood.

    `text` carries the address for ADDRESS and the customer's own words for CANCEL and
    HUMAN; it is empty otherwise.
    """

    kind: IntentKind
    items: tuple[ItemRequest, ...] = ()
    unmatched: tuple[Unmatched, ...] = ()
    text: str = ""
