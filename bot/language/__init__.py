"""Languages as data: one pack per language in `packs/`, merged per tenant into a lexicon."""

from bot.language.lexicon import Lexicon, Phrases, Unit, lexicon, packs_for_currency
from bot.language.text import ASK, SEP, Words, tokens, words_of

__all__ = [
    "ASK",
    "SEP",
    "Lexicon",
    "Phrases",
    "Unit",
    "Words",
    "lexicon",
    "packs_for_currency",
    "tokens",
    "words_of",
]
