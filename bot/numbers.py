"""Quantities as customers write them: "2", "two", "a", "x2", "2x", "a dozen", "half dozen"."""

from __future__ import annotations

Words = tuple[str, ...]

_WORD_NUMBERS = {
    word: value
    for value, word in enumerate((
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
        "eighteen", "nineteen", "twenty",
    ))
}  # fmt: skip
_ONE = frozenset({"a", "an", "another"})
_TIMES = "x"
_DOZEN = "dozen"
_MAX_DIGITS = 6


def number_value(word: str) -> int | None:
    """The value of a number written as digits (at most six) or as a word up to twenty."""
    if word.isdecimal():
        return int(word) if len(word) <= _MAX_DIGITS else None
    return _WORD_NUMBERS.get(word)


def leading_quantity(words: Words) -> tuple[int | None, Words]:
    """The quantity a phrase starts with, if any, and the words after it."""
    if words[:2] == ("half", _DOZEN):
        return 6, words[2:]
    if words[:3] == ("half", "a", _DOZEN):
        return 6, words[3:]
    if words[:1] == (_DOZEN,):
        return 12, words[1:]
    if len(words) >= 2 and words[0] == _TIMES and number_value(words[1]) is not None:
        return number_value(words[1]), words[2:]
    first = number_value(words[0]) if words else None
    if first is None:
        if words and words[0] in _ONE:
            return _leading_dozen(1, words[1:])
        return None, words
    rest = words[1:]
    if rest[:1] == (_TIMES,):
        return first, rest[1:]
    return _leading_dozen(first, rest)


def _leading_dozen(count: int, rest: Words) -> tuple[int, Words]:
    if rest[:1] == (_DOZEN,):
        return 12 * count, rest[1:]
    return count, rest


def trailing_quantity(words: Words, *, after_to: bool = False) -> tuple[int | None, Words]:
    """The quantity a phrase ends with ("jollof x2", "jollof 2x", "jollof 2"), if any.

    With `after_to`, "jollof to 3" counts too. The words before the quantity are never empty.
    """
    markers = (_TIMES, "to") if after_to else (_TIMES,)
    if len(words) >= 3 and words[-2] in markers:
        value = number_value(words[-1])
        if value is not None:
            return value, words[:-2]
    if len(words) >= 3 and words[-1] == _TIMES:
        value = number_value(words[-2])
        if value is not None:
            return value, words[:-2]
    if len(words) >= 2:
        value = number_value(words[-1])
        if value is not None:
            return value, words[:-1]
    return None, words
