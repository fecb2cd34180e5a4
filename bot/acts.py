"""Cart acts in a piece: removals, new quantities, wishes (notes), replacements, questions.

"lassi hata do", "make it 4", "actually only 2 dosa", "no onions", "swap the malt for a
coke", "how much is fish", and the plain item line they fall back to.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.intents import CartOp, IntentKind, ItemRequest, OpKind, Unmatched
from bot.items import ItemReader
from bot.language import Words
from bot.matching import MAX_NAME_WORDS
from bot.option_reading import OptionReader, changed_options
from bot.quantities import Amount, leading_amount, number, trailing_amount

K = IntentKind
_MAX_BARE_WORDS = 3  # longer phrases without a quantity or "i want" are chatter, not products
_WINDOW = 12  # words read after an "i want" or a number found inside a long phrase
_TRIES = 8  # places inside one long phrase where an order may start
_QUESTION_ORDER = ("price_question", "availability_question", "question_after")
_QUESTIONS = frozenset(_QUESTION_ORDER)
# The phrases that say what to do with a piece's items, at its start and at its end.
_VERB_LEADS = frozenset({"request", "add", "remove", "set", "only"})
_VERB_TAILS = frozenset({"remove_after", "add_after", "set_after"})
_OWNERS = frozenset({"my", "our", "your", "the", "to", "into", "for"})


@dataclass
class ActReader(ItemReader):
    """Reads the cart acts of one piece."""

    def question(self, words: Words, *, asked: bool) -> bool:
        """ "how much is jollof", "una get ofada", "samosa ka rate kya hai", "jollof?"."""
        if not asked and self.lex.starters(_QUESTIONS).isdisjoint(words):
            return False  # no question phrase, and no question mark
        rest, found, strong = list(words), False, False
        for meaning in _QUESTION_ORDER:
            while (hit := self.lex.phrases[meaning].find(tuple(rest))) is not None:
                start, length = hit
                del rest[start : start + length]
                found, strong = True, strong or meaning == "price_question"
        if not found and not (asked and len(words) <= MAX_NAME_WORDS):
            return False
        if not strong and (
            any(number(self.lex, words, i) for i in range(len(words)))
            or self.lex.request.prefix(words)
            or self.lex.request_after.suffix(words)
        ):
            return False  # "i fit get 2 fried rice?", "tran samosa joie che" ask for them
        if asked and not found and not number(self.lex, words, 0) and not self.has_verb(words):
            named = self.index.named_inside(words)
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
        entry = match.entry or (self.index.named_inside(name) if found else None)
        if entry is not None:
            self.asks.append(ItemRequest(entry.code, entry.name, 0))
            self.last = entry.code
            return True
        if not found:
            return False
        if match.suggestions or len(name) <= _MAX_BARE_WORDS:
            self.unmatched.append(Unmatched(" ".join(name), match.suggestions))
        return True

    def removal(self, words: Words) -> bool:
        """ "remove the chapman", "lassi hata do", "no more water", "toa soda"."""
        lead = self.lex.remove.prefix(words)
        tail = 0 if lead else self.lex.remove_after.suffix(words)
        if not (lead or tail) or lead + tail >= len(words):
            return False
        rest = self.trim(words[lead : len(words) - tail])
        pointers, everything = self.lex.singles["pointers"], self.lex.singles["everything"]
        named = [w for w in rest if w not in pointers]
        if named and all(w in everything for w in named):  # "remove all of it", "toa zote"
            self.ops.append(CartOp(OpKind.CLEAR))
            return True
        while rest[:1] and (rest[0] in everything or rest[0] in pointers):
            rest = rest[1:]
        weak = self.lex.negative.whole(words[:lead])
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
        infix = self.lex.set_infix.find(words, 1)
        if infix is not None and not self.lex.phrases["set"].prefix(words):
            start, length = infix  # "mandazi ziwe sita"
            words = ("make", *words[:start], *words[start + length :])
        lead = self.lex.phrases["set"].prefix(words)
        if lead and self.lex.request.prefix(words) >= lead:
            lead = 0  # "make una bring 2 jollof" asks, it does not change
        tail = self.lex.set_after.suffix(words)
        if (
            tail
            and max(self.lex.add_after.suffix(words), self.lex.remove_after.suffix(words)) >= tail
        ):
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
            return bool(lead) and (self.option_change(name) or self.swap_discussed(name))
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

    def option_change(self, words: Words, *, adding: bool = False) -> bool:
        """ "make it large", "change the coke to big", "make the jollof small": other
        options for the line of the product named, or else discussed, in the cart or in
        this message; with `adding` the words are extras put on it ("add chicken to it")."""
        reader = OptionReader.of(self.lex, self.index)
        skipped = self.lex.singles["pointers"] | self.lex.singles.get("pronouns", frozenset())
        words = tuple(w for w in self.trim(words) if w not in skipped and w not in _OWNERS)
        if reader is None or not words or not reader.mentions(words):
            return False
        found = None if adding else reader.read(words)
        if found is None:
            code = self.target()
            entry = self.entry(code) if code else None
            found = reader.around(entry, (), words, asked=True) if entry else None
        if found is None or found.note:
            return False
        for name in found.options if not adding else ():
            group = found.entry.option(name)
            if group and not group[0].required and self.index.entry(name.casefold()):
                return False  # "make it chicken": the product Chicken instead, not an extra
        code = found.entry.code
        here = [op for op in self.lines_here() if op.item and op.item.code == code]
        if here:
            op = here[-1]
            assert op.item is not None
            options = changed_options(found.entry, op.item.options, found.options)
            self.ops[self.ops.index(op)] = replace(op, item=replace(op.item, options=options))
        elif code in self.context.cart:
            item = ItemRequest(code, found.entry.name, 0, options=found.options)
            self.ops.append(CartOp(OpKind.OPTIONS, item))
        else:
            return False
        self.last = code
        return True

    def swap_discussed(self, name: Words) -> bool:
        """ "make it fried rice", "change am to fufu": the product discussed becomes another."""
        code = self.target()
        name = self.trim(name)
        if code is None or not name or (code not in self.context.cart and not self.lines_here()):
            return False
        match = self.index.match(name)
        if match.entry is None or match.entry.code == code:
            return False
        old = self.entry(code)
        assert old is not None
        self.ops.append(CartOp(OpKind.REMOVE, ItemRequest(old.code, old.name, 0)))
        self.ops.append(
            CartOp(
                OpKind.ADD, ItemRequest(match.entry.code, match.entry.name, 1), takes_removed=True
            )
        )
        self.last = match.entry.code
        return True

    def set_line(self, line: ItemRequest) -> None:
        """Set a quantity; zero is a removal."""
        kind = OpKind.SET if line.quantity > 0 else OpKind.REMOVE
        self.ops.append(CartOp(kind, line))
        self.last = line.code

    def modifier(self, words: Words) -> bool:
        """ "no onions", "extra pepper", "bila sukari", "pilipili kando": a note, not a product."""
        lex = self.lex
        counted = number(lex, words, 0)
        if counted and self.lines_here() and lex.modifier_before.prefix(words[counted[1] :]):
            self.attach_note(" ".join(words))  # "chai mbili, moja bila sukari"
            return True
        lead = lex.modifier_before.prefix(words)
        if lex.modifier_words.whole(words) or lead == len(words) > 1:
            pass  # "no pepper" alone, after "1 suya,": a wish (some packs list it whole)
        elif lead and lead < len(words):
            rest = self.trim(words[lead:])
            if self.lex.request.prefix(rest) or number(self.lex, rest, 0):
                return False
            named = self.index.match(rest).entry is not None
            if named and not self.lines_here() and not self.lex.negative.whole(words[:lead]):
                return False  # "extra chicken" alone asks for chicken; "spicy jollof" is jollof
        elif not (taken := lex.modifier_after.suffix(words)) or taken >= len(words):
            return False
        elif self.read_item(words[: len(words) - taken]).lines:
            return False  # "half kg choma well done": an item with its wish
        self.attach_note(" ".join(words))
        return True

    def replacement(self, words: Words) -> bool:
        """ "swap the malt for a coke", "badala ya coke nipe maji", "lassi ki jagah chaas"."""
        triggers = self.lex.replace_triggers
        if "" not in triggers and triggers.keys().isdisjoint(words):
            return False  # no template's words are here
        present = frozenset(words)
        tried = sorted(i for word in (*present, "") for i in triggers.get(word, ()))
        joined = " ".join(words)
        for pattern, needed in (self.lex.replace[i] for i in tried):
            if not needed <= present:
                continue
            match = pattern.match(joined)
            if match is None:
                continue
            old_words = self.trim(tuple(match["old"].split()))
            if not old_words or self.lex.pronouns.whole(old_words):
                continue
            old = self.read_item(old_words, default=0)
            new = self.read_item(self.trim(tuple(match["new"].split())))
            if len(old.lines) != 1 or len(new.lines) != 1 or new.reference:
                continue  # "badilisha chai iwe tatu" changes a quantity
            gone = old.lines[0]
            self.ops.append(CartOp(OpKind.REMOVE, replace(gone, quantity=0)))
            self.ops.append(CartOp(OpKind.ADD, new.lines[0], takes_removed=not new.explicit[0]))
            self.last = new.lines[0].code
            return True
        return False

    def item_line(self, words: Words) -> None:
        """ "2 jollof no onions", "nipe chapati tatu", "send 3", "20 meat pie for my son"."""
        found = self.read_item(words)
        if (
            not found.lines
            and self.lex.context_before.prefix(words)
            and not self.index.named_inside(words)
        ):
            return  # "for 4 people", "1 baje tak": when and for whom, not what
        if not found.lines:
            starts = [
                i
                for i in range(1, len(words))
                if self.lex.request.prefix(words[i:]) or number(self.lex, words, i)
            ]
            for start in starts[:_TRIES]:
                inner = self.read_item(words[start : start + _WINDOW])
                if inner.lines and not inner.unmatched and not inner.reference:
                    # "... this is kwame, i want 3 kenkey"
                    found = inner
                    break
        if not found.lines and not found.asked and len(words) > 2:
            named = self.index.named_inside(words)
            if named is not None:  # "your waakye sweet paa": a mention, for "give me 3"
                self.last = named.code
                return
        for line, explicit in zip(found.lines, found.explicit, strict=True):
            if line.quantity > 0:
                self.add_line(line, explicit=explicit, reference=found.reference)
        if found.unmatched and found.worth_reporting:
            self.unmatched.append(found.unmatched)
        elif found.unmatched and len(words) <= _MAX_BARE_WORDS:
            self.weak.append((found.unmatched, found.closeness))

    def add_line(self, line: ItemRequest, *, explicit: bool, reference: bool) -> None:
        """Add a line, unless it only repeats the one before in this message.

        "egusi and pounded yam" name one dish twice; "kenkey and fish, 2" and "banku and
        talapia 1" give the quantity of the dish just named.
        """
        if (
            not explicit
            and line.note
            and not line.options  # "large jollof no pepper": a line of its own
            and line.code in self.context.cart
            and self.added_here(line.code) is None
        ):
            # "chai kam meetha" with chai in the cart: a wish about that chai, not another one
            self.ops.append(CartOp(OpKind.NOTE, replace(line, quantity=0)))
            self.last = line.code
            return
        index = len(self.ops) - 1
        previous = self.ops[index].item if self.ops and self.ops[-1].kind is OpKind.ADD else None
        if previous is not None and previous.code == line.code and not line.note:
            if not explicit:
                return
            if index in self.implicit:
                self.ops[index] = CartOp(OpKind.ADD, replace(previous, quantity=line.quantity))
                self.implicit.discard(index)
                return
        if reference and previous is not None and previous.code == line.code:
            # "2 vada pav, sorry 3": a bare number right after a line is its quantity
            self.ops[index] = CartOp(OpKind.ADD, replace(previous, quantity=line.quantity))
            return
        if self.correcting and (earlier := self.added_here(line.code)) is not None:
            # "4 samosa.. nahi nahi 3 samosa"
            self.ops[earlier] = CartOp(OpKind.ADD, line)
            return
        self.add(line)
        if not explicit:
            self.implicit.add(len(self.ops) - 1)

    def added_here(self, code: str) -> int | None:
        """The index of this message's ADD of `code`, if any."""
        return next(
            (
                i
                for i, op in enumerate(self.ops)
                if op.kind is OpKind.ADD and op.item and op.item.code == code
            ),
            None,
        )

    def has_verb(self, words: Words) -> bool:
        """Whether a piece says itself what to do with its items."""
        lex = self.lex
        if not lex.opens(words, _VERB_LEADS) and not lex.closes(words, _VERB_TAILS):
            return False
        return any(
            phrases.prefix(words)
            for phrases in (lex.request, lex.add, lex.remove, lex.phrases["set"], lex.only)
        ) or any(
            phrases.suffix(words) for phrases in (lex.remove_after, lex.add_after, lex.set_after)
        )
