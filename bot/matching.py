"""A tenant's catalog, normalised once, and the fuzzy matching of typed words to products."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from rapidfuzz import fuzz, process

from bot.intents import CatalogEntry
from bot.language import Words, words_of

MATCH_CUTOFF = 80  # WRatio at or above which a product is taken without asking
SUGGEST_CUTOFF = 60  # WRatio at or above which a product is offered as "did you mean"
NEAR_MISS = 70  # a lone word this close to a product is reported even without a quantity
_SUGGEST_SPREAD = 12  # suggestions further than this below the best one are noise
_TIE_MARGIN = 2  # two products this close are ambiguous ("rice": jollof or fried?)
_WORD_CUTOFF = 75  # fuzz.ratio at which a typed word counts as a word of the product
_MIN_FUZZY_CHARS = 3
MAX_NAME_WORDS = 8
_MAX_SUGGESTIONS = 3
_ALTERNATIVE_CUTOFF = 50  # below this a product is no alternative to a sold-out one
_NEAR_CACHE = 20_000  # typed words remembered per catalog
_NAMED_CACHE = 20_000  # phrases looked up by name remembered per catalog
_MATCHED_CACHE = 10_000  # phrases matched remembered per catalog
_MAX_WORD_LENGTHS = 256  # typed word lengths whose vocabulary is remembered
_NEAR_CUTOFF = _WORD_CUTOFF - 10  # fuzz.ratio at which a typed word is near a name's word
# Words that join or point at product names but name nothing themselves.
STOP_WORDS = frozenset({
    "with", "and", "of", "the", "my", "our", "your", "order", "a", "an", "some", "for", "to",
    "in", "on", "ya", "za", "wa", "la", "ka", "ki", "ke", "wala", "one",
})  # fmt: skip
_PARENTHESES = re.compile(r"\([^)]*\)")
_SIZE = re.compile(
    r"(?P<num>\d+(?:\.\d+)?|\d+/\d+)\s*(?P<unit>kg|kgs|g|gm|gms|grams?|l|ltr|litres?|liters?|ml|cl)\b",
    re.IGNORECASE,
)
_SIZE_UNITS = {
    "kg": ("g", 1000), "kgs": ("g", 1000), "g": ("g", 1), "gm": ("g", 1), "gms": ("g", 1),
    "gram": ("g", 1), "grams": ("g", 1), "l": ("ml", 1000), "ltr": ("ml", 1000),
    "litre": ("ml", 1000), "litres": ("ml", 1000), "liter": ("ml", 1000),
    "liters": ("ml", 1000), "ml": ("ml", 1), "cl": ("ml", 10),
}  # fmt: skip


_SPELLINGS = (
    (re.compile(r"ee"), "i"), (re.compile(r"oo"), "u"), (re.compile(r"kh"), "k"),
    (re.compile(r"ph"), "f"), (re.compile(r"w"), "v"), (re.compile(r"(.)\1+"), r"\1"),
    (re.compile(r"y\b"), "i"),
)  # fmt: skip


@lru_cache(maxsize=65_536)
def fold(text: str) -> str:
    """One spelling for the ways the same word is written: "jeera"/"jira", "idly"/"idli",
    "jamoon"/"jamun", "chapatti"/"chapati", "wada"/"vada"."""
    for pattern, replacement in _SPELLINGS:
        text = pattern.sub(replacement, text)
    return text


class Size(NamedTuple):
    """The pack size a product's name states: ("g", 1000) for "Potatoes (1kg)"."""

    dimension: str
    amount: float


def size_of(name: str) -> Size | None:
    """The size written in a product's name, if any."""
    match = _SIZE.search(name)
    if match is None:
        return None
    number = match["num"]
    if "/" in number:
        top, bottom = number.split("/")
        value = int(top) / int(bottom) if int(bottom) else 0.0
    else:
        value = float(number)
    dimension, factor = _SIZE_UNITS[match["unit"].lower()]
    return Size(dimension, value * factor) if value > 0 else None


class Match(NamedTuple):
    """The product some words name, or the closest names when none is sure."""

    entry: CatalogEntry | None
    suggestions: tuple[str, ...]  # when there is no entry: the closest names, best first
    closeness: float  # WRatio of the best candidate


