"""How much of a product a phrase asks for: numbers of every pack, units and measures.

"2", "two", "tatu", "x2", "2x", "a dozen", "half dozen", "3 packets of", "2kg", "kilo mbili",
"500ml ... x3". A measure becomes packs of the product's own size when its name states one.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.language import Lexicon, Words
from bot.matching import Size

_TIMES = frozenset({"x", "*"})
_OF = frozenset({"of", "ya", "za", "ka", "ki", "ke"})
_MAX_DIGITS = 6


@dataclass(frozen=True)
class Amount:
    """A written amount: a count, times unit counts, or a measure; and a trailing "x3"."""

    count: float | None = None  # the number written (None: none written)
    per: float = 1  # what a unit word multiplies by ("dozen": 12)
    measure: tuple[str, float, float] | None = None  # ("g", 2000, 2) for "2kg"
    times: int | None = None  # "x3" after a measure or a name

    @property
    def written(self) -> bool:
        """Whether the customer wrote any amount at all."""
        return (
            self.count is not None
            or self.measure is not None
            or self.times is not None
            or self.per != 1
        )

    def quantity(self, size: Size | None, default: int = 1) -> int:
        """The number of items this amount asks for, given the product's own size."""
        if self.measure is not None and size is not None and size.dimension == self.measure[0]:
            packs = self.measure[1] / size.amount
        elif self.measure is not None:  # no size to divide by: "2 kilo rice" is 2 of it
            packs = self.measure[2] if self.measure[2] <= 20 else 1
        elif self.count is not None:
            packs = self.count * self.per
        else:
            packs = default * self.per if self.per != 1 else default
        total = packs * (self.times or 1)
        return max(round(total), 1) if total > 0 else 0


_NO_AMOUNT = Amount()


def number(lex: Lexicon, words: Words, i: int) -> tuple[float, int] | None:
    """The number written at words[i] and how many words it takes, if one is there.

    Digits (at most six, "1.5" too), number words of the packs, "twenty five", "kumi na
    mbili", and fractions ("half", "nusu").
    """
    if i >= len(words):
        return None
    word = words[i]
    if word not in lex.number_words and not word[:1].isdecimal():
        return None  # most words: no digit to start with and no number word
    value: float | None = None
    if word.isdecimal():
        value = int(word) if len(word) <= _MAX_DIGITS else None
    elif _is_decimal(word):
        value = float(word)
    elif word in lex.numbers:
        following = words[i + 1] if i + 1 < len(words) else ""
        if following in lex.not_numbers.get(word, ()):
            return None
        value = lex.numbers[word]
    elif word in lex.fractions:
        return lex.fractions[word], 1
    if value is None:
        return None
    nxt = words[i + 1] if i + 1 < len(words) else ""
    if value >= 20 and value % 10 == 0 and (ones := lex.numbers.get(nxt)) and 0 < ones < 10:
        return value + ones, 2  # "twenty five"
    if value % 10 == 0 and value >= 10 and nxt == "na" and i + 2 < len(words):
        ones = lex.numbers.get(words[i + 2])
        if ones and 0 < ones < 10:
            return value + ones, 3  # "kumi na mbili"
    return value, 1


def may_count(lex: Lexicon, words: Words) -> bool:
    """Whether a number may be written somewhere in `words` (False: surely none is)."""
    return not lex.number_words.isdisjoint(words) or any(w[:1].isdecimal() for w in words)


def _is_decimal(word: str) -> bool:
    head, dot, tail = word.partition(".")
    return bool(dot) and head.isdecimal() and tail.isdecimal() and len(word) <= _MAX_DIGITS + 2


def leading_amount(lex: Lexicon, words: Words) -> tuple[Amount, Words]:
    """The amount a phrase starts with ("2", "x2", "2 x", "a dozen", "3 packets of", "2kg")."""
    if not words or (
        words[0] not in _TIMES
        and words[0] not in lex.units
        and words[0] not in lex.number_words
        and not words[0][:1].isdecimal()
    ):
        return _NO_AMOUNT, words  # neither a number nor a unit first: no amount
    i, amount = 0, Amount()
    if words[:1] and words[0] in _TIMES and (found := number(lex, words, 1)):
        return Amount(count=found[0]), words[1 + found[1] :]
    unit = lex.units.get(words[0]) if words else None
    if unit is not None and unit.dimension != "count" and (n := number(lex, words, 1)):
        count = n[0] + _half(lex, words, 1 + n[1])  # "kilo moja", "kilo na nusu"
        measure = (unit.dimension, count * unit.size, count)
        rest = words[1 + n[1] + (2 if _half(lex, words, 1 + n[1]) else 0) :]
        return Amount(measure=measure), _without_of(rest)
    if unit is not None and unit.dimension != "count" and _half(lex, words, 1):
        measure = (unit.dimension, 1.5 * unit.size, 1.5)
        return Amount(measure=measure), _without_of(words[3:])
    found = number(lex, words, 0)
    if found is not None:
        amount, i = Amount(count=found[0]), found[1]
        if words[i : i + 1] and words[i] in _TIMES:
            i += 1
    amount, i = _units(lex, words, i, amount)
    while words[i : i + 1] and words[i] in _OF and i > 0:
        i += 1
    return amount, words[i:]


