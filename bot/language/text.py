"""Customer text as words: one normal form shared by messages, language packs and menus."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

Words = tuple[str, ...]

SEP = ","  # what commas, semicolons, full stops and line breaks become
ASK = "?"  # a question mark: a separator that also marks a question

_CHAR_MAP = {
    "'": "",
    "’": "",
    "‘": "",
    "`": "",
    ",": f" {SEP} ",
    ";": f" {SEP} ",
    "\n": f" {SEP} ",
    "\r": f" {SEP} ",
    "!": f" {SEP} ",
    "?": f" {ASK} ",
    "&": " and ",
    "+": " and ",
    "×": " x ",
    "*": " x ",
    "/": " / ",
    ":": f" {SEP} ",
    ".": ".",  # sentence stops are gone by now: what is left sits inside a number
}
# A full stop ends a sentence unless it sits inside a number ("1.5").
_STOP = re.compile(r"(?<!\d)\.|\.(?!\d)")
_DIGIT = re.compile(r"\d")
_DIGIT_LETTER = re.compile(r"(?<=\d)(?=[^\W\d_])|(?<=[^\W\d_])(?=\d)")
_ELONGATED = re.compile(
    r"(?P<hi>h+i+)|(?P<hello>he+l+o+)|(?P<hey>he+y+)|(?P<yes>ye+s+)|(?P<no>no+)|(?P<ok>ok+)"
    r"|(?P<okay>oka+y+)|(?P<hmm>h+m+)|(?P<erm>e+r+m+|e+h+m+)|(?P<um>u+m+)|(?P<please>pl[sz]+|plea+s+e*)|(?P<thanks>than+k?s+|thanx+|thx+|tnx+)"
)
# A minus sign stuck to a number at the start of a word: "-1 jollof" is not one jollof.
_NEGATIVE = re.compile(r"(?<![\w.])[-\u2212](?=\d)")
_MAX_KEPT_CHARS = 4096  # distinct characters remembered by the translation table
_LIST_MARKER = re.compile(r"^[ \t]*(?:\d{1,2}[.)]|[-•·*])[ \t]+", re.MULTILINE)


def tokens(text: str) -> Words:
    """Lower-case words, SEP and ASK tokens; other punctuation, symbols and emoji dropped.

    "2kg" is two words, "hiiii" is "hi", a negative number keeps its sign ("-1"), and the
    numbers or bullets that start the lines of a list are not words.
    """
    text = _without_list_markers(unicodedata.normalize("NFKC", text))
    if text.isascii():  # nothing to normalise or strip: ASCII folds by lower-casing
        folded = _STOP.sub(f" {SEP} ", text.lower())
    else:
        # Accents are dropped ("ẹ káàárọ̀" is "e kaaro"); letters of their own (ɛ, ɔ) stay.
        bare = "".join(
            c for c in unicodedata.normalize("NFKD", text) if unicodedata.category(c) != "Mn"
        )
        folded = _STOP.sub(f" {SEP} ", unicodedata.normalize("NFKC", bare).casefold())
    if _DIGIT.search(folded) is None:  # no number: no sign to keep, no "2kg" to cut
        words = folded.translate(_KEPT).split()
    else:
        kept = "-".join(part.translate(_KEPT) for part in _NEGATIVE.split(folded))
        words = _DIGIT_LETTER.sub(" ", kept).split()
    return tuple(word for w in words if (word := _word(w)) is not None)


def words_of(text: str) -> Words:
    """The words of a phrase or a product name, without separators."""
    return tuple(word for word in tokens(text) if word not in (SEP, ASK))


def _without_list_markers(text: str) -> str:
    """ "1. jollof x2 / 2. chapman": the 1. and 2. number the lines, they are not quantities."""
    bulleted = text.lstrip().startswith(("-", "•", "·"))
    if bulleted or ("\n" in text and len(_LIST_MARKER.findall(text)) >= 2):  # two lines at least
        return _LIST_MARKER.sub("", text)
    return text


def _keep(char: str) -> str:
    if char.isalnum() or unicodedata.category(char).startswith("M"):
        return char
    return _CHAR_MAP.get(char, " ")


class _KeptChars(dict[int, str]):
    """What each character becomes in the words (itself, a separator, a space or nothing),
    worked out the first time it is seen; a translation table for `str.translate`."""

    def __missing__(self, code: int) -> str:
        kept = _keep(chr(code))
        if len(self) < _MAX_KEPT_CHARS:
            self[code] = kept
        return kept


_KEPT = _KeptChars()


@lru_cache(maxsize=65_536)
def _word(word: str) -> str | None:
    """A split-off word in its one spelling; None when it holds no letter or digit.

    A mark with no letter to sit on (the U+FE0F after an emoji) is not a word.
    """
    if word in (SEP, ASK, "/") or any(c.isalnum() for c in word):
        return _canonical(word)
    return None


def _canonical(word: str) -> str:
    """One spelling for the stretched words of chat: "hiiii" -> "hi", "plsss" -> "please"."""
    match = _ELONGATED.fullmatch(word)
    return match.lastgroup or word if match else word
