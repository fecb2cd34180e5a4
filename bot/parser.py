"""Customer text -> Intent: word rules for the conversation, fuzzy matching for products.

The parser is pure: the same text and catalog always give the same Intent, and no input
makes it raise. It knows nothing of the conversation's state; a bare address or a bare
number means something only to the conversation layer, which asked the question.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum, auto
from functools import lru_cache
from typing import NamedTuple

from rapidfuzz import fuzz, process

from bot.intents import CatalogEntry, Intent, IntentKind, ItemRequest, Unmatched
from bot.numbers import Words, leading_quantity, number_value, trailing_quantity

K = IntentKind
_SEP = ","  # the token that commas, semicolons and line breaks become

_MATCH_CUTOFF = 80  # WRatio at or above which a product is taken without asking
_SUGGEST_CUTOFF = 60  # WRatio at or above which a product is offered as "did you mean"
_SUGGEST_SPREAD = 12  # suggestions further than this below the best one are noise
_TIE_MARGIN = 2  # two products this close are ambiguous ("rice": jollof or fried?)
_WORD_CUTOFF = 75  # fuzz.ratio at which a typed word counts as a word of the product
_NEAR_MISS = 70  # a lone word this close to a product is reported even without a quantity
_MAX_BARE_WORDS = 2  # longer phrases without a quantity or "i want" are not taken as products
_MIN_FUZZY_CHARS = 3
_MAX_NAME_WORDS = 8
_MAX_SUGGESTIONS = 3
_THUMBS_UP = "\U0001f44d"

# ---------------------------------------------------------------- normalising text

_CHAR_MAP = {
    "'": "",
    "’": "",
    "‘": "",
    "`": "",
    ",": f" {_SEP} ",
    ";": f" {_SEP} ",
    "\n": f" {_SEP} ",
    "\r": f" {_SEP} ",
    "&": " and ",
    "+": " and ",
    "×": " x ",
    "*": " x ",
}
_DIGIT_LETTER = re.compile(r"(?<=\d)(?=[^\W\d_])|(?<=[^\W\d_])(?=\d)")
_ELONGATED = re.compile(
    r"(?P<hi>h+i+)|(?P<hello>he+l+o+)|(?P<hey>he+y+)|(?P<yes>ye+s+)|(?P<no>no+)|(?P<ok>ok+)"
    r"|(?P<okay>oka+y+)|(?P<please>pl[sz]+|plea+s+e*)|(?P<thanks>than+k?s+|thanx+|thx+|tnx+)"
)


# A minus sign stuck to a number at the start of a word: "-1 jollof" is not one jollof.
_NEGATIVE = re.compile(r"(?<![\w.])[-\u2212](?=\d)")

_LIST_MARKER = re.compile(r"^[ \t]*\d{1,2}[.)][ \t]+", re.MULTILINE)


def _without_list_numbers(text: str) -> str:
    """ "1. jollof x2 / 2. chapman": the 1. and 2. number the lines, they are not quantities."""
    return _LIST_MARKER.sub("", text) if len(_LIST_MARKER.findall(text)) >= 2 else text


def _tokens(text: str) -> Words:
    """Lower-case words and _SEP tokens; punctuation, symbols and emoji dropped.

    A negative number keeps its sign ("-1"), so it is never read as a quantity.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    negative = {match.start() for match in _NEGATIVE.finditer(folded)}
    kept = "".join("-" if i in negative else _keep(char) for i, char in enumerate(folded))
    words = _DIGIT_LETTER.sub(" ", kept).split()
    # A mark with no letter to sit on (the U+FE0F after an emoji) is not a word.
    return tuple(_canonical(w) for w in words if w == _SEP or any(c.isalnum() for c in w))


def _keep(char: str) -> str:
    if char.isalnum() or unicodedata.category(char).startswith("M"):
        return char
    return _CHAR_MAP.get(char, " ")


def _canonical(word: str) -> str:
    """One spelling for the stretched words of chat: "hiiii" -> "hi", "plsss" -> "please"."""
    match = _ELONGATED.fullmatch(word)
    return match.lastgroup or word if match else word


