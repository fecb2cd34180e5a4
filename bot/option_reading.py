"""A product's options read in an item phrase: "2 large jollof with extra chicken",
"1 misal pav extra pav", "ek bada lassi", "chai kubwa mbili", "chicken shawarma".

An option word is matched only against the options of the product the phrase names (so
"large" is never a product), fuzzily like product names, and through each pack's size words
(`option_words`: "bada", "kubwa", "big" are "large").

The rule for a word that is both an option of the line's product and a product ("chicken":
an extra of Jollof Rice, and Peppered Chicken): it is the option when a with-word comes
before it ("with", "extra", "add", "+", "na", "ke saath"), or when it stands right before
the product's name as the choice of a required group ("chicken shawarma"); otherwise it is
the product ("jollof and chicken", "jollof chicken"). A with-word carries over "and":
"jollof with chicken and plantain" are both extras (bot/reading.py `more_options`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache

from rapidfuzz import fuzz

from bot.intents import CatalogEntry, ItemRequest, OptionGroup
from bot.language import Lexicon, Words, words_of
from bot.language.lexicon import pack_data
from bot.matching import CatalogIndex, fold
from bot.quantities import Amount, leading_amount, number, trailing_amount

_FUZZY_CUTOFF = 80  # fuzz.ratio at which a typed word is an option's word ("larg", "chiken")
_MIN_FUZZY = 4  # shorter words must be written exactly
_MAX_OPTION_WORDS = 3
_MAX_PRODUCT_WORDS = 5
# Words an owner may start an option's name with that customers often leave out ("Extra Pav").
# The with-words and fillers read around options are the packs' `option_with` and
# `option_fillers` phrases (English, always loaded, has both).
_NAME_LEADS = frozenset({"extra", "add", "with", "plus", "double"})


@dataclass(frozen=True)
class OptionName:
    """One option of a product, as words to match typed words against."""

    name: str
    group: OptionGroup
    words: Words  # the name's words, folded
    core: Words  # without a leading "extra"/"add": "pav" of "Extra Pav"


@dataclass(frozen=True)
class OptionIndex:
    """Every product's options, normalised once per catalog."""

    by_code: Mapping[str, tuple[OptionName, ...]]
    vocabulary: frozenset[str]  # every folded word of every option name
    owners: Mapping[str, frozenset[str]]  # an option word -> the products having it
    entries: Mapping[str, CatalogEntry]
    near: dict[str, bool] = field(default_factory=dict)  # typed word -> like an option word


def _build(index: CatalogIndex) -> OptionIndex:
    by_code: dict[str, tuple[OptionName, ...]] = {}
    owners: dict[str, set[str]] = {}
    entries = {entry.code: entry for entry in index.owners}
    for entry in entries.values():
        names = []
        for group in entry.option_groups:
            for option in group.options:
                words = tuple(fold(w) for w in words_of(option.name)) or (option.name,)
                core = words[1:] if len(words) > 1 and words[0] in _NAME_LEADS else words
                names.append(OptionName(option.name, group, words, core))
                for word in {*words, *core}:
                    owners.setdefault(word, set()).add(entry.code)
        if names:
            by_code[entry.code] = tuple(names)
    return OptionIndex(
        by_code=by_code,
        vocabulary=frozenset(owners),
        owners={word: frozenset(codes) for word, codes in owners.items()},
        entries=entries,
    )


_BY_INDEX: dict[int, tuple[CatalogIndex, OptionIndex]] = {}
_MAX_INDEXES = 64


def options_of(index: CatalogIndex) -> OptionIndex:
    """The options of the catalog `index` was built from; built once per catalog version."""
    known = _BY_INDEX.get(id(index))
    if known is not None and known[0] is index:
        return known[1]
    built = _build(index)
    if len(_BY_INDEX) >= _MAX_INDEXES:
        _BY_INDEX.clear()
    _BY_INDEX[id(index)] = (index, built)  # the index is kept, so its id stays its own
    return built


@cache
def size_words(codes: tuple[str, ...]) -> Mapping[str, str]:
    """The packs' words for option names: "bada" -> "large", "kubwa" -> "large"."""
    found: dict[str, str] = {}
    for code in codes:
        try:
            found.update(pack_data(code).get("option_words", {}))
        except KeyError:
            continue
    return found


@dataclass(frozen=True)
class Read:
    """What an item phrase with options names."""

    entry: CatalogEntry
    options: tuple[str, ...]  # in menu order
    note: str = ""