@dataclass(frozen=True)
class CatalogIndex:
    """A catalog's names and aliases, normalised like messages, ready for matching."""

    exact: dict[str, CatalogEntry]
    choices: tuple[str, ...]  # every name and alias, parallel to `owners` and `parts`
    owners: tuple[CatalogEntry, ...]
    longest: int  # words in the longest name or alias
    sizes: dict[str, Size]  # product code -> the size its name states
    vocabulary: tuple[str, ...]  # every word of every name (and each name run together)
    holders: dict[str, tuple[int, ...]]  # a vocabulary word -> the choices holding it
    parts: tuple[Words, ...]  # per choice: the words a typed word may be like (see _covers)
    name_words: frozenset[str]  # every word of every name, as written and spelling-folded
    # Remembered answers, since customers type the same words again and again.
    near: dict[str, frozenset[int]] = field(default_factory=dict)  # typed word -> choices
    named: dict[str, CatalogEntry | None] = field(default_factory=dict)  # key -> entry()
    matched: dict[Words, Match] = field(default_factory=dict)  # words -> match()
    by_length: dict[int, tuple[str, ...]] = field(default_factory=dict)  # length -> sized()

    def entry(self, key: str) -> CatalogEntry | None:
        """The product named exactly `key`, singular or plural."""
        try:
            return self.named[key]
        except KeyError:
            pass
        found = self._entry(key)
        if len(self.named) < _NAMED_CACHE:
            self.named[key] = found
        return found

    def named_inside(self, words: Words) -> CatalogEntry | None:
        """The one product named word for word somewhere inside `words`, if exactly one is."""
        spans = self.spans(words)
        found = {
            entry.code: entry
            for length in range(1, min(self.longest, len(words)) + 1)
            for start in range(len(words) - length + 1)
            if spans[start] >= length - 1
            and (entry := self.entry(" ".join(words[start : start + length]))) is not None
        }
        return next(iter(found.values())) if len(found) == 1 else None

    def inside_name(self, words: Words, i: int) -> bool:
        """Whether words[i] is inside a product name written in `words` ("rice and stew")."""
        spans = self.spans(words)
        if not spans[i]:
            return False  # words[i] would be a name's word before its last: it is none
        for length in range(2, self.longest + 1):
            for start in range(max(0, i - length + 1), i + 1):
                if (
                    start + length <= len(words)
                    and spans[start] >= length - 1
                    and start < i < start + length - 1
                    and self.entry(" ".join(words[start : start + length]))
                ):
                    return True
        return False

    def spans(self, words: Words) -> list[int]:
        """Per position, how many words from there on are words of names.

        A phrase names a product only if every word but its last (which may be a plural)
        is a word of a name: `words[i : i + n]` can be a name only when n <= spans[i] + 1.
        """
        spans = [0] * (len(words) + 1)
        for i in range(len(words) - 1, -1, -1):
            word = words[i]
            if word in self.name_words or fold(word) in self.name_words:
                spans[i] = spans[i + 1] + 1
        return spans

    def _entry(self, key: str) -> CatalogEntry | None:
        for candidate in (key, *_singulars(key)):
            if candidate in self.exact:
                return self.exact[candidate]
        folded = fold(key)
        for candidate in (folded, *_singulars(folded)):
            if candidate in self.exact:
                return self.exact[candidate]
        return None

    def candidates(self, typed: Words) -> list[int]:
        """The choices holding a word like one of `typed`: only they can match or be suggested.

        Fuzzy matching runs on these few instead of the whole catalog; what a typed word is
        like is remembered, since customers type the same words again and again.
        """
        found: set[int] = set()
        for word in typed:
            near = self.near.get(word)
            if near is None:
                folded = fold(word)
                close = process.extract(
                    folded, self.sized(len(folded)), scorer=fuzz.ratio, processor=None,
                    score_cutoff=_NEAR_CUTOFF, limit=None,
                )  # fmt: skip
                near = frozenset(i for choice, _, _ in close for i in self.holders[choice])
                if len(self.near) < _NEAR_CACHE:
                    self.near[word] = near
            found |= near
        return sorted(found)

    def sized(self, length: int) -> tuple[str, ...]:
        """The vocabulary words long enough and short enough to be near a typed word of
        `length` characters: fuzz.ratio is at most 200 * shorter / (both lengths), so words
        of very different lengths cannot reach the cutoff."""
        found = self.by_length.get(length)
        if found is None:
            found = tuple(
                word
                for word in self.vocabulary
                if 200 * min(length, len(word)) >= (_NEAR_CUTOFF - 1) * (length + len(word))
            )  # one point of slack: rapidfuzz decides, this only leaves out the hopeless
            if len(self.by_length) < _MAX_WORD_LENGTHS:
                self.by_length[length] = found
        return found

    def match(self, words: Words) -> Match:
        """The one product `words` name, or None and the closest product names."""
        found = self.matched.get(words)
        if found is None:
            found = self._match(words)
            if len(self.matched) < _MATCHED_CACHE:
                self.matched[words] = found
        return found

    def _match(self, words: Words) -> Match:
        exact = self.entry(" ".join(words))
        real = tuple(word for word in words if word not in STOP_WORDS)
        key = fold(" ".join(real))
        if exact is not None or len(key) < _MIN_FUZZY_CHARS or len(words) > MAX_NAME_WORDS:
            return Match(exact, (), 100 if exact else 0)
        exact = self.entry(key)
        if exact is not None:
            return Match(exact, (), 100)
        pool = self.candidates(real)
        found = process.extract(
            key,
            [self.choices[i] for i in pool],
            scorer=fuzz.WRatio,
            processor=None,
            score_cutoff=SUGGEST_CUTOFF,
            limit=24,
        )
        ranked = [(choice, score, pool[i]) for choice, score, i in found]
        confident = _distinct(
            (self.owners[i], score)
            for _, score, i in ranked
            if score >= MATCH_CUTOFF and _covers(real, self.parts[i])
        )
        if confident and (len(confident) == 1 or confident[1][1] < confident[0][1] - _TIE_MARGIN):
            return Match(confident[0][0], (), confident[0][1])
        close = _distinct((self.owners[i], score) for _, score, i in ranked)[:_MAX_SUGGESTIONS]
        close = [(entry, score) for entry, score in close if score >= close[0][1] - _SUGGEST_SPREAD]
        return Match(None, tuple(entry.name for entry, _ in close), close[0][1] if close else 0)

    def closest(self, entry: CatalogEntry, limit: int = 2) -> tuple[CatalogEntry, ...]:
        """Available products whose names are most like `entry`'s (for a sold-out one)."""
        ranked = process.extract(
            fold(" ".join(words_of(_PARENTHESES.sub(" ", entry.name)))),
            self.choices,
            scorer=fuzz.token_set_ratio,
            processor=None,
            score_cutoff=_ALTERNATIVE_CUTOFF,
            limit=24,
        )
        found = [
            owner
            for owner, _ in _distinct((self.owners[i], s) for _, s, i in ranked)
            if owner.code != entry.code and owner.available
        ]
        return tuple(found[:limit])