def _words(tokens: Words) -> Words:
    return tuple(token for token in tokens if token != _SEP)


def _phrases(*texts: str) -> tuple[Words, ...]:
    """Phrases as word tuples, longest first so the longest one wins."""
    return tuple(sorted((tuple(text.split()) for text in texts), key=len, reverse=True))


def _prefix(tokens: Words, phrases: tuple[Words, ...]) -> int:
    """How many tokens the longest of `phrases` takes at the start of `tokens` (0: none)."""
    return next((len(p) for p in phrases if tokens[: len(p)] == p), 0)


def _suffix(tokens: Words, phrases: tuple[Words, ...]) -> int:
    return next((len(p) for p in phrases if len(tokens) >= len(p) and tokens[-len(p) :] == p), 0)


def _trim(tokens: Words, leading: tuple[Words, ...], trailing: tuple[Words, ...]) -> Words:
    """`tokens` without separators, `leading` phrases and `trailing` phrases at its edges."""
    start, end = 0, len(tokens)
    while start < end:
        if tokens[start] == _SEP:
            start += 1
        elif tokens[end - 1] == _SEP:
            end -= 1
        elif taken := _prefix(tokens[start:end], leading):
            start += taken
        elif taken := _suffix(tokens[start:end], trailing):
            end -= taken
        else:
            break
    return tokens[start:end]


def _after_run(tokens: Words, phrases: tuple[Words, ...]) -> Words | None:
    """The tokens after a run of `phrases` at the start, or None if it does not start so."""
    rest, found = tokens, False
    while True:
        stripped = _trim(rest, (), ())
        taken = _prefix(stripped, phrases)
        if not taken:
            return rest if found else None
        rest, found = stripped[taken:], True


# ---------------------------------------------------------------- word tables

_OPT_WORDS = {
    **dict.fromkeys(("stop", "stopall", "unsubscribe", "end", "quit", "optout", "revoke"), K.STOP),
    **dict.fromkeys(("start", "unstop", "subscribe"), K.START),
}

