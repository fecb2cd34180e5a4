"""Language packs (data files in `packs/`) merged into one lexicon for a tenant's languages."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

from bot.language.text import Words, words_of

BASE = "en"


@dataclass(frozen=True)
class Unit:
    """A unit word: `count` items each, or a measure in grams or millilitres."""

    dimension: str  # "count", "g" or "ml"
    size: float


@dataclass(frozen=True)
class Phrases:
    """A set of phrases as word tuples, indexed by their first and last words."""

    members: frozenset[Words]
    by_first: Mapping[str, tuple[Words, ...]]  # longest first, so the longest one wins
    by_last: Mapping[str, tuple[Words, ...]]
    # first (last) word -> the lengths of the phrases it starts (ends), longest first
    starts: Mapping[str, tuple[int, ...]]
    ends: Mapping[str, tuple[int, ...]]

    @classmethod
    def of(cls, phrases: Iterable[Words]) -> Phrases:
        """The set of `phrases` (empty phrases dropped)."""
        unique = sorted({phrase for phrase in phrases if phrase}, key=lambda p: (-len(p), p))
        by_first: dict[str, list[Words]] = {}
        by_last: dict[str, list[Words]] = {}
        for phrase in unique:
            by_first.setdefault(phrase[0], []).append(phrase)
            by_last.setdefault(phrase[-1], []).append(phrase)
        return cls(
            frozenset(unique),
            MappingProxyType({k: tuple(v) for k, v in by_first.items()}),
            MappingProxyType({k: tuple(v) for k, v in by_last.items()}),
            _lengths(by_first),
            _lengths(by_last),
        )

    def whole(self, words: Words) -> bool:
        """Whether `words` is one of the phrases."""
        return words in self.members

    def prefix(self, words: Words) -> int:
        """How many words the longest phrase takes at the start of `words` (0: none)."""
        lengths = self.starts.get(words[0]) if words else None
        if lengths is not None:
            for length in lengths:
                if length <= len(words) and words[:length] in self.members:
                    return length
        return 0

    def suffix(self, words: Words) -> int:
        """How many words the longest phrase takes at the end of `words` (0: none)."""
        lengths = self.ends.get(words[-1]) if words else None
        if lengths is not None:
            for length in lengths:
                if length <= len(words) and words[-length:] in self.members:
                    return length
        return 0

    def find(self, words: Words, start: int = 0) -> tuple[int, int] | None:
        """The first (position, length) of a phrase in `words` at or after `start`."""
        starts, members, end = self.starts, self.members, len(words)
        if starts.keys().isdisjoint(words):
            return None  # no word of `words` starts a phrase
        for i in range(start, end):
            lengths = starts.get(words[i])
            if lengths is not None:
                for length in lengths:
                    if i + length <= end and words[i : i + length] in members:
                        return i, length
        return None


def _lengths(indexed: Mapping[str, list[Words]]) -> Mapping[str, tuple[int, ...]]:
    """Word -> the distinct lengths of its phrases, longest first."""
    return {
        word: tuple(sorted({len(p) for p in found}, reverse=True))
        for word, found in indexed.items()
    }


@dataclass(frozen=True)
class Lexicon:
    """Everything the parser knows about words, for one set of active language packs."""

    codes: tuple[str, ...]
    numbers: Mapping[str, int]
    fractions: Mapping[str, float]
    ordinals: Mapping[str, int]
    units: Mapping[str, Unit]
    phrases: Mapping[str, Phrases]
    # "swap {old} for {new}" as a regex, with the words it needs ("swap", "for")
    replace: tuple[tuple[re.Pattern[str], frozenset[str]], ...]
    # a word -> the positions in `replace` of the templates it is one of the needed words of
    replace_triggers: Mapping[str, tuple[int, ...]]
    vocabulary: Mapping[str, frozenset[str]]  # pack code -> its words not in English
    speakers: Mapping[str, tuple[str, ...]]  # a word not in English -> the packs it is in
    replies_language: Mapping[str, str]
    switches: Mapping[Words, str]  # "english please" -> "en"
    not_numbers: Mapping[str, frozenset[str]]  # "do" is no number before "you"
    synonyms: Mapping[str, str]  # "chaha" is "chai"
    singles: Mapping[str, frozenset[str]]  # meaning -> its one-word phrases, as words
    meanings: Mapping[Words, frozenset[str]]  # a phrase -> every meaning it has
    # a word -> the meanings with a phrase starting (ending) with it: no other meaning's
    # phrase can start (end) a piece whose first (last) word it is
    openers: Mapping[str, frozenset[str]]
    closers: Mapping[str, frozenset[str]]
    number_words: frozenset[str]  # the words of `numbers` and `fractions`
    # meanings -> the words their phrases start with, worked out when first asked
    _starters: dict[frozenset[str], frozenset[str]] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        # Each meaning's phrases as an attribute of its own ("lex.request"), found directly.
        for meaning, phrases in self.phrases.items():
            if meaning not in self.__dataclass_fields__:
                object.__setattr__(self, meaning, phrases)

    def __getattr__(self, meaning: str) -> Phrases:
        try:
            return self.phrases[meaning]
        except KeyError:
            raise AttributeError(meaning) from None

    def starters(self, meanings: frozenset[str]) -> frozenset[str]:
        """Every word a phrase of one of `meanings` starts with: a phrase of theirs can be
        inside some words only if one of these is among them."""
        found = self._starters.get(meanings)
        if found is None:
            found = frozenset(
                word for word, its in self.openers.items() if not meanings.isdisjoint(its)
            )
            self._starters[meanings] = found
        return found

    def opens(self, words: Words, meanings: frozenset[str]) -> bool:
        """Whether a phrase of one of `meanings` may start `words` (False: surely none does)."""
        return bool(words) and not meanings.isdisjoint(self.openers.get(words[0], ()))

    def closes(self, words: Words, meanings: frozenset[str]) -> bool:
        """Whether a phrase of one of `meanings` may end `words` (False: surely none does)."""
        return bool(words) and not meanings.isdisjoint(self.closers.get(words[-1], ()))

    def detect(self, words: Words) -> str | None:
        """The pack whose own words the message uses most, if any (English otherwise None)."""
        scores = dict.fromkeys(self.vocabulary, 0)
        for word in words:
            for code in self.speakers.get(word, ()):
                scores[code] += 1
        best = max(scores, key=scores.__getitem__, default=None)
        return best if best is not None and scores[best] > 0 else None


@cache
def packs_for_currency(currency: str) -> tuple[str, ...]:
    """The default packs of a tenant paid in `currency` (each pack lists its currencies)."""
    wanted = currency.upper()
    found = (code for code in available_packs() if wanted in pack_data(code).get("currencies", ()))
    return (BASE, *(code for code in found if code != BASE))


@cache
def available_packs() -> tuple[str, ...]:
    """Every pack shipped in `bot/language/packs`."""
    folder = resources.files("bot.language") / "packs"
    return tuple(
        sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml"))
    )


@cache
def pack_data(code: str) -> Mapping[str, Any]:
    """The raw data of one pack; KeyError when there is no such pack.

    A pack is `packs/<code>.toml` plus any `packs/<code>/<topic>.toml` (a feature's words and
    replies kept apart), whose tables are merged into the main file's; a key given twice is
    a ValueError.
    """
    folder = resources.files("bot.language") / "packs"
    path = folder / f"{code}.toml"
    if not path.is_file():
        raise KeyError(code)
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    topics = folder / code
    if topics.is_dir():
        for part in sorted(topics.iterdir(), key=lambda p: p.name):
            if part.name.endswith(".toml"):
                _merge(data, tomllib.loads(part.read_text(encoding="utf-8")), f"{code}/{part.name}")
    return MappingProxyType(data)


def _merge(into: dict[str, Any], extra: Mapping[str, Any], where: str) -> None:
    for table, values in extra.items():
        have = into.setdefault(table, {})
        if not isinstance(have, dict) or not isinstance(values, dict):
            raise ValueError(f"{where}: {table} must be a table")
        if clash := have.keys() & values.keys():
            raise ValueError(f"{where}: {table}.{sorted(clash)[0]} is already defined")
        have.update(values)


@cache
def lexicon(codes: tuple[str, ...]) -> Lexicon:
    """The merged lexicon of `codes` (English always included, unknown codes ignored)."""
    known = set(available_packs())
    codes = tuple(dict.fromkeys((BASE, *(c for c in codes if c in known))))
    packs = [pack_data(code) for code in codes]
    numbers: dict[str, int] = {}
    fractions: dict[str, float] = {}
    ordinals: dict[str, int] = {}
    units: dict[str, Unit] = {}
    phrases: dict[str, list[Words]] = {}
    templates: list[str] = []
    not_numbers: dict[str, set[str]] = {}
    synonyms: dict[str, str] = {}
    for pack in packs:
        synonyms.update(pack.get("synonyms", {}))
        for word, following in pack.get("not_a_number_before", {}).items():
            not_numbers.setdefault(word, set()).update(following)
        numbers.update(pack.get("numbers", {}))
        fractions.update(pack.get("fractions", {}))
        ordinals.update(pack.get("ordinals", {}))
        for word, unit in pack.get("units", {}).items():
            ((dimension, size),) = (
                (k, v) for k, v in unit.items() if k in ("count", "grams", "ml")
            )
            units[word] = Unit({"grams": "g"}.get(dimension, dimension), size)
        for meaning, texts in pack.get("phrases", {}).items():
            if meaning == "replace":
                templates.extend(texts)
            else:
                phrases.setdefault(meaning, []).extend(words_of(text) for text in texts)
    english = _vocabulary(packs[0])
    vocabulary = {
        code: frozenset(_vocabulary(pack) - english)
        for code, pack in zip(codes, packs, strict=True)
        if code != BASE
    }
    replace = tuple(
        (_replace_pattern(t), frozenset(words_of(re.sub(r"\{old\}|\{new\}", " ", t))))
        for t in sorted(set(templates), key=len, reverse=True)
    )
    sets = {meaning: Phrases.of(members) for meaning, members in phrases.items()}
    return Lexicon(
        codes=codes,
        numbers=MappingProxyType(numbers),
        fractions=MappingProxyType(fractions),
        ordinals=MappingProxyType(ordinals),
        units=MappingProxyType(units),
        phrases=MappingProxyType(sets),
        replace=replace,
        replace_triggers=_triggers(replace),
        vocabulary=MappingProxyType(vocabulary),
        speakers=MappingProxyType(
            {
                word: tuple(code for code, words in vocabulary.items() if word in words)
                for word in set().union(*vocabulary.values())
            }
        ),
        replies_language=MappingProxyType(
            {c: p.get("replies_language", BASE) for c, p in zip(codes, packs, strict=True)}
        ),
        synonyms=MappingProxyType(synonyms),
        singles=MappingProxyType(
            {k: frozenset(p[0] for p in v if len(p) == 1) for k, v in phrases.items()}
        ),
        not_numbers=MappingProxyType({k: frozenset(v) for k, v in not_numbers.items()}),
        meanings=_meanings(phrases),
        openers=_edges({meaning: p.starts for meaning, p in sets.items()}),
        closers=_edges({meaning: p.ends for meaning, p in sets.items()}),
        number_words=frozenset((*numbers, *fractions)),
        switches=MappingProxyType(
            {
                words_of(text): code
                for code, pack in zip(codes, packs, strict=True)
                for text in pack.get("phrases", {}).get("switch", ())
            }
        ),
    )


def _triggers(
    replace: tuple[tuple[re.Pattern[str], frozenset[str]], ...],
) -> Mapping[str, tuple[int, ...]]:
    """For each template one of its needed words (the longest, likely the rarest): a message
    without that word need not be tried against it."""
    found: dict[str, list[int]] = {}
    for position, (_, needed) in enumerate(replace):
        # A template needing no word at all is filed under "", which every message has.
        found.setdefault(max(sorted(needed), key=len, default=""), []).append(position)
    return MappingProxyType({word: tuple(positions) for word, positions in found.items()})


def _edges(words_by_meaning: Mapping[str, Iterable[str]]) -> Mapping[str, frozenset[str]]:
    """Word -> the meanings it is in, from meaning -> its words."""
    found: dict[str, set[str]] = {}
    for meaning, words in words_by_meaning.items():
        for word in words:
            found.setdefault(word, set()).add(meaning)
    return MappingProxyType({word: frozenset(m) for word, m in found.items()})


def _meanings(phrases: Mapping[str, list[Words]]) -> Mapping[Words, frozenset[str]]:
    """Each phrase with the meanings it has."""
    found: dict[Words, set[str]] = {}
    for meaning, members in phrases.items():
        for phrase in members:
            if phrase:
                found.setdefault(phrase, set()).add(meaning)
    return MappingProxyType({phrase: frozenset(m) for phrase, m in found.items()})


def _vocabulary(pack: Mapping[str, Any]) -> set[str]:
    """Every word a pack knows, for telling which language a message is in."""
    words = set(pack.get("numbers", {})) | set(pack.get("fractions", {}))
    for meaning, texts in pack.get("phrases", {}).items():
        if meaning in ("replace", "address_words", "switch"):
            continue
        for text in texts:
            words.update(words_of(text))
    return words


def _replace_pattern(template: str) -> re.Pattern[str]:
    """ "swap {old} for {new}" as a regex over a space-joined phrase."""
    slots = {"{old}": r"(?P<old>.+?)", "{new}": r"(?P<new>.+?)"}
    parts = re.split(r"(\{old\}|\{new\})", template)
    body = " ".join(
        slots.get(part) or re.escape(" ".join(words_of(part))) for part in parts if part.strip()
    )
    return re.compile(f"^{body}$")
