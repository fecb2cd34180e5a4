"""A message read as sentences, sentences as pieces, pieces as cart acts, questions and commands.

Each piece ("2 jollof no onions", "lassi hata do", "make it 4", "how much is fish") is tried
against the rules from the most specific; the words of every active language pack come
from the lexicon. The reader is pure: the same words, catalog and context give the same acts.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace

from bot.intents import (
    CartOp,
    CatalogEntry,
    Context,
    Intent,
    IntentKind,
    ItemRequest,
    OpKind,
    Unmatched,
)
from bot.language import ASK, SEP, Lexicon, Phrases, Words
from bot.matching import MAX_NAME_WORDS, NEAR_MISS, CatalogIndex
from bot.quantities import Amount, leading_amount, number, trailing_amount

K = IntentKind
_COMMANDS = (
    ("yes", K.YES), ("no", K.NO), ("greet", K.GREET), ("thanks", K.THANKS),
    ("menu", K.MENU), ("show_cart", K.SHOW_CART), ("clear", K.CLEAR),
    ("checkout", K.CHECKOUT), ("status", K.STATUS), ("cancel", K.CANCEL), ("help", K.HELP),
    ("human", K.HUMAN), ("repeat", K.REPEAT),
)  # fmt: skip
_SOCIAL = frozenset({K.YES, K.NO, K.GREET, K.THANKS})
_WEAK_REMOVE = frozenset({("no",), ("not",), ("without",), ("bila",), ("bina",), ("no", "put")})
_ADDING_LEADS = frozenset({("extra",), ("more",), ("add", "extra"), ("plus",), ("with",)})
_WITH = frozenset({"with"})
_ALL = frozenset({"all", "the", "sab", "yote", "zote", "everything"})
_MAX_BARE_WORDS = 3  # longer phrases without a quantity or "i want" are chatter, not products


@dataclass
class _Found:
    """One item phrase read without side effects: its lines, or what did not match."""

    lines: list[ItemRequest] = field(default_factory=list)
    explicit: list[bool] = field(default_factory=list)
    unmatched: Unmatched | None = None
    worth_reporting: bool = False
    closeness: float = 0


@dataclass
class Reader:
    """Reads one message against one catalog index, lexicon and conversation context."""

    lex: Lexicon
    index: CatalogIndex
    context: Context
    ops: list[CartOp] = field(default_factory=list)
    asks: list[ItemRequest] = field(default_factory=list)
    unmatched: list[Unmatched] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    commands: list[IntentKind] = field(default_factory=list)
    last: str | None = None  # the product this message last named
    # Words that may name a product, with how close they came: reported beside products
    # that matched, or alone when close to one.
    weak: list[tuple[Unmatched, float]] = field(default_factory=list)

    def read(self, tokens: Words) -> Intent:
        """The intent of a whole message (its tokens, separators included)."""
        sentence: list[str] = []
        for token in (*tokens, SEP):
            if token in (SEP, ASK):
                if sentence:
                    self.sentence(tuple(sentence), asked=token == ASK)
                sentence = []
            else:
                sentence.append(token)
        return self.intent()

    # ------------------------------------------------------------ pieces

    def sentence(self, words: Words, *, asked: bool) -> None:
        """One sentence: a replacement as a whole, else its pieces between connectors."""
        core = self.trim(words)
        if core and (self.command(core) or self.replacement(core)):
            return
        mode = ""
        for piece in self.pieces(words):
            mode = self.piece(piece, asked=asked, mode=mode)

    def pieces(self, words: Words) -> list[Words]:
        """The sentence split at connectors ("and", "na", "aur"), never inside a name."""
        parts: list[Words] = []
        start = i = 0
        while i < len(words):
            taken = self.lex.connectors.prefix(words[i:])
            if (
                taken
                and i > start
                and not self.inside_name(words, i)
                and not _in_number(self.lex, words, i)
            ):
                parts.append(words[start:i])
                start = i = i + taken
            else:
                i += 1
        parts.append(words[start:])
        return [part for part in parts if part]

    def inside_name(self, words: Words, i: int) -> bool:
        """Whether words[i] is part of a product name such as "rice and stew"."""
        for length in range(2, self.index.longest + 1):
            for start in range(max(0, i - length + 1), i + 1):
                if (
                    start + length <= len(words)
                    and self.index.entry(" ".join(words[start : start + length]))
                    and start < i < start + length - 1
                ):
                    return True
        return False

    def piece(self, words: Words, *, asked: bool, mode: str = "") -> str:
        """One piece, tried against the rules from the most specific; returns how it was read.

        A piece with no verb of its own after a removal or a change is one too: "remove 2
        chapman and the dodo", "make it 2 chapman and 1 zobo".
        """
        if self.lex.chatter.whole(words) or self.command(words):
            return ""
        if self.question(words, asked=False):
            return "ask"
        words = self.trim(words)
        while words and (taken := self.social_prefix(words)):
            words = self.trim(words[taken:])
        if not words or self.lex.chatter.whole(words):
            return ""
        if self.command(words) or self.question(words, asked=asked):
            return ""
        verb = self.has_verb(words)
        if mode == "remove" and not verb and self.removal(("remove", *words)):
            return "remove"
        if mode == "set" and not verb and self.setting(("make", *words)):
            return "set"
        if self.removal(words):
            return "remove"
        if self.setting(words):
            return "set"
        if self.modifier(words) or self.replacement(words):
            return ""
        self.item_line(words)
        return "add"

    def has_verb(self, words: Words) -> bool:
        """Whether a piece says itself what to do with its items."""
        lex = self.lex
        return any(
            phrases.prefix(words)
            for phrases in (lex.request, lex.add, lex.remove, lex.phrases["set"], lex.only)
        ) or any(
            phrases.suffix(words) for phrases in (lex.remove_after, lex.add_after, lex.set_after)
        )

    def social_prefix(self, words: Words) -> int:
        """Greetings and chit-chat at the start of a piece that still goes on."""
        for meaning in ("greet", "chatter", "thanks", "yes", "no"):
            taken = self.lex.phrases[meaning].prefix(words)
            if not taken or taken >= len(words) or self.index.entry(" ".join(words)) is not None:
                continue
            rest = words[taken:]
            if meaning in ("yes", "no") and not (self.has_verb(rest) or number(self.lex, rest, 0)):
                continue  # "no onions" is a wish, "no plantain" a removal
            if meaning == "greet":
                self.commands.append(K.GREET)
            return taken
        return 0

    def command(self, words: Words) -> bool:
        """A whole piece that is a command: "menu", "what's the total", "na all", "same again"."""
        if self.index.entry(" ".join(words)) is not None:
            return False
        for meaning, kind in _COMMANDS:
            if self.lex.phrases[meaning].whole(words):
                if kind is K.CLEAR:
                    self.ops.append(CartOp(OpKind.CLEAR))
                elif kind is K.REPEAT:
                    self.ops.append(CartOp(OpKind.REPEAT))
                else:
                    self.commands.append(kind)
                return True
        return False

    def question(self, words: Words, *, asked: bool) -> bool:
        """ "how much is jollof", "una get ofada", "samosa ka rate kya hai", "jollof?"."""
        rest, found = list(words), False
        for meaning in ("price_question", "availability_question", "question_after"):
            while (hit := self.lex.phrases[meaning].find(tuple(rest))) is not None:
                start, length = hit
                del rest[start : start + length]
                found = True
        if not found and not (asked and len(words) <= MAX_NAME_WORDS):
            return False
        if asked and not found and not number(self.lex, words, 0) and not self.has_verb(words):
            named = self.named_inside(words)
            if named is not None:  # "is the jollof spicy?"
                self.asks.append(ItemRequest(named.code, named.name, 0))
                self.last = named.code
                return True
        name = self.trim(
            tuple(
                w
                for w in rest
                if w
                not in ("is", "are", "the", "ni", "ka", "ki", "ke", "be", "of", "for", "ya", "za")
            )
        )
        amount, name = leading_amount(self.lex, name) if name else (Amount(), name)
        if not name:
            if found:
                self.commands.append(K.SHOW_CART if self.context.cart else K.MENU)
            return found
        if not found and (amount.written or self.lex.request.prefix(words)):
            return False  # "can i get 2 jollof?" is an order
        match = self.index.match(name)
        if match.entry is not None:
            self.asks.append(ItemRequest(match.entry.code, match.entry.name, 0))
            self.last = match.entry.code
            return True
        if not found:
            return False
        if match.suggestions or len(name) <= _MAX_BARE_WORDS:
            self.unmatched.append(Unmatched(" ".join(name), match.suggestions))
        return True

    def named_inside(self, words: Words) -> CatalogEntry | None:
        """The one product named word for word somewhere inside `words`, if exactly one is."""
        found = {
            entry.code: entry
            for length in range(1, min(self.index.longest, len(words)) + 1)
            for start in range(len(words) - length + 1)
            if (entry := self.index.entry(" ".join(words[start : start + length]))) is not None
        }
        return next(iter(found.values())) if len(found) == 1 else None

    def removal(self, words: Words) -> bool:
        """ "remove the chapman", "lassi hata do", "no more water", "toa soda"."""
        lead = self.lex.remove.prefix(words)
        tail = 0 if lead else self.lex.remove_after.suffix(words)
        if not (lead or tail) or lead + tail >= len(words):
            return False
        rest = self.trim(words[lead : len(words) - tail])
        if rest in (("all",), ("everything",), ("yote",), ("sab",), ("zote",)):
            self.ops.append(CartOp(OpKind.CLEAR))
            return True
        while rest[:1] and rest[0] in _ALL:
            rest = rest[1:]
        weak = words[:lead] in _WEAK_REMOVE
        if weak and (self.lex.request.prefix(rest) or number(self.lex, rest, 0)):
            return False  # "no, 3 jollof" is an order
        found = [self.read_item(part, default=0) for part in self.pieces(rest)]
        lines = [line for f in found for line in f.lines]
        if weak and self.lines_here() and not all(line.code in self.context.cart for line in lines):
            return False  # "jollof, no plantain": a wish about the jollof, not a removal
        if not lines:
            if weak or self.lex.request.prefix(rest):
                return False
            self.unmatched.extend(f.unmatched for f in found if f.unmatched)
            return bool(found)
        for line in lines:
            self.ops.append(CartOp(OpKind.REMOVE, line))
        self.unmatched.extend(f.unmatched for f in found if f.unmatched and f.worth_reporting)
        return True

    def setting(self, words: Words) -> bool:
        """ "make it 4", "change jollof to 3", "actually only 2 dosa", "4 kar do", "3 jollof instead"."""
        lead = self.lex.phrases["set"].prefix(words)
        if lead and self.lex.request.prefix(words) >= lead:
            lead = 0  # "make una bring 2 jollof" asks, it does not change
        tail = self.lex.set_after.suffix(words)
        if tail and self.lex.add_after.suffix(words) >= tail:
            tail = 0  # "2 chaas add karo" adds
        only = self.lex.only.prefix(words)
        if lead:
            rest = words[lead:]
        elif tail and tail < len(words):
            rest = words[: len(words) - tail]
        elif only and only < len(words):
            rest = words[only:]
        else:
            return False
        rest = tuple(w for w in rest if w not in ("to", "iwe", "ziwe", "be"))
        rest, _ = self.strip_request(self.trim(rest))
        amount, name = leading_amount(self.lex, rest)
        amount, name = trailing_amount(self.lex, name, amount) if name else (amount, name)
        if not amount.written:
            return False
        name = self.trim(name)
        if name and self.lex.pronouns.whole(name):
            name = ()
        if not name:
            code = self.target()
            entry = self.entry(code) if code else None
            if entry is not None:
                self.set_line(ItemRequest(entry.code, entry.name, amount.quantity(None, 0)))
            return True
        found = self.read_item(name, amount=amount)
        if not found.lines:
            return False
        cleared = any(op.kind is OpKind.CLEAR for op in self.ops)
        for line in found.lines:
            in_cart = line.code in self.context.cart and not cleared
            if only and not lead and not tail and not in_cart:
                self.add(line)
            else:
                self.set_line(line)
        return True

    def set_line(self, line: ItemRequest) -> None:
        """Set a quantity; zero is a removal."""
        kind = OpKind.SET if line.quantity > 0 else OpKind.REMOVE
        self.ops.append(CartOp(kind, line))
        self.last = line.code

    def modifier(self, words: Words) -> bool:
        """ "no onions", "extra pepper", "bila sukari", "pilipili kando": a note, not a product."""
        lex = self.lex
        lead = lex.modifier_before.prefix(words)
        if lex.modifier_words.whole(words):
            pass
        elif lead and lead < len(words):
            rest = self.trim(words[lead:])
            if self.lex.request.prefix(rest) or number(self.lex, rest, 0):
                return False
            named = self.index.match(rest).entry is not None
            if named and not self.lines_here() and words[:lead] not in _WEAK_REMOVE:
                return False  # "extra chicken" alone asks for chicken; "spicy jollof" is jollof
        elif not (
            lex.modifier_after.suffix(words) and lex.modifier_after.suffix(words) < len(words)
        ):
            return False
        self.attach_note(" ".join(words))
        return True

    def replacement(self, words: Words) -> bool:
        """ "swap the malt for a coke", "badala ya coke nipe maji", "lassi ki jagah chaas"."""
        joined = " ".join(words)
        for pattern in self.lex.replace:
            match = pattern.match(joined)
            if match is None:
                continue
            old_words = self.trim(tuple(match["old"].split()))
            if not old_words or self.lex.pronouns.whole(old_words):
                continue
            old = self.read_item(old_words, default=0)
            new = self.read_item(self.trim(tuple(match["new"].split())))
            if len(old.lines) != 1 or len(new.lines) != 1:
                continue
            gone = old.lines[0]
            self.ops.append(CartOp(OpKind.REMOVE, replace(gone, quantity=0)))
            self.ops.append(CartOp(OpKind.ADD, new.lines[0], takes_removed=not new.explicit[0]))
            self.last = new.lines[0].code
            return True
        return False

    def item_line(self, words: Words) -> None:
        """ "2 jollof no onions", "nipe chapati tatu", "send 3", "20 meat pie for my son"."""
        found = self.read_item(words)
        for line, explicit in zip(found.lines, found.explicit, strict=True):
            if line.quantity <= 0:
                continue
            previous = self.ops[-1].item if self.ops and self.ops[-1].kind is OpKind.ADD else None
            if previous and previous.code == line.code and not explicit and not line.note:
                continue  # "egusi and pounded yam" name one dish twice
            self.add(line)
        if found.unmatched and found.worth_reporting:
            self.unmatched.append(found.unmatched)
        elif found.unmatched and len(words) <= _MAX_BARE_WORDS:
            self.weak.append((found.unmatched, found.closeness))

    # ------------------------------------------------------------ items

    def read_item(self, words: Words, *, default: int = 1, amount: Amount | None = None) -> _Found:
        """The product lines one item phrase names, with quantities and notes."""
        words, signal = self.strip_request(words)
        if not words:
            return _Found()
        whole = self.index.entry(" ".join(words))
        if whole is not None and amount is None:  # "7up" is a product, not seven of "up"
            return _Found([ItemRequest(whole.code, whole.name, default)], [False])
        if amount is None and (split := self.split(words)) is not None:
            return split
        if amount is None:
            amount, words = leading_amount(self.lex, words)
        words = self.strip_more(words)
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
            )
        entry, note = self.resolve(words)
        if entry is not None:
            quantity = amount.quantity(self.index.sizes.get(entry.code), default)
            return _Found([ItemRequest(entry.code, entry.name, quantity, note)], [amount.written])
        match = self.index.match(words)
        report = signal or amount.written or match.closeness >= NEAR_MISS
        quantity = amount.quantity(None, default) or 1
        unmatched = Unmatched(" ".join(words), match.suggestions, quantity)
        return _Found(unmatched=unmatched, worth_reporting=report, closeness=match.closeness)

    def resolve(self, words: Words) -> tuple[CatalogEntry | None, str]:
        """The product of a name with a note or context after it, or a note before it."""
        match = self.index.match(words)
        if match.entry is not None:
            return match.entry, ""
        lex = self.lex
        for i in range(1, len(words)):
            tail = words[i:]
            is_note = lex.modifier_before.prefix(tail) or lex.modifier_words.prefix(tail)
            is_context = lex.context_before.prefix(tail)
            if is_note or is_context or lex.modifier_after.whole(tail):
                found = self.index.match(self.trim(words[:i]))
                if found.entry is not None:
                    return found.entry, " ".join(tail) if not is_context or is_note else ""
        for i in range(1, len(words)):
            head = words[:i]
            if lex.modifier_before.prefix(head) or lex.modifier_words.whole(head):
                found = self.index.match(words[i:])
                if found.entry is not None:
                    return found.entry, " ".join(head)
        return None, ""

    def split(self, words: Words) -> _Found | None:
        """ "jollof with chicken", "2 jollof 1 chapman", "chapati tatu chai mbili" as lines."""
        cuts = [i for i, w in enumerate(words) if w in _WITH and 0 < i < len(words) - 1]
        candidates = [[words[: cuts[0]], words[cuts[0] + 1 :]]] if cuts else []
        numbers = [
            i
            for i in range(len(words))
            if number(self.lex, words, i) is not None and words[i] not in self.lex.units
        ]
        lead = [
            i
            for i in numbers
            if i > 0 and number(self.lex, words, i - 1) is None and words[i - 1] != "x"
        ]
        trail = [
            i + 1
            for i in numbers
            if 0 < i < len(words) - 1 and number(self.lex, words, i + 1) is None
        ]
        for starts in (lead, trail):
            if starts:
                bounds = [0, *starts, len(words)]
                candidates.append([words[a:b] for a, b in itertools.pairwise(bounds) if a < b])
        for parts in candidates:
            if len(parts) < 2 or any(len(leading_amount(self.lex, p)[1]) == 0 for p in parts):
                continue
            found = [self.read_item(part) for part in parts]
            if all(f.lines and not f.unmatched for f in found):
                return _Found(
                    [line for f in found for line in f.lines],
                    [e for f in found for e in f.explicit],
                )
        return None

    # ------------------------------------------------------------ helpers

    def strip_request(self, words: Words) -> tuple[Words, bool]:
        """The words without "i want", "nipe", "bhejo", courtesy and connectors at the edges."""
        lex, signal = self.lex, False
        while words:
            if taken := lex.request.prefix(words) or lex.add.prefix(words):
                words, signal = words[taken:], True
            elif (
                taken := lex.polite.prefix(words)
                or lex.connectors.prefix(words)
                or lex.only.prefix(words)
            ):
                words = words[taken:]
            elif taken := lex.request_after.suffix(words) or lex.add_after.suffix(words):
                words, signal = words[: len(words) - taken], True
            elif taken := lex.polite.suffix(words):
                words = words[: len(words) - taken]
            else:
                break
            if self.index.entry(" ".join(words)) is not None:
                break
        return words, signal

    def strip_more(self, words: Words) -> Words:
        """ "more", "extra", "zaidi" around a name only say it is more of it."""
        if (taken := self.lex.more.prefix(words)) and taken < len(words):
            words = words[taken:]
        while words[:1] and words[0] in ("of", "the", "my"):
            words = words[1:]
        if (taken := self.lex.more.suffix(words)) and taken < len(words):
            words = words[: len(words) - taken]
        return words

    def trim(self, words: Words) -> Words:
        """`words` without courtesy words at both ends."""
        polite = self.lex.polite
        while words and (taken := polite.prefix(words)) and taken < len(words) + 1:
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

    # ------------------------------------------------------------ the result

    def intent(self) -> Intent:
        """The acts read so far as one Intent."""
        if self.ops or self.asks:
            self.unmatched.extend(u for u, _ in self.weak)
        ops = tuple(self.ops)
        kinds = {op.kind for op in ops}
        commands = [c for c in self.commands if c not in _SOCIAL]
        social = [c for c in self.commands if c in _SOCIAL]
        then = commands[0] if commands else None
        if ops:
            kind = _OPS_KIND.get(frozenset(kinds), K.EDIT)
        elif self.asks:
            kind = K.ASK
        elif then is not None:
            kind, then = then, None
        elif self.unmatched:
            kind = K.UNKNOWN
        elif self.weak and not self.commands:
            unclear = [u for u, closeness in self.weak if closeness >= NEAR_MISS]
            text = "" if unclear else " ".join(u.text for u, _ in self.weak)
            return Intent(K.UNKNOWN, unmatched=tuple(unclear), text=text)
        elif self.notes:
            kind = K.EDIT
        elif social:
            kind = K.NO if K.NO in social else social[0]
        else:
            kind = K.UNKNOWN
        return Intent(
            kind,
            items=tuple(
                op.item for op in ops if op.item is not None and op.kind is not OpKind.NOTE
            ),
            unmatched=tuple(dict.fromkeys(self.unmatched)),
            ops=ops,
            asks=tuple(dict.fromkeys(self.asks)),
            then=then,
            notes=tuple(self.notes),
        )


_OPS_KIND = {
    frozenset({OpKind.ADD}): K.ADD,
    frozenset({OpKind.REMOVE}): K.REMOVE,
    frozenset({OpKind.SET}): K.SET_QUANTITY,
    frozenset({OpKind.CLEAR}): K.CLEAR,
    frozenset({OpKind.REPEAT}): K.REPEAT,
}


def _in_number(lex: Lexicon, words: Words, i: int) -> bool:
    """Whether words[i] joins a number ("kumi na mbili")."""
    return i > 0 and (n := number(lex, words, i - 1)) is not None and n[1] == 3


__all__ = ["Phrases", "Reader"]