@lru_cache(maxsize=65_536)
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


def _covers(typed: Words, parts: Words) -> bool:
    """Whether most of the typed words are words of the product name (typos allowed).

    `parts` are the name's `_parts`. At least one real word must match: keeps "is the
    jollof spicy" from being jollof and "pepper soup" from being egusi soup.
    """
    covered = sum(
        any(fuzz.ratio(fold(word), part) >= _WORD_CUTOFF for part in parts) for word in typed
    )
    return covered > 0 and 2 * covered > len(typed)


def _parts(name: Words) -> Words:
    """The words of a name a typed word is compared with: stop words count on neither side,
    and the name run together is one more ("moimoi" is the word of "moi moi")."""
    name = tuple(fold(word) for word in name if word not in STOP_WORDS) or name
    return (*name, "".join(name))


@lru_cache(maxsize=64)
def catalog_index(catalog: tuple[CatalogEntry, ...]) -> CatalogIndex:
    """Normalise a catalog once; the same catalog is asked about message after message."""
    exact: dict[str, CatalogEntry] = {}
    terms: dict[tuple[str, str], tuple[CatalogEntry, Words]] = {}
    for entry in catalog:
        for words in _names(entry):
            exact.setdefault(" ".join(words), entry)
            exact.setdefault(fold(" ".join(words)), entry)
            terms.setdefault((" ".join(words), entry.code), (entry, words))
    sizes = {entry.code: size for entry in catalog if (size := size_of(entry.name)) is not None}
    holders: dict[str, list[int]] = {}
    for i, words in enumerate(words for _, words in terms.values()):
        for word in {*words, "".join(words)}:
            holders.setdefault(fold(word), []).append(i)
    return CatalogIndex(
        exact=exact,
        choices=tuple(fold(choice) for choice, _ in terms),
        owners=tuple(entry for entry, _ in terms.values()),
        longest=max((len(words) for _, words in terms.values()), default=0),
        sizes=sizes,
        vocabulary=tuple(holders),
        holders={word: tuple(indices) for word, indices in holders.items()},
        parts=tuple(_parts(words) for _, words in terms.values()),
        name_words=frozenset(word for key in exact for word in key.split(" ")),
    )


# The indexes of the catalogs last asked about, by identity: a tenant's catalog is one tuple
# per catalog version, and hashing 500 entries by value costs as much as parsing a message.
_BY_IDENTITY: dict[int, tuple[tuple[CatalogEntry, ...], CatalogIndex]] = {}
_MAX_BY_IDENTITY = 64


def index_of(catalog: Sequence[CatalogEntry]) -> CatalogIndex:
    """The index of `catalog`, as `catalog_index` gives it; a tuple asked about lately is
    found by identity, without hashing its entries."""
    if not isinstance(catalog, tuple):
        return catalog_index(tuple(catalog))
    known = _BY_IDENTITY.get(id(catalog))
    if known is not None and known[0] is catalog:
        return known[1]
    index = catalog_index(catalog)
    if len(_BY_IDENTITY) >= _MAX_BY_IDENTITY:
        _BY_IDENTITY.clear()  # catalog versions come and go: start again from those in use
    _BY_IDENTITY[id(catalog)] = (catalog, index)  # the catalog is kept, so its id stays its own
    return index


def _names(entry: CatalogEntry) -> list[Words]:
    """The ways a product is called: its name, its name without "(...)" or its size, aliases."""
    bare = _PARENTHESES.sub(" ", entry.name)
    texts = (entry.name, bare, _SIZE.sub(" ", bare), *entry.aliases)
    return [words for words in (words_of(text) for text in texts) if words]
