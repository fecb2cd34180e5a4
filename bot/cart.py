"""The customer's cart: lines of catalog products with quantities, as pure values."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

from bot.intents import CatalogEntry
from orders_core.schemas import MAX_QUANTITY

MAX_LINES = 50


@dataclass(frozen=True)
class CartLine:
    """A product in the cart at its current catalog price."""

    code: str
    name: str
    quantity: int
    unit_price: int

    @property
    def subtotal(self) -> int:
        """Price of the line."""
        return self.quantity * self.unit_price


def load_cart(
    raw: Iterable[Mapping[str, Any]], catalog: Mapping[str, CatalogEntry]
) -> list[CartLine]:
    """Cart lines from the stored JSON, repriced from the catalog; gone products are dropped."""
    lines = []
    for item in raw:
        product = catalog.get(str(item.get("code")))
        quantity = item.get("quantity")
        if product is None or not isinstance(quantity, int) or quantity < 1:
            continue
        lines.append(CartLine(product.code, product.name, quantity, product.unit_price))
    return lines


def dump_cart(lines: Iterable[CartLine]) -> list[dict[str, Any]]:
    """The cart as JSON for the conversations table."""
    return [asdict(line) for line in lines]


def cart_total(lines: Iterable[CartLine]) -> int:
    """Sum of the lines."""
    return sum(line.subtotal for line in lines)


def add_item(lines: list[CartLine], product: CatalogEntry, quantity: int) -> list[CartLine]:
    """The cart with `quantity` more of `product` (capped at the largest orderable quantity)."""
    for index, line in enumerate(lines):
        if line.code == product.code:
            total = min(line.quantity + quantity, MAX_QUANTITY)
            return [*lines[:index], replace(line, quantity=total), *lines[index + 1 :]]
    if len(lines) >= MAX_LINES:
        return lines
    line = CartLine(product.code, product.name, min(quantity, MAX_QUANTITY), product.unit_price)
    return [*lines, line]


def set_quantity(lines: list[CartLine], product: CatalogEntry, quantity: int) -> list[CartLine]:
    """The cart with exactly `quantity` of `product`; zero removes it."""
    if quantity <= 0:
        return remove_item(lines, product.code)
    if any(line.code == product.code for line in lines):
        return [
            replace(line, quantity=min(quantity, MAX_QUANTITY))
            if line.code == product.code
            else line
            for line in lines
        ]
    return add_item(lines, product, quantity)


def remove_item(lines: list[CartLine], code: str, quantity: int | None = None) -> list[CartLine]:
    """The cart without `code`, or with `quantity` fewer of it when given."""
    result = []
    for line in lines:
        if line.code != code:
            result.append(line)
        elif quantity is not None and line.quantity > quantity:
            result.append(replace(line, quantity=line.quantity - quantity))
    return result