@dataclass
class OptionReader:
    """Reads options against one catalog's options and the tenant's packs."""

    lex: Lexicon
    index: CatalogIndex
    options: OptionIndex
    synonyms: Mapping[str, str]

    @classmethod
    def of(cls, lex: Lexicon, index: CatalogIndex) -> OptionReader | None:
        """A reader for this catalog, or None when no product has options."""
        options = options_of(index)
        if not options.vocabulary:
            return None
        return cls(lex, index, options, size_words(lex.codes))

    def mentions(self, words: Words) -> bool:
        """Whether a word of `words` may be an option's (cheap; remembered per word)."""
        for word in words:
            seen = self.options.near.get(word)
            if seen is None:
                typed = fold(self.synonyms.get(word, word))
                seen = typed in self.options.vocabulary or (
                    len(typed) >= _MIN_FUZZY
                    and any(self._like(typed, known) for known in self.options.vocabulary)
                )
                if len(self.options.near) < 20_000:
                    self.options.near[word] = seen
            if seen:
                return True
        return False

    def read(self, words: Words) -> Read | None:
        """The product `words` name with at least one of its options, and a wish after
        them; None when the words are not that ("jollof and chicken" is two products)."""
        n = len(words)
        spans = sorted(
            ((a, b) for a in range(n) for b in range(a + 1, min(n, a + _MAX_PRODUCT_WORDS) + 1)),
            key=lambda span: (span[0] - span[1], span[0]),
        )  # longest first
        for fuzzy in (False, True):
            for a, b in spans:
                head = words[a:b]
                if fuzzy and (len(head) > 3 or not self._plain(head)):
                    continue
                entry = self.index.match(head).entry if fuzzy else self.index.entry(" ".join(head))
                if entry is None or entry.code not in self.options.by_code:
                    continue
                found = self.around(entry, words[:a], words[b:])
                if found is not None:
                    return found
        return self.options_alone(words)

    def options_alone(self, words: Words) -> Read | None:
        """ "2 cutting": options that only one product has name that product."""
        codes = {
            code
            for word in words
            for code in self.options.owners.get(fold(self.synonyms.get(word, word)), ())
        }
        found = [
            read
            for code in sorted(codes)
            if (read := self.around(self.options.entries[code], (), words)) is not None
        ]
        return found[0] if len(found) == 1 and not found[0].note else None

    def around(
        self, entry: CatalogEntry, before: Words, after: Words, *, asked: bool = False
    ) -> Read | None:
        """`entry` with the options written before and after its name; None unless every
        word is an option of it, a with-word, a filler or a wish (which ends the phrase).

        `asked`: the words answer a question about the options, so a word that is also a
        product ("chicken") is the option."""
        chosen: list[str] = []
        note = ""
        for side, leading in ((before, True), (after, False)):
            i = 0
            while i < len(side):
                rest = side[i:]
                taken = self.option_at(entry, rest, leading=leading or asked, asked=asked)
                if taken:
                    name, length = taken
                    chosen.append(name)
                    i += length
                    continue
                filler = self.lex.phrases["option_fillers"].prefix(rest)
                if filler:
                    i += filler
                    continue
                if self._wish(rest):
                    note = ", ".join(filter(None, (note, " ".join(rest))))
                    break
                return None
        if not chosen:
            return None
        return Read(entry, self.ordered(entry, chosen), note)

    def option_at(
        self, entry: CatalogEntry, words: Words, *, leading: bool, asked: bool = False
    ) -> tuple[str, int] | None:
        """The option of `entry` (with its with-word) at the start of `words`, and the
        words it takes."""
        marker = self.lex.phrases["option_with"].prefix(words)
        for skip in (0, marker) if marker else (0,):
            found = self.option_name(entry, words[skip:])
            if found is None:
                continue
            option, length = found
            span = words[skip : skip + length]
            named = self.index.entry(" ".join(span)) is not None
            if (
                named
                and not skip
                and not asked
                and not (leading and option.group.required and skip + length == len(words))
            ):
                continue  # "jollof chicken": the product, unless it says which one it is
            return option.name, skip + length
        return None

    def option_name(self, entry: CatalogEntry, words: Words) -> tuple[OptionName, int] | None:
        """The option of `entry` written at the start of `words`, longest first."""
        best: tuple[OptionName, int] | None = None
        for option in self.options.by_code.get(entry.code, ()):
            for name in {option.words, option.core}:
                k = len(name)
                if k > len(words) or (best is not None and k <= best[1]):
                    continue
                if all(
                    self._like(self._typed(w), part) for w, part in zip(words, name, strict=False)
                ):
                    best = (option, k)
        if best is None and words and len(words[0]) >= _MIN_FUZZY:
            # "egusi with meat": one word of a longer name, when no other option has it
            typed = self._typed(words[0])
            holders = [
                option
                for option in self.options.by_code.get(entry.code, ())
                if len(option.words) > 1
                and any(self._like(typed, w) for w in option.words if w not in _NAME_LEADS)
            ]
            if len(holders) == 1:
                best = (holders[0], 1)
        return best

    def complete(self, entry: CatalogEntry, words: Words) -> str | None:
        """The option of `entry` a reply names ("large", "bada", "the big one"), if one."""
        words = tuple(w for w in words if self.index.entry(w) != entry)
        found = self.around(entry, (), words, asked=True)
        if found is None or len(found.options) != 1 or found.note:
            return None
        return found.options[0]

    def _typed(self, word: str) -> str:
        return fold(self.synonyms.get(word, word))

    def _like(self, typed: str, known: str) -> bool:
        if typed == known or fold(self.synonyms.get(known, known)) == typed:
            return True
        if typed.rstrip("s") == known.rstrip("s"):
            return True
        return (
            len(typed) >= _MIN_FUZZY
            and len(known) >= _MIN_FUZZY
            and fuzz.ratio(typed, known) >= _FUZZY_CUTOFF
        )

    def _plain(self, words: Words) -> bool:
        """Whether no word is a with-word (only those spans may be fuzzy product names)."""
        return not any(self.lex.phrases["option_with"].prefix((w,)) for w in words)

    def _wish(self, words: Words) -> bool:
        lex = self.lex
        return bool(
            lex.modifier_before.prefix(words)
            or lex.modifier_words.prefix(words)
            or lex.modifier_after.suffix(words)
        )

    @staticmethod
    def ordered(entry: CatalogEntry, chosen: list[str]) -> tuple[str, ...]:
        """The chosen options once each, in menu order, at most each group's max."""
        result: list[str] = []
        for group in entry.option_groups:
            picked = [o.name for o in group.options if o.name in chosen]
            if len(picked) > group.max:  # "small large": the last word said wins
                picked = sorted(picked, key=chosen.index)[-group.max :]
                picked = [o.name for o in group.options if o.name in picked]
            result += picked
        return tuple(result)


