"""Language packs: every pack loads, speaks the same reply templates as English, and the
words customers use to confirm or refuse mean what they say in every market."""

from __future__ import annotations

import re
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.intents import CatalogEntry, Context, IntentKind
from bot.language import SEP, Phrases, tokens
from bot.language.lexicon import available_packs, lexicon, pack_data
from bot.parser import parse
from bot.wording import tenant_packs

K = IntentKind
MENU = (CatalogEntry("prod_chai", "Masala Chai", ("chai",), 2000),)


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_the_four_markets_have_their_packs() -> None:
    assert {"en", "pcm", "hi", "sw", "tw"} <= set(available_packs())
    assert tenant_packs(None, "NGN") == ("en", "pcm")
    assert tenant_packs(None, "INR") == ("en", "hi")
    assert tenant_packs(None, "KES") == ("en", "sw")
    assert tenant_packs(None, "GHS") == ("en", "pcm", "tw")
    assert tenant_packs(["sw"], "USD") == ("en", "sw")


@pytest.mark.parametrize("code", available_packs())
def test_a_pack_loads_and_its_replies_match_englishs_placeholders(code: str) -> None:
    english = pack_data("en")["replies"]
    for key, template in pack_data(code).get("replies", {}).items():
        assert key in english, f"{code}: {key} is not an English template"
        assert fields(template) <= fields(english[key]), f"{code}: {key}"
    lex = lexicon(("en", code))
    assert all(re.fullmatch(r"[^\s]+( [^\s]+)*", " ".join(p)) for p in lex.yes.members)


@pytest.mark.parametrize(
    ("packs", "word"),
    [
        (("en",), "yes"), (("en",), "ok"), (("en",), "correct"), (("en",), "👍"),
        (("en",), "sure"), (("en",), "go ahead"), (("en",), "confirm"),
        (("en", "pcm"), "oya"), (("en", "hi"), "haan"), (("en", "hi"), "haan ji"),
        (("en", "sw"), "sawa"), (("en", "sw"), "ndio"), (("en", "sw"), "poa"),
        (("en", "pcm", "tw"), "aane"),
    ],
)  # fmt: skip
def test_confirmation_words_confirm(packs: tuple[str, ...], word: str) -> None:
    assert parse(word, MENU, Context(packs=packs)).kind is K.YES


@pytest.mark.parametrize(
    ("packs", "word"),
    [
        (("en",), "no"), (("en",), "wait"), (("en", "sw"), "hapana"), (("en", "hi"), "nahi"),
        (("en", "pcm", "tw"), "daabi"),
    ],
)  # fmt: skip
def test_refusals_do_not_confirm(packs: tuple[str, ...], word: str) -> None:
    assert parse(word, MENU, Context(packs=packs)).kind is K.NO


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("nipe chai mbili tafadhali", "sw"),
        ("do chai bhejo", "hi"),
        ("abeg make una bring chai", "pcm"),
        ("2 chai please", None),
    ],
)
def test_the_language_is_told_from_the_words(text: str, language: str | None) -> None:
    context = Context(packs=available_packs())
    assert parse(text, MENU, context).language == language


def test_a_number_word_of_one_pack_is_no_number_in_english() -> None:
    context = Context(packs=("en", "hi"))
    assert parse("do you have chai?", MENU, context).kind is K.ASK
    assert [i.quantity for i in parse("do chai", MENU, context).items] == [2]


@pytest.mark.parametrize("code", ["pcm", "hi", "sw"])
def test_the_main_moments_are_translated(code: str) -> None:
    replies = pack_data(code)["replies"]
    main = ("added", "cart_heading", "checkout_question", "ask_address", "placed", "placed_next",
            "did_you_mean", "not_found", "not_understood", "sold_out", "price", "order_status",
            "notice_confirmed", "notice_preparing", "notice_out_for_delivery", "notice_delivered")  # fmt: skip
    assert [key for key in main if key not in replies] == []


def test_a_phrase_longer_than_the_words_does_not_take_them() -> None:
    phrases = Phrases.of([("i", "want"), ("i",), ("thank", "you"), ("you",)])
    assert phrases.prefix(("i",)) == 1
    assert phrases.prefix(("i", "want", "rice")) == 2
    assert phrases.suffix(("you",)) == 1
    assert phrases.suffix(("rice", "thank", "you")) == 2
    assert phrases.find(("rice", "i")) == (1, 1)
    assert phrases.find(("rice", "and", "beans")) is None


def test_each_meanings_phrases_can_be_told_by_their_first_and_last_words() -> None:
    lex = lexicon(available_packs())
    for meaning, phrases in lex.phrases.items():
        for phrase in phrases.members:
            assert meaning in lex.openers[phrase[0]] and meaning in lex.closers[phrase[-1]]
            assert phrase[0] in lex.starters(frozenset({meaning}))


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_ascii_text_is_read_as_any_text_is(text: str) -> None:
    # "é" is not ASCII, so the text with it goes the general way: the same words, and "e".
    assert tokens(f"{text}\né") == (*tokens(text), SEP, "e")