_PHRASE_TABLE: dict[IntentKind, tuple[str, ...]] = {
    K.GREET: (
        "hi", "hello", "hey", "hi there", "hello there", "hey there", "hiya", "heya", "yo",
        "howdy", "greetings", "good morning", "good afternoon", "good evening", "good day",
        "morning", "afternoon", "evening", "gm", "how far", "howfar", "how you dey",
        "how are you", "whats up", "wassup", "sup", "namaste", "namaskar", "jambo", "habari",
        "habari yako", "mambo", "niaje", "sasa", "salaam", "salam",
    ),
    K.THANKS: (
        "thanks", "thank you", "thank u", "thanks a lot", "thank you so much", "thanks so much",
        "many thanks", "ty", "thx", "tnx", "asante", "asante sana", "shukriya", "dhanyavad",
        "dhanyavaad", "nagode", "daalu", "e se", "ese", "thanks bro", "thank you sir",
    ),
    K.MENU: (
        "menu", "the menu", "show menu", "show me the menu", "send menu", "send the menu",
        "send me the menu", "see menu", "see the menu", "view menu", "menu list", "food list",
        "list", "price list", "prices", "price", "catalog", "catalogue", "what do you have",
        "what do you sell", "what have you got", "whats available", "what is available",
        "wetin una get", "wetin dey", "options", "i want to order", "i would like to order",
        "id like to order", "i wan order",
    ),
    K.SHOW_CART: (
        "cart", "my cart", "show cart", "show my cart", "view cart", "view my cart", "see cart",
        "see my cart", "whats in my cart", "what is in my cart", "basket", "my basket",
        "my order", "show my order", "what did i order", "what have i ordered", "summary",
        "order summary", "total", "my total", "whats my total", "bill", "my bill",
    ),
    K.CLEAR: (
        "clear", "clear cart", "clear my cart", "clear the cart", "clear basket", "clear all",
        "clear everything", "empty", "empty cart", "empty my cart", "empty the cart",
        "empty basket", "start over", "start again", "start afresh", "reset", "restart",
        "remove all", "remove everything", "delete all", "delete everything", "new order",
    ),
    K.CHECKOUT: (
        "checkout", "check out", "done", "im done", "i am done", "am done", "all done",
        "thats all", "that is all", "thats it", "that is it", "thats everything",
        "that will be all", "thatll be all", "place order", "place my order",
        "place the order", "order now", "pay", "pay now", "proceed", "proceed to checkout",
        "proceed to payment", "finish", "finished", "complete order", "complete my order",
        "submit", "submit order", "confirm order", "confirm my order", "nothing else",
        "no more", "na all", "na everything", "ready to pay",
    ),
    K.YES: (
        "yes", "y", "ya", "yah", "yeah", "yea", "yep", "yup", "ok", "okay", "okey", "oki",
        "k", "kk", "sure", "confirm", "confirmed", "correct", "right", "alright", "all right",
        "fine", "go ahead", "go on", "sounds good", "perfect", "great", "cool", "good",
        "absolutely", "of course", "definitely", "exactly", "oya", "ehen", "haan", "haan ji",
        "ji haan", "ha", "han", "theek hai", "thik hai", "ndiyo", "ndio", "sawa",
        "thats correct", "thats right", "that is correct", "yes correct", "yes confirm",
    ),
    K.NO: (
        "no", "n", "nope", "nah", "not now", "not yet", "not today", "never mind",
        "nevermind", "nahi", "nahin", "hapana", "wrong", "incorrect",
    ),
    K.STATUS: (
        "status", "order status", "my order status", "status of my order", "track",
        "track order", "track my order", "where is my order", "wheres my order",
        "where my order", "where is my food", "wheres my food", "where my food dey",
        "how long", "eta", "is my order ready", "when will my order arrive",
        "when will it arrive", "any update", "how far with my order", "how far my order",
        "how far with my food", "how far my food", "any update on my order",
        "my food never reach", "my order never reach", "food never reach", "rider dey where",
        "where rider dey", "mera order kahan hai", "mera khana kahan hai", "order kahan hai",
    ),
    K.CANCEL: (
        "cancel", "cancel order", "cancel my order", "cancel the order", "i want to cancel",
        "cancel it", "cancel am", "abort",
    ),
    K.HELP: (
        "help", "help me", "how does this work", "how does it work", "how do i order",
        "how to order", "how do i use this", "what can you do", "info", "commands",
        "instructions", "i need help",
    ),
    K.HUMAN: (
        "agent", "human", "person", "talk to a person", "talk to someone", "speak to someone",
        "talk to a human", "speak to a human", "call me", "customer care", "customer service",
        "representative", "real person", "live agent", "operator", "manager",
    ),
}  # fmt: skip
_PHRASE_KIND = {phrase: kind for kind, phrases in _PHRASE_TABLE.items() for phrase in phrases}

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

_GREETINGS = _phrases(*_PHRASE_TABLE[K.GREET])
_AGREEMENTS = _phrases(
    "yes", "ok", "okay", "yeah", "yea", "yep", "yup", "sure", "alright", "oya", "haan",
    "ndiyo", "sawa", "cool", "great", "perfect", "correct",
)  # fmt: skip
_REFUSALS = _phrases("no", "nope", "nah", "nahi", "hapana")