def changed_options(entry: CatalogEntry, old: Sequence[str], new: Sequence[str]) -> tuple[str, ...]:
    """A line's options `old` with `new` ones: a choice of a one-option group (a size)
    replaces the one there, an extra is added (the earliest dropped past the group's max)."""
    result = list(old)
    for name in new:
        found = entry.option(name)
        if found is None:
            continue
        group, option = found
        same = [n for n in result if (g := entry.option(n)) is not None and g[0] == group]
        if option.name in same:
            continue
        if len(same) >= group.max:
            result.remove(same[0])
        result.append(option.name)
    return OptionReader.ordered(entry, result)


def item_with_options(
    lex: Lexicon, index: CatalogIndex, words: Words, amount: Amount | None, default: int
) -> tuple[ItemRequest, bool] | None:
    """The line an item phrase with options names ("2 large jollof with extra chicken",
    "fried rice large x2 ..."), and whether it wrote its quantity; None when it names no
    option (the phrase is then read as before)."""
    reader = OptionReader.of(lex, index)
    if reader is None or not words or not reader.mentions(words):
        return None
    tries = [(amount, words)] if amount is not None else _amounts(lex, words)
    for written, rest in tries:
        found = reader.read(rest) if rest else None
        if found is not None:
            size = index.sizes.get(found.entry.code)
            entry = found.entry
            item = ItemRequest(
                entry.code, entry.name, written.quantity(size, default), found.note, found.options
            )
            return item, written.written
    return None


def _amounts(lex: Lexicon, words: Words) -> list[tuple[Amount, Words]]:
    """Ways to read the amount: before or after the name, or inside the phrase ("x2",
    "chai moja kubwa"); and none at all when the first words may be an option ("half plate
    biryani")."""
    amount, rest = leading_amount(lex, words)
    more = lex.phrases["more"].prefix(rest)
    if more and more < len(rest) and not lex.phrases["option_with"].prefix(rest):
        rest = rest[more:]  # "2 more egg moi moi"
    amount, rest = trailing_amount(lex, rest, amount) if rest else (amount, rest)
    if not amount.written:
        for i in range(len(rest) - 1):
            pair = rest[i : i + 2]
            if pair[0] == "x" and (n := number(lex, rest, i + 1)) and n[1] == 1:
                amount, rest = Amount(count=n[0]), rest[:i] + rest[i + 2 :]
                break
            if pair[1] == "x" and (n := number(lex, rest, i)) and n[1] == 1:
                amount, rest = Amount(count=n[0]), rest[:i] + rest[i + 2 :]
                break
    if not amount.written:  # "chai moja kubwa": the one number between name and size
        inside = [i for i in range(1, len(rest) - 1) if number(lex, rest, i) is not None]
        if len(inside) == 1 and (n := number(lex, rest, inside[0])) and n[1] == 1:
            amount, rest = Amount(count=n[0]), rest[: inside[0]] + rest[inside[0] + 1 :]
    tries = [(amount, rest)]
    if amount.written and len(rest) < len(words):
        tries.append((Amount(), words))  # "half plate biryani": the portion, not half of one
    return tries
