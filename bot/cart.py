"""The customer's cart: lines of catalog products with quantities, as pure values."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from bot.intents import CatalogEntry
from orders_core.fields import MAX_QUANTITY

MAX_LINES = 50


@dataclass(frozen=True)
class CartLine:
    """A product in the cart at its current catalog price."""

    code: str
    name: str
    quantity: int
    unit_price: int
    note: str = ""  # what the customer asked of this line: "no onions"

    @property
    def subtotal(self) -> int:
        """Price of the line."""
        return self.quantity * self.unit_price


def load_cart(
    raw: Iterable[Mapping[str, Any]], catalog: Mapping[str, CatalogEntry]
) -> list[CartLine]:
    """Cart lines from the checkout's items, repriced from the catalog; gone products (and
    lines that are not catalog products) are dropped."""
    lines = []
    for item in raw:
        product = catalog.get(str(item.get("product_id")))
        quantity = item.get("quantity")
        if product is None or not isinstance(quantity, int) or quantity < 1:
            continue
        note = str(item.get("note") or "")[:200]
        lines.append(CartLine(product.code, product.name, quantity, product.unit_price, note))
    return lines


def dump_cart(lines: Iterable[CartLine]) -> list[dict[str, Any]]:
    """The cart as checkout items: product_id and quantity, and the customer's note if any."""
    return [
        {"product_id": line.code, "quantity": line.quantity}
        | ({"note": line.note} if line.note else {})
        for line in lines
    ]


def cart_total(lines: Iterable[CartLine]) -> int:
    """Sum of the lines."""
    return sum(line.subtotal for line in lines)


def add_item(
    lines: list[CartLine], product: CatalogEntry, quantity: int, note: str = ""
) -> list[CartLine]:
    """The cart with `quantity` more of `product` (capped at the largest orderable quantity).

    A line with a different note ("no onions") is a line of its own.
    """
    for index, line in enumerate(lines):
        if line.code == product.code and (line.note == note or not note):
            total = min(line.quantity + quantity, MAX_QUANTITY)
            return [*lines[:index], replace(line, quantity=total), *lines[index + 1 :]]
    if len(lines) >= MAX_LINES:
        return lines
    line = CartLine(
        product.code, product.name, min(quantity, MAX_QUANTITY), product.unit_price, note[:200]
    )
    return [*lines, line]


def note_item(lines: list[CartLine], code: str, note: str) -> list[CartLine]:
    """The cart with `note` added to the last line of `code`."""
    last = max((i for i, line in enumerate(lines) if line.code == code), default=None)
    if last is None:
        return lines
    line = lines[last]
    joined = f"{line.note}, {note}" if line.note else note
    return [*lines[:last], replace(line, note=joined[:200]), *lines[last + 1 :]]


def set_quantity(
    lines: list[CartLine], product: CatalogEntry, quantity: int, note: str = ""
) -> list[CartLine]:
    """The cart with exactly `quantity` of `product` (in one line); zero removes it."""
    if quantity <= 0:
        return remove_item(lines, product.code)
    first = next((i for i, line in enumerate(lines) if line.code == product.code), None)
    if first is None:
        return add_item(lines, product, quantity, note)
    kept = replace(
        lines[first], quantity=min(quantity, MAX_QUANTITY), note=note or lines[first].note
    )
    return [
        kept if i == first else line
        for i, line in enumerate(lines)
        if line.code != product.code or i == first
    ]


def remove_item(lines: list[CartLine], code: str, quantity: int | None = None) -> list[CartLine]:
    """The cart without `code`, or with `quantity` fewer of it when given."""
    result = []
    for line in lines:
        if line.code != code:
            result.append(line)
        elif quantity is not None and line.quantity > quantity:
            result.append(replace(line, quantity=line.quantity - quantity))
    return result