# Courtesy and filler words at the edges of a message, which change nothing.
_LEADING_NOISE = _phrases(
    "please", "abeg", "biko", "kindly", "tafadhali", "can you", "could you", "would you",
    "so", "um", "erm", "ehm", "hmm", "dear", "actually", "sorry", "oops", "wait", "oh",
    "sir", "ma", "madam", "boss", "bro", "bhai", "bhaiya",
)  # fmt: skip
_TRAILING_NOISE = _phrases(
    "please", "abeg", "biko", "kindly", "thanks", "thank you", "thank u", "ty", "asante",
    "tafadhali", "o", "oh", "sir", "ma", "madam", "boss", "bro", "bhai", "bhaiya", "ji",
    "dear", "for me", "too", "as well", "also", "asap", "quickly", "fast", "chahiye", "dena",
    "bhej do", "bhejo", "de do", "dedo",
    "to my cart", "to the cart", "to cart", "to my order", "to the order", "from my cart",
    "from the cart", "from cart", "from my order", "from the order", "again", "anymore",
)  # fmt: skip
_REQUESTS = _phrases(
    "i want to", "i wanna", "i would like to", "id like to", "i need to", "i want", "i wan",
    "help me", "make una", "make you",
)  # fmt: skip
_ORDER_FILLERS = _phrases(
    "i want", "i wan", "i wanna", "i need", "i would like", "id like", "i will have",
    "ill have", "ill take", "i will take", "i go take", "i go like", "can i get",
    "can i have", "can i order", "can i add", "could i get", "could i have", "may i have",
    "may i get", "give me", "gimme", "add", "send me", "send", "get me", "bring me", "bring",
    "let me get", "let me have", "lemme get", "lemme have", "we want", "we need", "order",
    "to order", "to add", "to get", "to buy", "buy", "need", "want", "put", "make una bring",
    "make una send", "make you bring", "make you send", "nataka", "nipe", "niletee", "mujhe",
)  # fmt: skip
_CONNECTIVES = _phrases("and", "also", "plus", "then", "just", "ok", "okay", "so", "aur")
_SPLIT_WORDS = frozenset({"and", "plus", "aur"})
_WITH = frozenset({"with"})
# Words that join or point at product names but name nothing themselves.
_STOP_WORDS = frozenset({
    "with", "and", "of", "the", "my", "our", "your", "order", "a", "an", "some", "for", "to",
    "in", "on",
})  # fmt: skip
_REMOVE_VERBS = _phrases(
    "remove", "delete", "take out", "take off", "takeout", "drop", "minus", "comot", "cancel",
    "no", "no more", "without", "dont want", "i dont want", "dont need", "i dont need",
    "i no want", "i no need", "forget", "forget about", "scrap", "leave out", "skip",
)  # fmt: skip
_SET_VERBS = _phrases(
    "make it", "make that", "make am", "make them", "make", "change it to", "change that to",
    "change to", "change", "update it to", "update to", "update", "set it to", "set to", "set",
    "increase it to", "increase to", "increase", "reduce it to", "reduce to", "reduce",
    "adjust",
)  # fmt: skip
_INSTEAD = "instead"
# Words between a quantity and the product: "2 plates of jollof", "the chapman".
_NAME_FILLERS = _phrases(
    "the", "my", "some", "of", "more", "extra", "additional", "all", "your", "that", "this",
    "plate", "plates", "bottle", "bottles", "piece", "pieces", "pc", "pcs", "portion",
    "portions", "pack", "packs", "packet", "packets", "wrap", "wraps", "stick", "sticks",
    "cup", "cups", "can", "cans", "serving", "servings", "order", "orders", "sachet",
    "sachets", "bowl", "bowls", "glass", "glasses", "box", "boxes",
)  # fmt: skip

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
            if any(char.isalnum() for char in address):
                return address
    return None


# ---------------------------------------------------------------- the catalog


