"""What the intent parser reads (the catalog) and what it returns (an Intent)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


@dataclass(frozen=True)
class Option:
    """One choice of an option group and what it adds to the unit price."""

    name: str
    price: int = 0


@dataclass(frozen=True)
class OptionGroup:
    """A product's group of options: at least `min`, at most `max` of them on a line."""

    name: str
    min: int
    max: int
    options: tuple[Option, ...]

    @property
    def required(self) -> bool:
        """Whether a line of the product needs a choice of this group."""
        return self.min > 0


def option_groups(raw: Iterable[Mapping[str, Any] | OptionGroup] | None) -> tuple[OptionGroup, ...]:
    """A product's option groups (as the API stores them) as hashable values."""
    groups = []
    for group in raw or ():
        if isinstance(group, OptionGroup):
            groups.append(group)
            continue
        options = tuple(Option(str(o["name"]), int(o.get("price") or 0)) for o in group["options"])
        groups.append(
            OptionGroup(
                str(group["name"]), int(group.get("min", 0)), int(group.get("max", 1)), options
            )
        )
    return tuple(groups)


@dataclass(frozen=True)
class CatalogEntry:
    """One product the tenant sells, as the parser sees it."""

    code: str
    name: str
    aliases: tuple[str, ...] = ()
    unit_price: int = 0
    available: bool = True  # False: on the menu but sold out right now
    option_groups: tuple[OptionGroup, ...] = ()  # sizes, extras (from the product's JSON)

    def __post_init__(self) -> None:
        # Aliases and option groups often come from JSON columns; keep the entry hashable.
        object.__setattr__(self, "aliases", tuple(self.aliases))
        object.__setattr__(self, "option_groups", option_groups(self.option_groups))

    def option(self, name: str) -> tuple[OptionGroup, Option] | None:
        """The product's option called `name` (case aside) and its group, if there is one."""
        key = name.casefold()
        for group in self.option_groups:
            for option in group.options:
                if option.name.casefold() == key:
                    return group, option
        return None

    def missing_group(self, chosen: Iterable[str]) -> OptionGroup | None:
        """The first required group that `chosen` (option names) gives too few of."""
        keys = {name.casefold() for name in chosen}
        for group in self.option_groups:
            picked = sum(option.name.casefold() in keys for option in group.options)
            if picked < group.min:
                return group
        return None


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
    EDIT = "edit"  # several cart changes at once ("hata do lassi, 2 chaas add karo")
    REPEAT = "repeat"  # the customer's last order again
    ASK = "ask"  # price or availability of products
    LANGUAGE = "language"  # "english please"
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
    note: str = ""  # what the customer asked of this line: "no onions", "extra pepper"
    options: tuple[str, ...] = ()  # the product's options named, in menu order: ("Large",)


class OpKind(StrEnum):
    """One change to the cart."""

    ADD = "add"
    REMOVE = "remove"  # quantity 0: all of it
    SET = "set"
    CLEAR = "clear"
    REPEAT = "repeat"
    NOTE = "note"  # attach the item's note to the product's line already in the cart
    OPTIONS = "options"  # other options for the product's latest line: "make it large"


@dataclass(frozen=True)
class CartOp:
    """A cart change, in the order the customer wrote it."""

    kind: OpKind
    item: ItemRequest | None = None
    # A replacement written without its own quantity takes the quantity it replaces.
    takes_removed: bool = False


@dataclass(frozen=True)
class Unmatched:
    """Words that looked like a product but matched nothing well enough.

    `suggestions` are the closest product names, best first, at most three.
    """

    text: str
    suggestions: tuple[str, ...]
    quantity: int = 1  # what the customer asked for, kept while the bot asks which product
    note: str = ""


@dataclass(frozen=True)
class Intent:
    """One customer message, understood.

    `text` carries the address for ADDRESS, the customer's own words for CANCEL and HUMAN,
    and the pack code for LANGUAGE; it is empty otherwise. `ops` are the cart changes in
    order (`items` their products); `asks` the products asked about; `then` a command
    that follows the changes ("..., what's the total?"); `notes` what applies to the whole
    order; `language` the pack the words came from, when not English.
    """

    kind: IntentKind
    items: tuple[ItemRequest, ...] = ()
    unmatched: tuple[Unmatched, ...] = ()
    text: str = ""
    ops: tuple[CartOp, ...] = ()
    asks: tuple[ItemRequest, ...] = ()
    then: IntentKind | None = None
    notes: tuple[str, ...] = ()
    language: str | None = None


@dataclass(frozen=True)
class Context:
    """What the conversation knows that changes a message's meaning.

    `cart` holds the codes in the cart, `last` the product last discussed (for "send 3"),
    `packs` the tenant's language packs, `names` the words of the business's name.
    """

    cart: frozenset[str] = frozenset()
    last: str | None = None
    packs: tuple[str, ...] = ("en",)
    # Words that only address someone here (the business's name, the customer's own name).
    names: frozenset[str] = frozenset()