def _half(lex: Lexicon, words: Words, i: int) -> float:
    """0.5 for "na nusu" / "and a half" / "and half" at words[i], else 0."""
    if words[i : i + 1] in (("na",), ("and",)):
        j = i + 2 if words[i + 1 : i + 2] == ("a",) else i + 1
        return lex.fractions.get(words[j], 0) if j < len(words) else 0
    return 0


def _without_of(words: Words) -> Words:
    while words[:1] and words[0] in _OF:
        words = words[1:]
    return words


def _units(lex: Lexicon, words: Words, i: int, amount: Amount) -> tuple[Amount, int]:
    """Unit words after a number: counts multiply, a measure is kept as a measure."""
    # A unit word needs a name after it: "2 thali" may be the dish called thali.
    while i < len(words) - 1 and (unit := lex.units.get(words[i])) is not None:
        if unit.dimension == "count":
            amount = Amount(amount.count, amount.per * unit.size, amount.measure, amount.times)
        else:
            base = amount.count if amount.count is not None else 1
            measure = (unit.dimension, base * unit.size, base)
            amount = Amount(amount.count, amount.per, measure, amount.times)
        i += 1
    return amount, i


def trailing_amount(lex: Lexicon, words: Words, amount: Amount) -> tuple[Amount, Words]:
    """An amount after the name ("jollof x2", "chapati tatu", "rice 2 kilo", "kilo mbili").

    A count already written before the name turns a trailing "x3" into a multiplier.
    """
    end = len(words)
    while end > 1:
        tail = words[:end]
        if (
            len(tail) >= 3
            and tail[-2] in _TIMES
            and (n := number(lex, tail, end - 1))
            and n[1] == 1
        ) or (
            len(tail) >= 3
            and tail[-1] in _TIMES
            and (n := number(lex, tail, end - 2))
            and n[1] == 1
        ):
            amount, end = _times(amount, n[0]), end - 2
        elif (unit := lex.units.get(tail[-1])) is not None and unit.dimension != "count":
            n = number(lex, tail, end - 2) if end >= 3 else None
            count = n[0] if n and n[1] == 1 else (amount.count if amount.count is not None else 1)
            measure = (unit.dimension, count * unit.size, count)
            amount = Amount(amount.count, amount.per, measure, amount.times)
            end -= 2 if n and n[1] == 1 else 1
        elif (
            end >= 4
            and (unit := lex.units.get(tail[-2])) is not None
            and unit.dimension != "count"
            and (n := number(lex, tail, end - 1))
            and (size := number(lex, tail, end - 3))
            and size[1] == 1
        ):  # "unga 2kg moja": one of the 2 kg
            measure = (unit.dimension, size[0] * unit.size, size[0])
            amount, end = Amount(amount.count, amount.per, measure, int(n[0])), end - 3
        elif (
            end >= 3
            and (unit := lex.units.get(tail[-2])) is not None
            and (n := number(lex, tail, end - 1))
            and n[1] == 1
        ):
            if unit.dimension == "count":
                amount = Amount(n[0], amount.per * unit.size, amount.measure, amount.times)
            else:
                measure = (unit.dimension, n[0] * unit.size, n[0])
                amount = Amount(amount.count, amount.per, measure, amount.times)
            end -= 2
        elif amount.count is None and amount.measure is None and (n := _trailing_number(lex, tail)):
            amount, end = Amount(n[0], amount.per, None, amount.times), end - n[1]
        elif tail[-1] in lex.units and lex.units[tail[-1]].dimension == "count" and end > 1:
            per = lex.units[tail[-1]].size  # "mayai dozen", "fried rice two plate"
            amount, end = (
                Amount(amount.count, amount.per * per, amount.measure, amount.times),
                end - 1,
            )
        else:
            break
    name = words[:end]
    while len(name) > 1 and name[-1] in _OF:  # "sukari ya | kilo moja"
        name = name[:-1]
    return amount, name


def _trailing_number(lex: Lexicon, tail: Words) -> tuple[float, int] | None:
    for width in (3, 2, 1):
        if len(tail) > width and (n := number(lex, tail, len(tail) - width)) and n[1] == width:
            return n
    return None


def _times(amount: Amount, value: float) -> Amount:
    if amount.count is None and amount.measure is None:
        return Amount(value, amount.per, None, amount.times)
    return Amount(amount.count, amount.per, amount.measure, int(value))
