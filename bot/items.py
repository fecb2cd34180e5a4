"""Item phrases read as product lines: names, amounts, notes, references ("send 3").

The base of the message reader: what it knows (lexicon, catalog index, context), what it
has read so far, and how one phrase becomes lines of (product, quantity, note).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace

from bot.intents import CartOp, CatalogEntry, Context, IntentKind, ItemRequest, OpKind, Unmatched
from bot.language import Lexicon, Words
from bot.matching import NEAR_MISS, CatalogIndex
from bot.option_reading import item_with_options
from bot.quantities import Amount, leading_amount, may_count, number, trailing_amount

_WITH = frozenset({"with"})
# What strip_request takes off the start and the end of a phrase.
_REQUEST_LEADS = frozenset({"request", "add", "polite", "connectors", "only"})
_REQUEST_TAILS = frozenset({"request_after", "add_after", "polite"})
_POLITE = frozenset({"polite"})
# Where a wish ("no onions", "extra pepper", "well done") or context ("for my son") is.
_NOTE_BEFORE = frozenset({"modifier_before", "modifier_words"})
_NOTE_OR_CONTEXT = frozenset({*_NOTE_BEFORE, "context_before"})
_NOTE_AFTER = frozenset({"modifier_after"})
_MAX_DEPTH = 2
_MAX_PHRASE = 14  # words in the longest phrase read as one or a few items


@dataclass
class _Found:
    """One item phrase read without side effects: its lines, or what did not match."""

    lines: list[ItemRequest] = field(default_factory=list)
    explicit: list[bool] = field(default_factory=list)
    unmatched: Unmatched | None = None
    worth_reporting: bool = False
    closeness: float = 0
    reference: bool = False  # the phrase named no product: "send 3", "one more of those"
    asked: bool = False  # a quantity or an "i want" said it meant a product


@dataclass
class ItemReader:
    """Reads item phrases against one catalog index, lexicon and conversation context."""

    lex: Lexicon
    index: CatalogIndex
    context: Context
    language: str | None = None  # the pack the message's words came from, when not English
    ops: list[CartOp] = field(default_factory=list)
    asks: list[ItemRequest] = field(default_factory=list)
    unmatched: list[Unmatched] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    commands: list[IntentKind] = field(default_factory=list)
    last: str | None = None  # the product this message last named
    # Words that may name a product, with how close they came: reported beside products
    # that matched, or alone when close to one.
    weak: list[tuple[Unmatched, float]] = field(default_factory=list)
    implicit: set[int] = field(default_factory=set)  # ADD ops with no written quantity
    depth: int = 0  # how deep read_item is in splitting and cutting one phrase
    correcting: bool = False  # after "no, ..." a product named again gets the new quantity

    def read_item(self, words: Words, *, default: int = 1, amount: Amount | None = None) -> _Found:
        """The product lines one item phrase names, with quantities and notes.

        Splitting a phrase into several items or cutting words off its end is tried only two
        levels deep, so a long message costs time linear in its length.
        """
        self.depth += 1
        try:
            return self._read_item(words, default, amount)
        finally:
            self.depth -= 1

    def _read_item(self, words: Words, default: int, amount: Amount | None) -> _Found:
        original = words
        words, signal = self.strip_request(words)
        if not words or (
            signal
            and self.lex.context_before.prefix(words)
            and self.index.named_inside(words) is None
        ):
            return _Found()  # "order for the office:" names no product
        optioned = item_with_options(self.lex, self.index, words, amount, default)
        if optioned is not None:  # "2 large jollof with extra chicken"
            return _Found([optioned[0]], [optioned[1]])
        whole = self.index.entry(" ".join(words))
        if whole is not None and amount is None:  # "7up" is a product, not seven of "up"
            return _Found([ItemRequest(whole.code, whole.name, default)], [False])
        # Splitting and cutting look at every position: only for phrases an item can be.
        deep = self.depth > _MAX_DEPTH or len(words) > _MAX_PHRASE
        if amount is None and not deep and (split := self.split(words)) is not None:
            return split
        if amount is None:
            amount, words = leading_amount(self.lex, words)
        words = self.strip_more(words)
        if not amount.written and words:  # "nyingine moja": another, one
            amount, words = leading_amount(self.lex, words)
        exact = self.index.entry(" ".join(words)) if words else None
        if exact is not None:  # "2 rice balls": "balls" names the dish here, not a unit
            quantity = amount.quantity(self.index.sizes.get(exact.code), default)
            return _Found([ItemRequest(exact.code, exact.name, quantity)], [amount.written])
        amount, words = trailing_amount(self.lex, words, amount) if words else (amount, words)
        words = self.strip_more(self.trim(words))
        if not words or self.lex.pronouns.whole(words):
            code = self.target()
            entry = self.entry(code) if code else None
            if entry is None:
                return _Found()
            return _Found(
                [ItemRequest(entry.code, entry.name, amount.quantity(None, default))],
                [amount.written],
                reference=True,
            )
        entry, note = self.resolve(words)
        if entry is not None:
            quantity = amount.quantity(self.index.sizes.get(entry.code), default)
            return _Found([ItemRequest(entry.code, entry.name, quantity, note)], [amount.written])
        if not deep and self.depth == 1:
            cut = self.cut_tail(original, default)
            if cut is not None:
                return cut
        match = self.index.match(words)
        report = signal or amount.written or match.closeness >= NEAR_MISS
        quantity = amount.quantity(None, default) or 1
        unmatched = Unmatched(" ".join(words), match.suggestions, quantity)
        asked = signal or amount.written
        return _Found(
            unmatched=unmatched, worth_reporting=report, closeness=match.closeness, asked=asked
        )

    def resolve(self, words: Words) -> tuple[CatalogEntry | None, str]:
        """The product of a name with a note or context after it, or a note before it.

        A name written exactly wins over a fuzzy reading of the whole phrase: "white rice
        extra stew" is White Rice with extra stew.
        """
        exact = self.index.entry(" ".join(words))
        if exact is not None:
            return exact, ""
        lex = self.lex
        marks = []  # where a wish or context starts, or one ends the phrase
        starters, after = lex.starters(_NOTE_OR_CONTEXT), lex.closes(words, _NOTE_AFTER)
        for i in range(1, len(words)):
            if not after and words[i] not in starters:
                continue  # no wish or context starts here, and none ends the phrase
            tail = words[i:]
            is_note = lex.modifier_before.prefix(tail) or lex.modifier_words.prefix(tail)
            is_context = lex.context_before.prefix(tail)
            if is_note or is_context or lex.modifier_after.suffix(tail):
                marks.append((i, " ".join(tail) if not is_context or is_note else ""))
        for fuzzy in (False, True):
            if fuzzy and (match := self.index.match(words)).entry is not None:
                return match.entry, ""
            for i, note in marks:
                head = self.trim(words[:i])
                found = self.index.match(head).entry if fuzzy else self.index.entry(" ".join(head))
                if found is not None:
                    return found, note
        for i in range(1, len(words) if lex.opens(words, _NOTE_BEFORE) else 0):
            head = words[:i]
            negative = lex.negative.prefix(head) > 0
            if not negative and (
                lex.modifier_before.prefix(head) or lex.modifier_words.whole(head)
            ):
                found = self.index.match(words[i:])
                if found.entry is not None:
                    return found.entry, " ".join(head)
        return None, ""

    def cut_tail(self, words: Words, default: int) -> _Found | None:
        """ "jollof x2 no onions", "water two i dey wait": the item, then a wish or words
        that name nothing; a wish becomes the line's note."""
        lex = self.lex
        cuts = [*range(1, len(words)), *range(len(words) - 1, max(len(words) - 5, 0), -1)]
        starters = lex.starters(_NOTE_OR_CONTEXT)
        for n, i in enumerate(cuts):
            tail = words[i:]
            is_note, marked = False, 0
            if words[i] in starters:
                is_note = bool(lex.modifier_before.prefix(tail) or lex.modifier_words.prefix(tail))
                marked = is_note or lex.context_before.prefix(tail)
            if not marked and (n < len(words) - 1 or self.counted(tail)):
                continue  # first the cuts at a wish or "for ...", then words that name nothing
            if not is_note and self.index.named_inside(tail) is not None:
                continue
            head = self.read_item(words[:i], default=default)
            if not head.lines or head.unmatched or head.reference:
                continue
            named = self.index.named_inside(words[:i])
            if (
                not marked
                and len(tail) < 2
                and (named is None or named.code != head.lines[-1].code)
            ):
                continue  # one word cut off a fuzzy name may have been part of it ("pani | puri")
            if not (is_note or all(head.explicit)):
                continue
            if is_note:
                last = head.lines[-1]
                joined = f"{last.note}, {' '.join(tail)}" if last.note else " ".join(tail)
                head.lines[-1] = replace(last, note=joined)
            return head
        return None

    def split(self, words: Words) -> _Found | None:
        """ "jollof with chicken", "2 jollof 1 chapman", "chapati tatu chai mbili" as lines."""
        if _WITH.isdisjoint(words) and not may_count(self.lex, words[1:]):
            return None  # nothing to split at: no "with", no number after the first word
        cuts = [
            i
            for i, w in enumerate(words)
            if w in _WITH
            and 0 < i < len(words) - 1
            and not self.lex.modifier_before.prefix(words[i:])
        ]
        candidates = [[words[: cuts[0]], words[cuts[0] + 1 :]]] if cuts else []
        numeric, units = self.lex.number_words, self.lex.units
        numbers = [
            i
            for i, w in enumerate(words)
            if (w in numeric or w[:1].isdecimal())  # a cheap look first: most words are not
            and number(self.lex, words, i) is not None
            and w not in units
        ]
        lead = [
            i
            for i in numbers
            if i > 0 and number(self.lex, words, i - 1) is None and words[i - 1] != "x"
        ]
        trail = [
            i + 2 if words[i + 1] in self.lex.units else i + 1  # "potatoes two kilos | tomatoes"
            for i in numbers
            if 0 < i < len(words) - 2 and number(self.lex, words, i + 1) is None
        ]
        for starts in (lead, trail):
            if starts:
                bounds = [0, *starts, len(words)]
                candidates.append([words[a:b] for a, b in itertools.pairwise(bounds) if a < b])
        for parts in candidates:
            if len(parts) < 2 or any(
                len(leading_amount(self.lex, p)[1]) == 0 or self.lex.modifier_before.prefix(p)
                for p in parts
            ):
                continue
            found = [self.read_item(part) for part in parts]
            if all(f.lines and not f.unmatched for f in found):
                return _Found(
                    [line for f in found for line in f.lines],
                    [e for f in found for e in f.explicit],
                )
        return None

    def strip_request(self, words: Words) -> tuple[Words, bool]:
        """The words without "i want", "nipe", "bhejo", courtesy and connectors at the edges."""
        lex, signal = self.lex, False
        while words:
            if not lex.opens(words, _REQUEST_LEADS) and not lex.closes(words, _REQUEST_TAILS):
                break
            if taken := lex.request.prefix(words) or lex.add.prefix(words):
                words, signal = words[taken:], True
            elif (
                taken := lex.polite.prefix(words)
                or lex.connectors.prefix(words)
                or lex.only.prefix(words)
            ):
                words = words[taken:]
            elif (taken := lex.request_after.suffix(words) or lex.add_after.suffix(words)) and not (
                taken == 1 and words[-1] in lex.numbers and not self.counted(words[:-1])
            ):  # "poha do" is two poha, "ek poha do" gives one
                words, signal = words[: len(words) - taken], True
            elif taken := lex.polite.suffix(words):
                words = words[: len(words) - taken]
            else:
                break
            if self.index.entry(" ".join(words)) is not None:
                break
        return words, signal

    def counted(self, words: Words) -> bool:
        """Whether a number is written somewhere in `words`."""
        return any(number(self.lex, words, i) is not None for i in range(len(words)))

    def strip_more(self, words: Words) -> Words:
        """ "more", "extra", "zaidi" around a name only say it is more of it."""
        if (taken := self.lex.more.prefix(words)) and taken < len(words):
            words = words[taken:]
        while words[1:] and words[0] in self.lex.singles["pointers"]:
            words = words[1:]
        if (taken := self.lex.more.suffix(words)) and taken < len(words):
            words = words[: len(words) - taken]
        return words

    def trim(self, words: Words) -> Words:
        """`words` without courtesy words at both ends."""
        lex, names = self.lex, self.context.names
        polite = lex.polite
        if not words or not (
            lex.opens(words, _POLITE) or lex.closes(words, _POLITE) or words[0] in names
        ):
            return words  # no courtesy word and no name at either end
        while words:
            taken = polite.prefix(words) or (1 if words[0] in names else 0)
            longer = (lex.request, lex.remove, lex.add, lex.phrases["set"])
            if not taken or any(verbs.prefix(words) > taken for verbs in longer):
                break  # "hata do maziwa": "hata" starts a verb here
            if self.index.entry(" ".join(words)) is not None:
                break
            words = words[taken:]
        while words and (taken := polite.suffix(words)):
            if self.index.entry(" ".join(words)) is not None:
                break
            words = words[: len(words) - taken]
        return words

    def add(self, line: ItemRequest) -> None:
        self.ops.append(CartOp(OpKind.ADD, line))
        self.last = line.code

    def lines_here(self) -> list[CartOp]:
        return [op for op in self.ops if op.kind in (OpKind.ADD, OpKind.SET) and op.item]

    def target(self) -> str | None:
        """The product "it", "those" or a bare number refers to."""
        if self.last:
            return self.last
        if self.context.last:
            return self.context.last
        return next(iter(self.context.cart)) if len(self.context.cart) == 1 else None

    def entry(self, code: str) -> CatalogEntry | None:
        return next((e for e in self.index.owners if e.code == code), None)

    def attach_note(self, note: str) -> None:
        """A wish goes on the line just named, else the last product discussed, else the order."""
        lines = self.lines_here()
        if lines:
            op = lines[-1]
            assert op.item is not None
            joined = f"{op.item.note}, {note}" if op.item.note else note
            self.ops[self.ops.index(op)] = replace(op, item=replace(op.item, note=joined))
            return
        code = self.target()
        entry = self.entry(code) if code and code in self.context.cart else None
        if entry is not None:
            self.ops.append(CartOp(OpKind.NOTE, ItemRequest(entry.code, entry.name, 0, note)))
        else:
            self.notes.append(note)

    def pieces(self, words: Words) -> list[Words]:
        """The sentence split at connectors ("and", "na", "aur"), never inside a name."""
        parts: list[Words] = []
        start = i = 0
        connectors = self.lex.connectors
        if connectors.starts.keys().isdisjoint(words):
            return [words] if words else []  # no connector anywhere
        while i < len(words):
            taken = connectors.prefix(words[i:]) if words[i] in connectors.starts else 0
            if (
                taken
                and i > start
                and not self.index.inside_name(words, i)
                and not _in_number(self.lex, words, i)
                and not self.in_question(words, i)
            ):
                parts.append(words[start:i])
                start = i = i + taken
            else:
                i += 1
        parts.append(words[start:])
        return [part for part in parts if part]

    def in_question(self, words: Words, i: int) -> bool:
        """Whether words[i] belongs to a question phrase ("mko na samosa?")."""
        lex = self.lex
        return any(
            p.prefix(words[i - 1 :]) >= 2 for p in (lex.availability_question, lex.price_question)
        )


def _in_number(lex: Lexicon, words: Words, i: int) -> bool:
    """Whether words[i] joins a number ("kumi na mbili")."""
    if i + 1 < len(words) and words[i + 1] in lex.fractions and words[i - 1] in lex.units:
        return True  # "kilo na nusu"
    return i > 0 and (n := number(lex, words, i - 1)) is not None and n[1] == 3