@dataclass(frozen=True)
class _CatalogIndex:
    """A catalog's names and aliases, normalised like messages, ready for matching."""

    exact: dict[str, CatalogEntry]
    choices: tuple[str, ...]  # every name and alias, parallel to `owners` and `choice_words`
    owners: tuple[CatalogEntry, ...]
    choice_words: tuple[Words, ...]
    joined: tuple[Words, ...]  # names holding "and": never split inside them

    def entry(self, key: str) -> CatalogEntry | None:
        """The product named exactly `key`, singular or plural."""
        for candidate in (key, *_singulars(key)):
            if candidate in self.exact:
                return self.exact[candidate]
        return None

    def match(self, words: Words) -> _Match:
        """The one product `words` name, or None and the closest product names."""
        exact = self.entry(" ".join(words))
        real = _real_words(words)
        key = " ".join(real)
        if exact is not None or len(key) < _MIN_FUZZY_CHARS or len(words) > _MAX_NAME_WORDS:
            return _Match(exact, (), 0)
        ranked = process.extract(
            key,
            self.choices,
            scorer=fuzz.WRatio,
            processor=None,
            score_cutoff=_SUGGEST_CUTOFF,
            limit=None,
        )
        confident = _distinct(
            (self.owners[i], score)
            for _, score, i in ranked
            if score >= _MATCH_CUTOFF and _covers(words, self.choice_words[i])
        )
        if confident and (len(confident) == 1 or confident[1][1] < confident[0][1] - _TIE_MARGIN):
            return _Match(confident[0][0], (), confident[0][1])
        close = _distinct((self.owners[i], score) for _, score, i in ranked)[:_MAX_SUGGESTIONS]
        close = [(entry, score) for entry, score in close if score >= close[0][1] - _SUGGEST_SPREAD]
        return _Match(None, tuple(entry.name for entry, _ in close), close[0][1] if close else 0)


class _Match(NamedTuple):
    entry: CatalogEntry | None
    suggestions: tuple[str, ...]  # when there is no entry: the closest names, best first
    closeness: float  # WRatio of the best candidate


def _singulars(key: str) -> tuple[str, ...]:
    if key.endswith("ies"):
        return (key[:-3] + "y", key[:-1])
    if key.endswith("es"):
        return (key[:-2], key[:-1])
    return (key[:-1],) if key.endswith("s") else ()


def _distinct(scored: Iterable[tuple[CatalogEntry, float]]) -> list[tuple[CatalogEntry, float]]:
    """The first (best) score of each product, in order."""
    seen: dict[str, tuple[CatalogEntry, float]] = {}
    for entry, score in scored:
        seen.setdefault(entry.code, (entry, score))
    return list(seen.values())


def _real_words(words: Words) -> Words:
    """`words` without the stop words ("with", "my", "order", ...)."""
    return tuple(word for word in words if word not in _STOP_WORDS)


def _covers(typed: Words, name: Words) -> bool:
    """Whether most of the typed words are words of the product name (typos allowed).

    Stop words count on neither side, and at least one real word must match: keeps "is the
    jollof spicy" from being jollof, "pepper soup" from being egusi soup, and "how far with
    my order" from being "Egusi Soup with Pounded Yam".
    """
    typed, name = _real_words(typed), _real_words(name) or name
    parts = (*name, "".join(name))  # "moimoi" is the word of "moi moi"
    covered = sum(any(fuzz.ratio(word, part) >= _WORD_CUTOFF for part in parts) for word in typed)
    return covered > 0 and 2 * covered > len(typed)


@lru_cache(maxsize=64)
def _index(catalog: tuple[CatalogEntry, ...]) -> _CatalogIndex:
    """Normalise a catalog once; the same catalog is asked about message after message."""
    exact: dict[str, CatalogEntry] = {}
    terms: dict[tuple[str, str], tuple[CatalogEntry, Words]] = {}
    for entry in catalog:
        for words in _names(entry):
            exact.setdefault(" ".join(words), entry)
            terms.setdefault((" ".join(words), entry.code), (entry, words))
    return _CatalogIndex(
        exact=exact,
        choices=tuple(choice for choice, _ in terms),
        owners=tuple(entry for entry, _ in terms.values()),
        choice_words=tuple(words for _, words in terms.values()),
        joined=tuple(words for _, words in terms.values() if _SPLIT_WORDS.intersection(words)),
    )


_PARENTHESES = re.compile(r"\([^)]*\)")


def _names(entry: CatalogEntry) -> list[Words]:
    """The ways a product is called: its name, its name without "(...)", its aliases."""
    texts = (entry.name, _PARENTHESES.sub(" ", entry.name), *entry.aliases)
    return [words for words in (_words(_tokens(text)) for text in texts) if words]


# ---------------------------------------------------------------- parsing


