"""Amounts as shop customers write them, against products that state their own size."""

from __future__ import annotations

import pytest

from bot.intents import CatalogEntry, Context, OpKind
from bot.parser import parse

SHOP = (
    CatalogEntry("flour", "Maize Flour 2kg", ("unga",), 18000),
    CatalogEntry("potatoes", "Potatoes (1kg)", ("viazi",), 12000),
    CatalogEntry("milk", "Fresh Milk 500ml", ("maziwa", "milk"), 6500),
    CatalogEntry("choma", "Nyama Choma (1/2 kg)", ("choma",), 45000),
    CatalogEntry("eggs", "Eggs", ("mayai",), 1500),
    CatalogEntry("chai", "Chai", ("tea",), 3000),
)
KENYA = Context(packs=("en", "sw"))


@pytest.mark.parametrize(
    ("text", "code", "quantity"),
    [
        ("2kg potatoes", "potatoes", 2),
        ("viazi kilo mbili", "potatoes", 2),
        ("2kg unga", "flour", 1),
        ("unga 2kg mbili", "flour", 2),
        ("unga 2kg moja", "flour", 1),
        ("3 packets of unga", "flour", 3),
        ("1 litre maziwa", "milk", 2),
        ("500ml milk x3", "milk", 3),
        ("half kg choma", "choma", 1),
        ("kilo na nusu ya nyama choma", "choma", 3),
        ("a dozen eggs", "eggs", 12),
        ("half dozen mayai", "eggs", 6),
        ("mayai dozen", "eggs", 12),
        ("mayai kumi na mbili", "eggs", 12),
    ],
)
def test_measures_become_packs_of_the_products_own_size(
    text: str, code: str, quantity: int
) -> None:
    assert [(i.code, i.quantity) for i in parse(text, SHOP, KENYA).items] == [(code, quantity)]


def test_a_wish_about_a_line_in_the_cart_goes_on_that_line() -> None:
    intent = parse("chai bila sukari", SHOP, Context(cart=frozenset({"chai"}), packs=("en", "sw")))

    assert [(op.kind, op.item and op.item.note) for op in intent.ops] == [
        (OpKind.NOTE, "bila sukari")
    ]


def test_a_wish_for_one_of_the_items_is_noted_on_them() -> None:
    intent = parse("nipe chai mbili, moja bila sukari", SHOP, KENYA)

    assert [(i.code, i.quantity, i.note) for i in intent.items] == [("chai", 2, "moja bila sukari")]
