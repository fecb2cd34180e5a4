"""The intent parser: the message table, what it promises for any text, and edge cases."""

from __future__ import annotations

import runpy
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz, process

from bot.intents import CatalogEntry, Context, Intent, IntentKind, ItemRequest, OpKind, Unmatched
from bot.language.lexicon import available_packs
from bot.matching import catalog_index, fold
from bot.parser import parse as parse_with
from tests.bot.parser_cases import CASES, DEMO_CATALOG, JOLLOF, Case

ALL_PACKS = Context(packs=available_packs())
ROOT = Path(__file__).resolve().parents[2]
# Names whose words come in every length, run together too ("spicigriledwrap").
BIG_MENU = (
    tuple(
        CatalogEntry(f"prod_{a}_{b}_{c}", f"{a} {b} {c}")
        for a in ("spicy", "grilled", "fried", "royal", "mini")
        for b in ("garlic", "lemon", "pepper", "honey", "masala")
        for c in ("wrap", "burger", "soup", "noodles", "kebab", "bowl", "sandwich", "tacos")
    )
    + DEMO_CATALOG
)


def parse(
    text: str, catalog: tuple[CatalogEntry, ...] | list[CatalogEntry], context: Context = ALL_PACKS
) -> Intent:
    """The parser with every language pack active, as a tenant whose customers mix them."""
    return parse_with(text, catalog, context)


K = IntentKind


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_message(case: Case) -> None:
    intent = parse(case.message, DEMO_CATALOG)

    assert intent.kind is case.kind
    assert [(item.code, item.quantity) for item in intent.items] == list(case.items)
    assert [u.text for u in intent.unmatched] == list(case.unmatched)
    if case.text is not None:
        assert intent.text == case.text


def test_the_table_is_big_and_covers_every_text_intent() -> None:
    assert len(CASES) >= 120
    assert {c.kind for c in CASES} == set(IntentKind) - {K.LOCATION}
    assert len({c.message for c in CASES}) == len(CASES)


def test_items_carry_the_catalog_name() -> None:
    intent = parse("2 jollof and a dodo", DEMO_CATALOG)

    assert intent.items == (
        ItemRequest("prod_jollof", "Jollof Rice (Large)", 2),
        ItemRequest("prod_plantain", "Fried Plantain (Dodo)", 1),
    )


def test_an_ambiguous_word_suggests_every_product_it_could_be() -> None:
    (unmatched,) = parse("rice", DEMO_CATALOG).unmatched

    assert set(unmatched.suggestions[:2]) == {"Jollof Rice (Large)", "Fried Rice"}


def test_a_near_miss_suggests_the_product() -> None:
    assert parse("2 chikin", DEMO_CATALOG) == Intent(
        K.UNKNOWN, unmatched=(Unmatched("chikin", ("Grilled Chicken",), quantity=2),)
    )


def test_nothing_close_means_no_suggestions() -> None:
    assert parse("2 pizza", DEMO_CATALOG).unmatched == (Unmatched("pizza", (), quantity=2),)
    assert parse("2 shawarma", DEMO_CATALOG).unmatched == (Unmatched("shawarma", (), quantity=2),)


def test_suggestions_far_below_the_best_are_left_out() -> None:
    (unmatched,) = parse("2 rice", DEMO_CATALOG).unmatched

    assert unmatched.suggestions == ("Jollof Rice (Large)", "Fried Rice")


def test_a_name_with_and_in_it_is_not_split() -> None:
    catalog = (*DEMO_CATALOG, CatalogEntry("prod_rb", "Rice & Beans"))

    intent = parse("2 rice and beans and a chapman", catalog)

    assert [(i.code, i.quantity) for i in intent.items] == [("prod_rb", 2), ("prod_chapman", 1)]


def test_a_name_made_of_digits_is_not_a_quantity() -> None:
    catalog = (*DEMO_CATALOG, CatalogEntry("prod_7up", "7Up"))

    assert parse("7up", catalog).items == (ItemRequest("prod_7up", "7Up", 1),)
    assert parse("2 7up", catalog).items == (ItemRequest("prod_7up", "7Up", 2),)