def parse(text: str, catalog: Sequence[CatalogEntry]) -> Intent:
    """Understand one customer message against the tenant's catalog.

    Never raises. Text without words is EMPTY (a thumbs-up alone is YES, "?" alone HELP);
    the opt-out words count only as the whole message; products come back as catalog codes.
    """
    folded = unicodedata.normalize("NFKC", text)
    if not any(char.isalnum() for char in folded):
        return Intent(_wordless_kind(folded))
    tokens = _tokens(_without_list_numbers(text))
    opt = _OPT_WORDS.get(" ".join(_words(tokens)))
    if opt is not None:
        return Intent(opt)
    address = _address(text)
    if address is not None:
        return Intent(K.ADDRESS, text=address)
    return _Reading(text.strip(), _index(tuple(catalog))).body(tokens, interjections=True)


def _wordless_kind(folded: str) -> IntentKind:
    if _THUMBS_UP in folded:
        return K.YES
    return K.HELP if "?" in folded else K.EMPTY


class _Mode(Enum):
    """How item phrases are read: what a missing quantity means, which words may lead."""

    ADD = auto()
    REMOVE = auto()
    SET = auto()

    @property
    def default_quantity(self) -> int:
        """No written quantity means one, except in a removal, where it means all of it."""
        return 0 if self is _Mode.REMOVE else 1


@dataclass(frozen=True)
class _Piece:
    """One item phrase, resolved or not."""

    item: ItemRequest | None
    explicit: bool = False  # the customer wrote a quantity
    unmatched: Unmatched | None = None  # set when unresolved and it may have named a product
    weak: bool = False  # the unmatched words count only beside products that did match


@dataclass(frozen=True)
class _Found:
    items: tuple[ItemRequest, ...]
    unmatched: tuple[Unmatched, ...]
    explicit: bool  # every item had a written quantity


