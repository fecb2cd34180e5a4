"""Cart lines with options as pure values: pricing, lines told apart by options, the round
trip through checkout items, repricing from the catalog, and how lines read."""

from __future__ import annotations

from dataclasses import replace

from bot.cart import (
    CartLine,
    LineOption,
    add_item,
    dump_cart,
    load_cart,
    priced_options,
    remove_item,
    set_quantity,
)
from bot.intents import CatalogEntry
from bot.wording import line_text, options_text

GROUPS = [
    {"name": "Size", "min": 1, "max": 1,
     "options": [{"name": "Small", "price": 0}, {"name": "Large", "price": 50000}]},
    {"name": "Extras", "min": 0, "max": 2,
     "options": [{"name": "Chicken", "price": 150000}, {"name": "Plantain", "price": 30000}]},
]  # fmt: skip
JOLLOF = CatalogEntry("prod_jollof", "Jollof Rice", ("jollof",), 200000, True, GROUPS)
COKE = CatalogEntry("prod_coke", "Coke", (), 50000)
CATALOG = {entry.code: entry for entry in (JOLLOF, COKE)}


def jollof(*names: str) -> tuple[LineOption, ...]:
    found = priced_options(JOLLOF, names)
    assert found is not None
    return found


def test_a_line_costs_its_unit_and_its_options_times_its_quantity() -> None:
    line = CartLine("prod_jollof", "Jollof Rice", 2, 200000, "", jollof("Chicken", "Large"))
    assert line.option_names == ("Large", "Chicken")  # menu order, whatever the order said
    assert (line.unit_total, line.subtotal) == (400000, 800000)
    assert line_text(line, "NGN") == "• 2 × Jollof Rice (Large, +Chicken) — ₦8,000"
    assert options_text(jollof("Small", "Chicken", "Plantain")) == "Small, +Chicken, +Plantain"


def test_the_same_product_with_other_options_is_another_line() -> None:
    cart = add_item([], JOLLOF, 1, options=jollof("Large"))
    cart = add_item(cart, JOLLOF, 2, options=jollof("Small"))
    cart = add_item(cart, JOLLOF, 1, options=jollof("Large"))
    assert [(line.option_names, line.quantity) for line in cart] == [
        (("Large",), 2), (("Small",), 2)
    ]  # fmt: skip
    cart = set_quantity(cart, JOLLOF, 5, options=("small",))
    assert [line.quantity for line in cart] == [2, 5]
    assert [line.quantity for line in set_quantity(cart, JOLLOF, 3)] == [2, 3]
    assert [line.option_names for line in remove_item(cart, "prod_jollof", options=("Large",))] == [
        ("Small",)
    ]
    assert remove_item(cart, "prod_jollof", 6) == [replace(cart[0], quantity=1)]
    assert remove_item(cart, "prod_jollof") == []


def test_the_cart_round_trips_through_checkout_items_with_options_and_note() -> None:
    cart = [
        CartLine("prod_jollof", "Jollof Rice", 2, 200000, "no pepper", jollof("Large", "Chicken")),
        CartLine("prod_coke", "Coke", 1, 50000),
    ]
    items = dump_cart(cart)
    assert items == [
        {"product_id": "prod_jollof", "quantity": 2, "options": ["Large", "Chicken"],
         "note": "no pepper"},
        {"product_id": "prod_coke", "quantity": 1},
    ]  # fmt: skip
    assert load_cart(items, CATALOG) == cart


def test_loading_reprices_options_and_drops_a_line_whose_options_no_longer_fit() -> None:
    dearer = [{**GROUPS[0]}, {**GROUPS[1], "options": [{"name": "Chicken", "price": 200000}]}]
    catalog = {"prod_jollof": replace(JOLLOF, option_groups=dearer)}
    items = [
        {"product_id": "prod_jollof", "quantity": 1, "options": ["Small", "Chicken"]},
        {"product_id": "prod_jollof", "quantity": 2, "options": ["Large", "Plantain"]},  # gone
        {"product_id": "prod_jollof", "quantity": 3, "options": ["Chicken"]},  # no size
        {"product_id": "prod_jollof", "quantity": 4, "options": ["Small", "Large"]},  # too many
        {"product_id": "prod_jollof", "quantity": 5, "options": ["large"]},  # case aside
    ]
    loaded = load_cart(items, catalog)
    assert [(line.quantity, line.subtotal) for line in loaded] == [(1, 400000), (5, 1250000)]
    assert loaded[1].option_names == ("Large",)