@pytest.mark.parametrize("message", ["with", "with my order", "the order", "2 with", "and of the"])
def test_stop_words_alone_never_name_a_product(message: str) -> None:
    """ "with" is a word of "Egusi Soup with Pounded Yam", but it names nothing."""
    assert parse(message, DEMO_CATALOG).items == ()


@pytest.mark.parametrize("message", ["-1 jollof", "jollof -1", "-2 chapman and 1 zobo"])
def test_a_negative_number_is_not_a_quantity(message: str) -> None:
    intent = parse(message, DEMO_CATALOG)

    assert (JOLLOF, 1) not in [(i.code, i.quantity) for i in intent.items]
    assert all(i.code != "prod_chapman" for i in intent.items)


def test_aliases_given_as_a_list_still_work() -> None:
    catalog = [CatalogEntry("prod_x", "Small Chops", ["chops"])]  # type: ignore[arg-type]

    assert parse("3 chops", catalog).items == (ItemRequest("prod_x", "Small Chops", 3),)


@pytest.mark.parametrize(
    ("message", "kind"),
    [("hi", K.GREET), ("menu", K.MENU), ("checkout", K.CHECKOUT), ("stop", K.STOP)],
)
def test_an_empty_catalog_still_understands_the_conversation(message: str, kind: K) -> None:
    assert parse(message, []).kind is kind


def test_an_empty_catalog_reports_products_as_unmatched() -> None:
    assert parse("2 jollof", []) == Intent(K.UNKNOWN, unmatched=(Unmatched("jollof", (), 2),))


def test_several_catalogs_in_turn_are_each_read_as_they_are() -> None:
    """Indexes are kept per catalog tuple: tenants taking turns never see each other's menu."""
    lagos = (CatalogEntry("prod_a", "Jollof Rice"),)
    nairobi = (CatalogEntry("prod_b", "Pilau"),)
    for _ in range(2):
        assert [i.code for i in parse("2 jollof", lagos).items] == ["prod_a"]
        assert parse("2 jollof", nairobi).items == ()
        assert [i.code for i in parse("2 pilau", nairobi).items] == ["prod_b"]


def test_a_catalog_list_changed_in_place_is_read_as_it_is_now() -> None:
    catalog = [CatalogEntry("prod_a", "Jollof Rice")]
    assert [i.code for i in parse("2 jollof", catalog).items] == ["prod_a"]
    catalog[0] = CatalogEntry("prod_b", "Jollof Rice")
    assert [i.code for i in parse("2 jollof", catalog).items] == ["prod_b"]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet="abcdeijklmnoprstuwy", min_size=1, max_size=24))
def test_a_typed_word_is_compared_with_every_name_word_that_can_come_near(word: str) -> None:
    """Leaving out name words of hopeless lengths changes nothing: the same candidates as a
    comparison with the whole vocabulary."""
    index = catalog_index(BIG_MENU)
    everything = process.extract(
        fold(word), index.vocabulary, scorer=fuzz.ratio, processor=None, score_cutoff=65
    )
    expected = {i for choice, _, _ in everything for i in index.holders[choice]}
    assert set(index.candidates((word,))) == expected


