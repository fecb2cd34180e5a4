"""The customer's cart: lines of catalog products with their options and quantities, as
pure values."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from bot.intents import CatalogEntry
from orders_core.fields import MAX_QUANTITY

MAX_LINES = 50


@dataclass(frozen=True)
class LineOption:
    """An option chosen on a line, priced per unit from the catalog."""

    group: str
    name: str
    price: int = 0


@dataclass(frozen=True)
class CartLine:
    """A product in the cart, with its options, at its current catalog price."""

    code: str
    name: str
    quantity: int
    unit_price: int
    note: str = ""  # what the customer asked of this line: "no onions"
    options: tuple[LineOption, ...] = ()

    @property
    def unit_total(self) -> int:
        """What one unit costs with its options."""
        return self.unit_price + sum(option.price for option in self.options)

    @property
    def subtotal(self) -> int:
        """Price of the line: (unit price + options) x quantity."""
        return self.quantity * self.unit_total

    @property
    def option_names(self) -> tuple[str, ...]:
        """The chosen options by name, in menu order."""
        return tuple(option.name for option in self.options)

    def has(self, options: Sequence[str]) -> bool:
        """Whether the line carries every option of `options` (case aside)."""
        mine = {name.casefold() for name in self.option_names}
        return all(name.casefold() in mine for name in options)


def priced_options(product: CatalogEntry, names: Iterable[str]) -> tuple[LineOption, ...] | None:
    """The options `names` of `product`, priced and in menu order; None if one of them is
    not the product's any more or a group is given more than its max."""
    wanted = {name.casefold() for name in names}
    chosen: list[LineOption] = []
    for group in product.option_groups:
        picked = [o for o in group.options if o.name.casefold() in wanted]
        if len(picked) > group.max:
            return None
        wanted -= {o.name.casefold() for o in picked}
        chosen += [LineOption(group.name, o.name, o.price) for o in picked]
    return None if wanted else tuple(chosen)


def load_cart(
    raw: Iterable[Mapping[str, Any]], catalog: Mapping[str, CatalogEntry]
) -> list[CartLine]:
    """Cart lines from the checkout's items, repriced from the catalog.

    Gone products (and lines that are not catalog products) are dropped, and so is a line
    whose options no longer fit its product (an option gone, a required group missing): the
    price the customer saw cannot be kept, and a line without its size is not orderable.
    """
    lines = []
    for item in raw:
        product = catalog.get(str(item.get("product_id")))
        quantity = item.get("quantity")
        if product is None or not isinstance(quantity, int) or quantity < 1:
            continue
        names = [str(name) for name in item.get("options") or []]
        options = priced_options(product, names)
        if options is None or product.missing_group(names) is not None:
            continue
        note = str(item.get("note") or "")[:200]
        lines.append(
            CartLine(product.code, product.name, quantity, product.unit_price, note, options)
        )
    return lines


def dump_cart(lines: Iterable[CartLine]) -> list[dict[str, Any]]:
    """The cart as checkout items: product_id and quantity, then the options and the
    customer's note when there are any."""
    return [
        {"product_id": line.code, "quantity": line.quantity}
        | ({"options": list(line.option_names)} if line.options else {})
        | ({"note": line.note} if line.note else {})
        for line in lines
    ]


def cart_total(lines: Iterable[CartLine]) -> int:
    """Sum of the lines."""
    return sum(line.subtotal for line in lines)


def add_item(
    lines: list[CartLine],
    product: CatalogEntry,
    quantity: int,
    note: str = "",
    options: tuple[LineOption, ...] = (),
) -> list[CartLine]:
    """The cart with `quantity` more of `product` with `options` (capped at the largest
    orderable quantity).

    A line with other options, or a different note ("no onions"), is a line of its own.
    """
    for index, line in enumerate(lines):
        if (
            line.code == product.code
            and line.options == options
            and (line.note == note or not note)
        ):
            total = min(line.quantity + quantity, MAX_QUANTITY)
            return [*lines[:index], replace(line, quantity=total), *lines[index + 1 :]]
    if len(lines) >= MAX_LINES:
        return lines
    line = CartLine(
        product.code,
        product.name,
        min(quantity, MAX_QUANTITY),
        product.unit_price,
        note[:200],
        options,
    )
    return [*lines, line]


def note_item(
    lines: list[CartLine], code: str, note: str, options: Sequence[str] = ()
) -> list[CartLine]:
    """The cart with `note` added to the last line of `code` (with `options`, if named)."""
    last = max(
        (i for i, line in enumerate(lines) if line.code == code and line.has(options)),
        default=None,
    )
    if last is None:
        return lines
    line = lines[last]
    joined = f"{line.note}, {note}" if line.note else note
    return [*lines[:last], replace(line, note=joined[:200]), *lines[last + 1 :]]


def set_quantity(
    lines: list[CartLine],
    product: CatalogEntry,
    quantity: int,
    note: str = "",
    options: Sequence[str] = (),
    priced: tuple[LineOption, ...] = (),
) -> list[CartLine]:
    """The cart with exactly `quantity` of `product` (those lines with `options`, when
    named) in one line; zero removes them. Lines that differ by their options are not
    merged: the latest one is set. With no such line, one is added with `priced`."""
    if quantity <= 0:
        return remove_item(lines, product.code, options=options)
    found = [i for i, line in enumerate(lines) if line.code == product.code and line.has(options)]
    if not found:
        return add_item(lines, product, quantity, note, priced)
    if len({lines[i].options for i in found}) > 1:
        found = found[-1:]  # "make it 3" with a large and a small jollof: the latest line
    first = found[0]
    kept = replace(
        lines[first], quantity=min(quantity, MAX_QUANTITY), note=note or lines[first].note
    )
    return [kept if i == first else line for i, line in enumerate(lines) if i not in found[1:]]


def remove_item(
    lines: list[CartLine], code: str, quantity: int | None = None, options: Sequence[str] = ()
) -> list[CartLine]:
    """The cart without `code` (its lines with `options`, when named), or with `quantity`
    fewer of it when given (taken from the last such line first)."""
    if quantity is None:
        return [line for line in lines if line.code != code or not line.has(options)]
    result = list(lines)
    left = quantity
    for i in range(len(result) - 1, -1, -1):
        line = result[i]
        if left <= 0 or line.code != code or not line.has(options):
            continue
        taken = min(left, line.quantity)
        left -= taken
        result[i] = replace(line, quantity=line.quantity - taken)
    return [line for line in result if line.quantity > 0]