@dataclass(frozen=True)
class _Reading:
    """One message being read: its raw text (for CANCEL/HUMAN) and the catalog index."""

    raw: str
    index: _CatalogIndex

    def intent(self, kind: IntentKind) -> Intent:
        return Intent(kind, text=self.raw if kind in (K.CANCEL, K.HUMAN) else "")

    def body(self, tokens: Words, *, interjections: bool) -> Intent:
        """The intent of the message's words, trying the rules from the most specific."""
        kind = _PHRASE_KIND.get(" ".join(_words(tokens)))
        if kind is not None:
            return self.intent(kind)
        trimmed = _trim(tokens, _LEADING_NOISE, _TRAILING_NOISE)
        if not trimmed:
            return Intent(K.UNKNOWN)
        kind = _PHRASE_KIND.get(" ".join(_words(trimmed)))
        if kind is not None:
            return self.intent(kind)
        if interjections and (found := self.interjection(trimmed)):
            return found
        request = _trim(trimmed, _REQUESTS, ())
        if found := self.remove(request):
            return found
        joined = " ".join(_words(trimmed))
        if kind := _keyword_kind(joined, _BEFORE_ITEMS):
            return self.intent(kind)
        if found := self.set_quantity(request):
            return found
        added = self.add(trimmed)
        if added.kind is K.ADD:
            return added
        kind = _keyword_kind(joined, _AFTER_ITEMS)
        return self.intent(kind) if kind else added

    def interjection(self, tokens: Words) -> Intent | None:
        """ "hi, 2 jollof" / "ok, that's all" / "no plantain": a leading hi, yes or no."""
        if (rest := _after_run(tokens, _GREETINGS)) is not None:
            return self.after(rest, K.GREET)
        if (rest := _after_run(tokens, _AGREEMENTS)) is not None:
            return self.after(rest, K.YES)
        if (rest := _after_run(tokens, _REFUSALS)) is None:
            return None
        if rest[:1] == (_SEP,) or _prefix(rest, _ORDER_FILLERS):
            return self.after(rest, K.NO)
        return self.after(tokens, K.NO)  # "no plantain": here "no" means remove

    def after(self, rest: Words, kind: IntentKind) -> Intent:
        """What follows a hi/yes/no, or the hi/yes/no itself when that says nothing more."""
        found = self.body(rest, interjections=False)
        plain = found.kind in (K.UNKNOWN, K.EMPTY) and not found.unmatched
        return Intent(kind) if plain else found

    def remove(self, tokens: Words) -> Intent | None:
        """ "remove the chapman", "no plantain", "remove 1 jollof"."""
        taken = _prefix(tokens, _REMOVE_VERBS)
        if not taken or _prefix(tokens[taken:], _ORDER_FILLERS):
            return None
        found = self.items(tokens[taken:], _Mode.REMOVE)
        if found.items:
            return Intent(K.REMOVE, found.items, found.unmatched)
        if tokens[0] == "cancel" or not found.unmatched:
            return None
        return Intent(K.UNKNOWN, unmatched=found.unmatched)

    def set_quantity(self, tokens: Words) -> Intent | None:
        """ "make it 3 jollof", "change jollof to 3", "3 jollof instead"."""
        if _words(tokens)[-1:] == (_INSTEAD,):
            return _set(self.items(_trim(tokens, (), ((_INSTEAD,),)), _Mode.ADD))
        if taken := _prefix(tokens, _SET_VERBS):
            found = self.items(tokens[taken:], _Mode.SET)
            return _set(found) or Intent(K.UNKNOWN, unmatched=found.unmatched)
        return None

    def add(self, tokens: Words) -> Intent:
        """Item phrases: ADD when any product matched, else UNKNOWN with what did not."""
        found = self.items(tokens, _Mode.ADD)
        items = _positive(found.items)
        return Intent(K.ADD if items else K.UNKNOWN, items, found.unmatched)

    def items(self, tokens: Words, mode: _Mode) -> _Found:
        """Every item phrase in `tokens`, split on commas, lines and "and"."""
        signal = mode is not _Mode.ADD or _prefix(tokens, _ORDER_FILLERS) > 0
        pieces = [
            piece
            for segment in _segments(tokens, self.index.joined)
            for piece in self.pieces(segment, mode, signal)
        ]
        matched = _same_dish_once([(p.item, p.explicit) for p in pieces if p.item is not None])
        unmatched = (p.unmatched for p in pieces if p.unmatched and (matched or not p.weak))
        return _Found(
            items=tuple(item for item, _ in matched),
            unmatched=tuple(dict.fromkeys(unmatched)),
            explicit=all(explicit for _, explicit in matched),
        )

    def pieces(self, segment: Words, mode: _Mode, signal: bool) -> list[_Piece]:
        """One segment as items. "jollof with chicken" and "2 jollof 1 chapman" are two
        when each part names a product; "egusi with pounded yam" stays one."""
        words, ordered = _strip_segment(segment, mode)
        if not words or " ".join(words) in _PHRASE_KIND:
            return []
        if self.index.entry(" ".join(words)) is None:
            for parts in (_split(words, _WITH, ()), _split_at_quantities(words)):
                if len(parts) < 2:
                    continue
                found = [self.piece(part, mode, signal or ordered) for part in parts]
                if all(piece.item for piece in found):
                    return found
        return [self.piece(words, mode, signal or ordered)]

    def piece(self, words: Words, mode: _Mode, signal: bool) -> _Piece:
        """One item phrase: a catalog item, an Unmatched, or nothing worth reporting.

        Words with a quantity or after "i want" are surely meant as a product; a few bare
        words are reported when close to a product or listed beside products that matched.
        """
        whole = self.index.entry(" ".join(words))
        if whole is not None:  # "7up" is a product, not seven of "up"
            return _Piece(ItemRequest(whole.code, whole.name, mode.default_quantity))
        quantity, name = _quantity(words, mode)
        if not name:
            return _Piece(None)
        match = self.index.match(name)
        explicit = quantity is not None
        if match.entry is not None:
            count = mode.default_quantity if quantity is None else quantity
            return _Piece(ItemRequest(match.entry.code, match.entry.name, count), explicit)
        unmatched = Unmatched(" ".join(name), match.suggestions)
        if signal or explicit:
            return _Piece(None, explicit, unmatched)
        if len(name) <= _MAX_BARE_WORDS:
            return _Piece(None, explicit, unmatched, weak=match.closeness < _NEAR_MISS)
        return _Piece(None, explicit)


