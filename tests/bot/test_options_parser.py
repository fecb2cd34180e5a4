"""Options read by the parser: matched only against the named product's options, in every
pack's word order, and the rule for a word that is an option and a product."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.intents import CatalogEntry, Context, IntentKind, OpKind
from bot.parser import parse

SIZE = {"name": "Size", "min": 1, "max": 1,
        "options": [{"name": "Small", "price": 0}, {"name": "Large", "price": 50000}]}  # fmt: skip
EXTRAS = {"name": "Extras", "min": 0, "max": 3,
          "options": [{"name": "Chicken", "price": 150000}, {"name": "Beef", "price": 80000},
                      {"name": "Extra Pav", "price": 1500}]}  # fmt: skip
MENU = (
    CatalogEntry("jollof", "Jollof Rice", ("jollof",), 200000, True, [SIZE, EXTRAS]),
    CatalogEntry("chicken", "Peppered Chicken", ("chicken",), 250000),
    CatalogEntry("misal", "Misal Pav", ("misal",), 8000, True, [EXTRAS]),
    CatalogEntry("lassi", "Sweet Lassi", ("lassi",), 6000, True, [SIZE]),
    CatalogEntry("chai", "Chai", ("tea",), 3000, True, [SIZE]),
    CatalogEntry("chapman", "Chapman", (), 150000),
)
PACKS = ("en", "pcm", "hi", "sw")


def lines(text: str, cart: frozenset[str] = frozenset()) -> list[tuple[str, str, int, tuple, str]]:
    intent = parse(text, MENU, Context(packs=PACKS, cart=cart))
    return [
        (op.kind.value, op.item.code, op.item.quantity, op.item.options, op.item.note)
        for op in intent.ops
        if op.item is not None
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2 large jollof with extra chicken", [("add", "jollof", 2, ("Large", "Chicken"), "")]),
        ("jollof (large) + chicken", [("add", "jollof", 1, ("Large", "Chicken"), "")]),
        ("big jollof", [("add", "jollof", 1, ("Large",), "")]),
        ("larg jollof", [("add", "jollof", 1, ("Large",), "")]),
        ("large jollof no pepper", [("add", "jollof", 1, ("Large",), "no pepper")]),
        ("large jollof, no pepper", [("add", "jollof", 1, ("Large",), "no pepper")]),
        ("jollof large x2 with beef", [("add", "jollof", 2, ("Large", "Beef"), "")]),
        ("1 misal pav extra pav", [("add", "misal", 1, ("Extra Pav",), "")]),
        ("misal with pav", [("add", "misal", 1, ("Extra Pav",), "")]),
        ("ek bada lassi", [("add", "lassi", 1, ("Large",), "")]),
        ("lassi chhota wala kam meetha", [("add", "lassi", 1, ("Small",), "kam meetha")]),
        ("chai kubwa mbili", [("add", "chai", 2, ("Large",), "")]),
        ("chai mbili kubwa", [("add", "chai", 2, ("Large",), "")]),
        (
            "1 large and 2 small jollof",
            [("add", "jollof", 1, ("Large",), ""), ("add", "jollof", 2, ("Small",), "")],
        ),
        (
            "chai moja kubwa na mbili ndogo",
            [("add", "chai", 1, ("Large",), ""), ("add", "chai", 2, ("Small",), "")],
        ),
        ("jollof with chicken and beef", [("add", "jollof", 1, ("Chicken", "Beef"), "")]),
        ("jollof with beef and chicken", [("add", "jollof", 1, ("Chicken", "Beef"), "")]),
        ("chai ndogo bila sukari", [("add", "chai", 1, ("Small",), "bila sukari")]),
        (
            "jollof small and chicken and beef",
            [("add", "jollof", 1, ("Small", "Beef"), ""), ("add", "chicken", 1, (), "")],
        ),
    ],
)
def test_options_are_read_in_every_word_order(text: str, expected: list) -> None:
    assert lines(text) == expected


def test_an_option_word_is_never_a_product_of_its_own() -> None:
    intent = parse("large", MENU, Context(packs=PACKS))
    assert intent.kind is IntentKind.UNKNOWN and not intent.ops
    assert lines("2 large chapman") != [("add", "chapman", 2, ("Large",), "")]


def test_a_word_that_is_an_option_and_a_product_is_the_option_only_after_a_with_word() -> None:
    assert lines("jollof with chicken") == [("add", "jollof", 1, ("Chicken",), "")]
    assert lines("jollof extra chicken") == [("add", "jollof", 1, ("Chicken",), "")]
    assert lines("jollof and chicken") == [
        ("add", "jollof", 1, (), ""), ("add", "chicken", 1, (), "")
    ]  # fmt: skip
    assert lines("2 jollof 1 chicken") == [
        ("add", "jollof", 2, (), ""), ("add", "chicken", 1, (), "")
    ]  # fmt: skip


def test_edits_name_the_line_by_its_options() -> None:
    cart = frozenset({"jollof", "lassi"})
    assert lines("remove the large jollof", cart) == [("remove", "jollof", 0, ("Large",), "")]
    assert lines("bada lassi hata do", cart) == [("remove", "lassi", 0, ("Large",), "")]
    assert lines("make the small jollof 3", cart) == [("set", "jollof", 3, ("Small",), "")]


def test_a_catalog_without_options_reads_as_before() -> None:
    plain = (*(entry for entry in MENU if not entry.option_groups), CatalogEntry("j", "Jollof"))
    intent = parse("jollof + chicken", plain, Context())
    assert [(op.kind, op.item.code if op.item else None) for op in intent.ops] == [
        (OpKind.ADD, "j"), (OpKind.ADD, "chicken")
    ]  # fmt: skip


_WORDS = st.sampled_from(
    [
        "2",
        "x",
        "large",
        "big",
        "bada",
        "kubwa",
        "small",
        "jollof",
        "chicken",
        "with",
        "extra",
        "and",
        "+",
        "na",
        "no",
        "pepper",
        "lassi",
        "chai",
        "misal",
        "pav",
        "the",
        "one",
        "remove",
        "make",
        "it",
        "3",
        "hata",
        "do",
        "toa",
        "(",
        ")",
        ",",
        "?",
        "size",
        "wala",
        "beef",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_WORDS, max_size=14).map(" ".join))
def test_any_words_give_real_options_of_the_product_named(text: str) -> None:
    intent = parse(text, MENU, Context(packs=PACKS, cart=frozenset({"jollof", "lassi"})))
    by_code = {entry.code: entry for entry in MENU}
    for op in intent.ops:
        if op.item is None:
            continue
        entry = by_code[op.item.code]
        names = [o.name for g in entry.option_groups for o in g.options]
        assert list(op.item.options) == [n for n in names if n in op.item.options]  # menu order
        for group in entry.option_groups:
            assert sum(o.name in op.item.options for o in group.options) <= group.max
