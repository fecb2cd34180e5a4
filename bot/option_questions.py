"""Lines waiting for a required option ("Jollof Rice: 1. Small (₦2,000) or 2. Large (₦2,500)?").

A line whose product has a required group the customer did not choose from goes into the
conversation's pending clarification (`data["pending"]["lines"]`, beside a "did you mean"),
with its quantity, note and the options already chosen; the lines are asked about one at a
time, and an answer ("large", "2", "the second one", "bada") completes the first one.
"""

from __future__ import annotations

from typing import Any

from bot.intents import CatalogEntry, OptionGroup
from bot.language import Lexicon, words_of
from bot.language.replies import say
from bot.matching import index_of
from bot.option_reading import OptionReader
from orders_core.domain import format_money

MAX_WAITING = 10  # lines kept waiting at most; more are dropped with the question unasked


def waiting(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The lines waiting for an option, first asked first."""
    pending = data.get("pending") or {}
    return list(pending.get("lines") or [])


def set_waiting(data: dict[str, Any], lines: list[dict[str, Any]]) -> None:
    """Keep `lines` as the waiting lines (beside a "did you mean" already pending)."""
    pending = {k: v for k, v in (data.get("pending") or {}).items() if k != "lines"}
    if lines:
        pending["lines"] = lines[:MAX_WAITING]
    if pending:
        data["pending"] = pending
    else:
        data.pop("pending", None)


def forget_choice(data: dict[str, Any]) -> None:
    """Forget a pending "did you mean"; the lines waiting for an option stay."""
    lines = waiting(data)
    data.pop("pending", None)
    set_waiting(data, lines)


def wait(
    data: dict[str, Any], entry: CatalogEntry, quantity: int, note: str, options: tuple[str, ...]
) -> None:
    """Put a line of `entry` in the queue until its required options are chosen."""
    line = {"code": entry.code, "quantity": quantity, "note": note, "options": list(options)}
    set_waiting(data, [*waiting(data), line])


def question(lang: str, entry: CatalogEntry, line: dict[str, Any], currency: str) -> str | None:
    """The question for the first required group the waiting `line` lacks, numbered, each
    choice at the unit price it makes; None when nothing is missing."""
    chosen = list(line.get("options") or [])
    group = entry.missing_group(chosen)
    if group is None:
        return None
    base = entry.unit_price + sum(
        found[1].price for name in chosen if (found := entry.option(name)) is not None
    )
    choices = say(lang, "option_choice_join").join(
        f"{i}. {option.name} ({format_money(base + option.price, currency)})"
        for i, option in enumerate(group.options, 1)
    )
    quantity = int(line.get("quantity") or 1)
    item = f"{quantity} × {entry.name}" if quantity > 1 else entry.name
    asked = say(lang, "option_question", item=item, choices=choices)
    return f"{asked} {say(lang, 'option_reply_hint')}"


def first_question(
    data: dict[str, Any], by_code: dict[str, CatalogEntry], lang: str, currency: str
) -> str | None:
    """The question about the first waiting line still on the menu (gone ones are dropped)."""
    lines = waiting(data)
    while lines:
        entry = by_code.get(str(lines[0].get("code")))
        text = question(lang, entry, lines[0], currency) if entry else None
        if text is not None:
            set_waiting(data, lines)
            return text
        lines = lines[1:]
    set_waiting(data, lines)
    return None


def choose(
    text: str,
    entry: CatalogEntry,
    group: OptionGroup,
    lex: Lexicon,
    catalog: tuple[CatalogEntry, ...],
) -> str | None:
    """The option of `group` a reply picks: its number, an ordinal, or its name (fuzzily,
    in any pack's words: "large", "bada", "the big one")."""
    skipped = lex.singles["choice_fillers"] | lex.singles["yes"]
    words = tuple(w for w in words_of(text) if w not in skipped)
    while len(words) > 1:  # "plain pls"; a word alone stays ("kwanza" is polite, and first)
        polite = lex.polite.suffix(words)
        if not polite or polite >= len(words):
            break
        words = words[: len(words) - polite]
    if len(words) == 1:
        word = words[0]
        index = lex.ordinals.get(word) or lex.numbers.get(word)
        if word.isdecimal() and len(word) <= 2:
            index = int(word)
        if index is not None and 1 <= index <= len(group.options):
            return group.options[index - 1].name
    reader = OptionReader.of(lex, index_of(catalog))
    if reader is None or not words:
        return None
    found = reader.complete(entry, words)
    names = {option.name for option in group.options}
    return found if found in names else None
