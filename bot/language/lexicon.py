"""Language packs (data files in `packs/`) merged into one lexicon for a tenant's languages."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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
        )

    def whole(self, words: Words) -> bool:
        """Whether `words` is one of the phrases."""
        return words in self.members

    def prefix(self, words: Words) -> int:
        """How many words the longest phrase takes at the start of `words` (0: none)."""
        if not words:
            return 0
        for phrase in self.by_first.get(words[0], ()):
            if words[: len(phrase)] == phrase:
                return len(phrase)
        return 0

    def suffix(self, words: Words) -> int:
        """How many words the longest phrase takes at the end of `words` (0: none)."""
        if not words:
            return 0
        for phrase in self.by_last.get(words[-1], ()):
            if len(words) >= len(phrase) and words[-len(phrase) :] == phrase:
                return len(phrase)
        return 0

    def find(self, words: Words, start: int = 0) -> tuple[int, int] | None:
        """The first (position, length) of a phrase in `words` at or after `start`."""
        first = self.by_first
        for i in range(start, len(words)):
            if words[i] in first and (taken := self.prefix(words[i:])):
                return i, taken
        return None


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
    vocabulary: Mapping[str, frozenset[str]]  # pack code -> its words not in English
    replies_language: Mapping[str, str]
    switches: Mapping[Words, str]  # "english please" -> "en"
    not_numbers: Mapping[str, frozenset[str]]  # "do" is no number before "you"
    synonyms: Mapping[str, str]  # "chaha" is "chai"
    singles: Mapping[str, frozenset[str]]  # meaning -> its one-word phrases, as words

    def __getattr__(self, meaning: str) -> Phrases:
        try:
            return self.phrases[meaning]
        except KeyError:
            raise AttributeError(meaning) from None

    def detect(self, words: Words) -> str | None:
        """The pack whose own words the message uses most, if any (English otherwise None)."""
        scores = {
            code: sum(word in vocabulary for word in words)
            for code, vocabulary in self.vocabulary.items()
        }
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
    """The raw data of one pack; KeyError when there is no such pack."""
    path = resources.files("bot.language") / "packs" / f"{code}.toml"
    if not path.is_file():
        raise KeyError(code)
    return MappingProxyType(tomllib.loads(path.read_text(encoding="utf-8")))


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
    return Lexicon(
        codes=codes,
        numbers=MappingProxyType(numbers),
        fractions=MappingProxyType(fractions),
        ordinals=MappingProxyType(ordinals),
        units=MappingProxyType(units),
        phrases=MappingProxyType({k: Phrases.of(v) for k, v in phrases.items()}),
        replace=tuple(
            (_replace_pattern(t), frozenset(words_of(re.sub(r"\{old\}|\{new\}", " ", t))))
            for t in sorted(set(templates), key=len, reverse=True)
        ),
        vocabulary=MappingProxyType(
            {
                code: frozenset(_vocabulary(pack) - english)
                for code, pack in zip(codes, packs, strict=True)
                if code != BASE
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
        switches=MappingProxyType(
            {
                words_of(text): code
                for code, pack in zip(codes, packs, strict=True)
                for text in pack.get("phrases", {}).get("switch", ())
            }
        ),
    )


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