def _set(found: _Found) -> Intent | None:
    """SET_QUANTITY when every product came with a quantity; all zeros is a REMOVE."""
    if not found.items or not found.explicit:
        return None
    if all(item.quantity == 0 for item in found.items):
        return Intent(K.REMOVE, found.items, found.unmatched)
    return Intent(K.SET_QUANTITY, _positive(found.items), found.unmatched)


def _keyword_kind(
    joined: str, rules: tuple[tuple[IntentKind, re.Pattern[str]], ...]
) -> IntentKind | None:
    return next((kind for kind, pattern in rules if pattern.search(joined)), None)


def _positive(items: tuple[ItemRequest, ...]) -> tuple[ItemRequest, ...]:
    return tuple(item for item in items if item.quantity > 0)


def _segments(tokens: Words, joined: tuple[Words, ...]) -> list[Words]:
    """Item phrases: split at separators and at "and"/"plus", except inside product names."""
    return _split(tokens, _SPLIT_WORDS | {_SEP}, joined)


def _split_at_quantities(words: Words) -> list[Words]:
    """ "2 jollof 1 chapman" and "jollof x2 chapman x1" as two phrases each."""
    starts = [i for i in range(1, len(words)) if _starts_item(words, i)]
    return [words[a:b] for a, b in zip([0, *starts], [*starts, len(words)], strict=True)]


def _starts_item(words: Words, i: int) -> bool:
    if number_value(words[i]) is not None:  # "... jollof | 1 chapman"
        return words[i - 1] != "x" and number_value(words[i - 1]) is None
    # "... jollof x 2 | chapman"
    return i >= 2 and words[i - 2] == "x" and number_value(words[i - 1]) is not None


def _split(tokens: Words, at: frozenset[str], joined: tuple[Words, ...]) -> list[Words]:
    """The non-empty runs of `tokens` between the words in `at` (not inside `joined` names)."""
    parts: list[Words] = []
    start = 0
    for i, token in enumerate(tokens):
        if token in at and not _inside_name(tokens, i, joined):
            parts.append(tokens[start:i])
            start = i + 1
    parts.append(tokens[start:])
    return [part for part in parts if part]


def _inside_name(tokens: Words, i: int, joined: tuple[Words, ...]) -> bool:
    """Whether tokens[i] is part of a product name such as "rice and beans"."""
    return any(
        tokens[i - j : i - j + len(name)] == name
        for name in joined
        for j, word in enumerate(name)
        if word == tokens[i] and i >= j
    )


def _strip_segment(segment: Words, mode: _Mode) -> tuple[Words, bool]:
    """The segment without connectives, courtesy and (when adding) "i want"-like fillers.

    Also says whether such an order filler was there: a sign the words name a product.
    """
    words, ordered = _trim(segment, (), _TRAILING_NOISE), False
    while True:
        if taken := _prefix(words, _CONNECTIVES) or _prefix(words, _LEADING_NOISE):
            words = words[taken:]
        elif mode is _Mode.ADD and (taken := _prefix(words, _ORDER_FILLERS)):
            words, ordered = words[taken:], True
        else:
            return words, ordered


def _quantity(words: Words, mode: _Mode) -> tuple[int | None, Words]:
    """The written quantity, if any, and the product words around it."""
    quantity, name = leading_quantity(words)
    name = _trim(name, _NAME_FILLERS, _NAME_FILLERS)
    if quantity is None and name:
        quantity, name = trailing_quantity(name, after_to=mode is _Mode.SET)
        name = _trim(name, _NAME_FILLERS, ())
    return quantity, name


def _same_dish_once(matched: list[tuple[ItemRequest, bool]]) -> list[tuple[ItemRequest, bool]]:
    """Drop an item naming the dish just named without a quantity ("egusi and pounded yam")."""
    kept: list[tuple[ItemRequest, bool]] = []
    for item, explicit in matched:
        if kept and kept[-1][0].code == item.code and not explicit:
            continue
        kept.append((item, explicit))
    return kept
