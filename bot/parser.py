"""Customer text -> Intent: language packs for the words, fuzzy matching for products.

The parser is pure: the same text, catalog and context always give the same Intent, and no
input makes it raise. A bare address or a bare number means something only to the
conversation layer, which asked the question; the context it passes says what is in the
cart and which product was last discussed, so "send 3" and "no plantain" can be read.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import replace

from bot.intents import CatalogEntry, Context, Intent, IntentKind
from bot.language import ASK, SEP, lexicon, tokens
from bot.matching import fold, index_of
from bot.option_reading import options_of
from bot.reading import Reader

K = IntentKind
_THUMBS_UP = "\U0001f44d"
_OPT_WORDS = {
    **dict.fromkeys(("stop", "stopall", "unsubscribe", "end", "quit", "optout", "revoke"), K.STOP),
    **dict.fromkeys(("start", "unstop", "subscribe"), K.START),
}
_DEFAULT = Context()
_ALNUM = re.compile(r"[^\W_]")  # a letter or a digit (what str.isalnum says of a character)

# Looked for anywhere in the message, before product matching and after it.
_BEFORE_ITEMS = (
    (K.CANCEL, re.compile(r"\bcancel")),
    (
        K.HUMAN,
        re.compile(
            r"\b(?:talk|speak|chat) (?:to|with)\b|\bcall me\b|\bcustomer (?:care|service|support)\b"
            r"|\b(?:real|live) (?:person|human|agent)\b|\b(?:human|agent|representative)\b"
        ),
    ),
    (
        K.STATUS,
        re.compile(
            r"\b(?:status|track|tracking|eta)\b|\bwhere(?:s| is| are)? (?:my|the|our)\b"
            r"|\bhow long\b|\bwhen (?:will|is|would) (?:my|the|it)\b|\bany update\b|\bupdate on\b"
            r"|\bhow far (?:with |about )?(?:my|the|our) (?:order|food)\b|\bnever (?:reach|come)\b"
            r"|\bdey where\b|\bwhere (?:the )?rider\b|\b(?:order|khana|rider) kahan\b"
        ),
    ),
    (
        K.MENU,
        re.compile(
            r"\bmenu\b|\bprice ?list\b|\bprices?\b|\bhow much\b|\bdo (?:you|u) (?:have|sell)\b"
            r"|\bwhat (?:have|do) (?:you|u) got\b|\bwetin (?:una|you|u)\b"
            r"|\bwhat(?:s| is) available\b|\bcatalog(?:ue)?\b"
        ),
    ),
    (
        K.CLEAR,
        re.compile(
            r"\bclear\b|\bstart (?:over|again|afresh)\b|\bempty (?:my |the )?(?:cart|basket)\b"
            r"|\b(?:remove|delete) (?:all|everything)\b|\breset\b"
        ),
    ),
)
_AFTER_ITEMS = (
    (
        K.CHECKOUT,
        re.compile(
            r"\bcheck ?out\b|\bplace (?:my |the |an )?order\b|\bthat(?:s| is) (?:all|it)\b"
            r"|\b(?:im|i am) done\b|\bready to (?:pay|order)\b|\bconfirm (?:my |the )?order\b"
        ),
    ),
    (
        K.SHOW_CART,
        re.compile(r"\b(?:cart|basket)\b|\bwhat did i order\b|\b(?:my|the) total\b"),
    ),
    (K.HELP, re.compile(r"\bhelp\b|\bhow (?:does|do) (?:this|it|i)\b|\bhow to order\b")),
)


def parse(text: str, catalog: Sequence[CatalogEntry], context: Context = _DEFAULT) -> Intent:
    """Understand one customer message against the tenant's catalog and languages.

    Never raises. Text without words is EMPTY (a thumbs-up alone is YES, "?" alone HELP);
    the opt-out words count only as the whole message; products come back as catalog codes.
    """
    folded = unicodedata.normalize("NFKC", text)
    if _ALNUM.search(folded) is None:
        return Intent(_wordless_kind(folded))
    lex = lexicon(context.packs)
    index = index_of(catalog)
    if "+" in text and options_of(index).vocabulary:
        text = text.replace(
            "+", " with "
        )  # "jollof (large) + chicken": an extra, see option_reading
    toks = tokens(text)
    words = tuple(t for t in toks if t not in (SEP, ASK, "/"))
    opt = _OPT_WORDS.get(" ".join(words))
    if opt is not None:
        return Intent(opt)
    switch = lex.switches.get(words)
    if switch is not None:
        return Intent(K.LANGUAGE, text=switch)
    # Words of a product's name say nothing of the language.
    language = lex.detect(
        tuple(w for w in words if w in lex.speakers and fold(w) not in index.holders)
    )
    address = _address(text)
    if address is not None:
        return Intent(K.ADDRESS, text=address, language=language)
    read = tuple(lex.synonyms.get(t, t) for t in toks if t != "/")
    # The business's and the customer's names address someone, unless a product shares them.
    names = frozenset(
        w for w in context.names if fold(w) not in index.holders and not lex.connectors.whole((w,))
    )
    if names != context.names:
        context = replace(context, names=names)
    intent = Reader(lex, index, context, language=language).read(read)
    if intent.kind in (K.UNKNOWN, K.GREET, K.NO):
        joined = " ".join(words)
        kind = _keyword_kind(joined, _BEFORE_ITEMS) or _keyword_kind(joined, _AFTER_ITEMS)
        if kind is not None and (not intent.unmatched or kind in (K.CANCEL, K.HUMAN, K.STATUS)):
            intent = Intent(kind, language=language)
    if intent.kind in (K.CANCEL, K.HUMAN):
        intent = Intent(intent.kind, text=text.strip(), language=language)
    return intent


def _wordless_kind(folded: str) -> IntentKind:
    if _THUMBS_UP in folded:
        return K.YES
    return K.HELP if "?" in folded else K.EMPTY


def _keyword_kind(
    joined: str, rules: tuple[tuple[IntentKind, re.Pattern[str]], ...]
) -> IntentKind | None:
    return next((kind for kind, pattern in rules if pattern.search(joined)), None)


# ---------------------------------------------------------------- addresses

_ADDRESS_LEAD = (
    r"^\W*(?:(?:ok|okay|yes|yeah|sure|please|pls|plz|abeg|biko|kindly|hi|hello|hey)\b\W*){0,3}"
)
_ADDRESS_PATTERNS = tuple(
    re.compile(_ADDRESS_LEAD + body, re.IGNORECASE | re.DOTALL)
    for body in (
        r"(?:(?:my|the|our|delivery|home|office)\s+){0,2}address(?:\s+is)?\b(?P<address>.+)",
        r"(?:deliver|delivery|send|bring)(?:\s+(?:it|them|am|the\s+order|my\s+order|the\s+food))?"
        r"\s+to\b(?P<address>.+)",
        r"(?:my\s+location\s+is|location\s*:|i\s+(?:stay|live)\s+(?:at|in|on)\b)(?P<address>.+)",
    )
)
_ADDRESS_EDGES = " \t\r\n:-–=,."


def _address(text: str) -> str | None:
    """The address in "address: 12 Allen Ave" / "deliver to ..." / "my address is ...", if any."""
    for pattern in _ADDRESS_PATTERNS:
        match = pattern.match(text)
        if match:
            address = match["address"].strip(_ADDRESS_EDGES)
            if _ALNUM.search(address):
                return address
    return None