def test_the_parser_benchmark_runs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A smoke run of bench/parser.py (one round, a small menu), cold and warm: no timing."""
    for extra in ([], ["--cold"]):
        monkeypatch.setattr(sys, "argv", ["parser.py", "--rounds", "1", "--menu", "60", *extra])
        runpy.run_path(str(ROOT / "bench" / "parser.py"), run_name="__main__")
        assert "msg/s" in capsys.readouterr().out


# ---------------------------------------------------------------- any text at all

CHAT_WORDS = (
    "2", "x2", "3x", "x", "a", "one", "dozen", "half", "and", "&", "+", ",", ";", "\n", "with",
    "jollof", "jolof", "chapman", "dodo", "rice", "puff-puff", "Egusi", "water", "pizza",
    "add", "remove", "no", "yes", "make it", "change", "to", "instead", "cancel", "stop",
    "hi", "abeg", "pls", "menu", "cart", "address:", "deliver to", "?", "👍", "😂", "🙏🏾",
    "मुझे", "२", "चाहिए", "مرحبا", "٣", "שלום", "\u200f", "\u202e", "\x00", "\x1b", "\r",
    "\t", "ß", "ﬁ", "Ⅻ", "½", "⁹", "🇳🇬", "0", "000000000000", "-1", "1e9",
)  # fmt: skip
chat = st.lists(st.sampled_from(CHAT_WORDS), max_size=60).map(" ".join)
catalogs = st.lists(
    st.builds(
        CatalogEntry,
        code=st.text(min_size=1, max_size=8),
        name=st.text(max_size=30),
        aliases=st.lists(st.text(max_size=15), max_size=3).map(tuple),
    ),
    max_size=6,
    unique_by=lambda entry: entry.code,
)


def check_promises(intent: Intent, catalog: tuple[CatalogEntry, ...] | list[CatalogEntry]) -> None:
    """What every parse promises, whatever the text."""
    names = {entry.code: entry.name for entry in catalog}
    assert isinstance(intent.kind, IntentKind)
    assert intent.kind is not K.LOCATION
    for op in intent.ops:
        if op.item is None:
            continue
        assert names[op.item.code] == op.item.name
        if op.kind in (OpKind.REMOVE, OpKind.NOTE):
            assert op.item.quantity >= 0
        else:
            assert op.item.quantity > 0
    assert intent.items == tuple(
        op.item for op in intent.ops if op.item and op.kind is not OpKind.NOTE
    )
    if intent.items:
        assert intent.kind in (K.ADD, K.REMOVE, K.SET_QUANTITY, K.EDIT)
    if intent.kind is K.ADD:
        assert intent.items
    for unmatched in intent.unmatched:
        assert unmatched.text
        assert len(unmatched.suggestions) <= 3
        assert set(unmatched.suggestions) <= set(names.values())


@given(st.text())
def test_any_text_keeps_the_promises(text: str) -> None:
    check_promises(parse(text, DEMO_CATALOG), DEMO_CATALOG)


@given(chat)
@example("0 jollof and 0x chapman, remove 0 zobo")
def test_any_chat_keeps_the_promises(text: str) -> None:
    check_promises(parse(text, DEMO_CATALOG), DEMO_CATALOG)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(min_size=1, max_size=40), chat.filter(bool)))
def test_huge_messages_keep_the_promises(seed: str) -> None:
    text = seed * (1600 // len(seed) + 1)

    check_promises(parse(text, DEMO_CATALOG), DEMO_CATALOG)


@given(chat, catalogs)
def test_any_catalog_keeps_the_promises(text: str, catalog: list[CatalogEntry]) -> None:
    check_promises(parse(text, catalog), catalog)


@given(st.text())
def test_the_same_text_gives_the_same_intent(text: str) -> None:
    assert parse(text, DEMO_CATALOG) == parse(text, list(DEMO_CATALOG))


def wordless(char: str) -> bool:
    return not any(c.isalnum() for c in unicodedata.normalize("NFKC", char))


symbols = st.characters(categories=["So", "Sk", "Zs", "Cc", "Cf", "Mn", "Me", "Po"]).filter(
    wordless
)


@given(st.text(alphabet=symbols) | st.sampled_from(["❤️", "🙏🏾", "👨‍👩‍👧", "1️⃣"[1:], "…", "👍🏽👍"]))
def test_symbols_alone_are_empty_a_thumbs_up_or_a_question(text: str) -> None:
    kind = parse(text, DEMO_CATALOG).kind

    question = "?" in unicodedata.normalize("NFKC", text)  # "？" and "﹖" too
    expected = K.YES if "👍" in text else K.HELP if question else K.EMPTY
    assert kind is expected
