"""A message read as sentences, sentences as pieces, pieces as cart acts, questions and commands.

Each piece ("2 jollof no onions", "lassi hata do", "make it 4", "how much is fish") is tried
against the rules from the most specific; the words of every active language pack come
from the lexicon. The reader is pure: the same words, catalog and context give the same acts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.acts import ActReader
from bot.intents import CartOp, Intent, IntentKind, OpKind
from bot.language import ASK, SEP, Words, words_of
from bot.matching import NEAR_MISS
from bot.option_reading import OptionReader, item_with_options
from bot.quantities import leading_amount, number

K = IntentKind
_COMMANDS = (
    ("yes", K.YES), ("no", K.NO), ("greet", K.GREET), ("thanks", K.THANKS),
    ("menu", K.MENU), ("show_cart", K.SHOW_CART), ("clear", K.CLEAR),
    ("checkout", K.CHECKOUT), ("status", K.STATUS), ("cancel", K.CANCEL), ("help", K.HELP),
    ("human", K.HUMAN), ("repeat", K.REPEAT),
)  # fmt: skip
_SOCIAL = frozenset({K.YES, K.NO, K.GREET, K.THANKS})
_SOCIAL_MEANINGS = ("greet", "chatter", "thanks", "yes", "no")  # in the order they are tried
_SOCIAL_OPENERS = frozenset(_SOCIAL_MEANINGS)
_ONTO = frozenset({"to", "on", "onto", "for", "inside"})  # "add chicken to the jollof"


@dataclass
class Reader(ActReader):
    """Reads one whole message."""

    # The piece before had a with-word: "with chicken and plantain" are both extras.
    after_with: bool = False

    def read(self, tokens: Words) -> Intent:
        """The intent of a whole message (its tokens, separators included)."""
        sentence: list[str] = []
        for index, token in enumerate((*tokens, SEP)):
            if token in (SEP, ASK):
                if index < len(tokens) and self.lex.instead.whole(tuple(sentence[:2])):
                    continue  # "instead of malt, give me zobo" is one sentence
                if sentence:
                    self.sentence(tuple(sentence), asked=token == ASK)
                sentence = []
            else:
                sentence.append(token)
        return self.intent()

    def sentence(self, words: Words, *, asked: bool) -> None:
        """One sentence: a replacement as a whole, else its pieces between connectors."""
        core = self.trim(words)
        if core and (self.command(core) or self.replacement(core)):
            return
        words, each = self.distributed(words)
        lex = self.lex
        asking = asked or (
            any(p.find(words) for p in (lex.price_question, lex.availability_question))
            and not self.counted(words)
            and not lex.request.find(words)
        )  # "dosa aur idli ka rate batao" asks about both
        first, mode = len(self.ops), ""
        self.after_with = False
        for piece in self.sharing_names(self.pieces(words)):
            mode = self.piece(piece, asked=asking, mode=mode)
            self.after_with = self.lex.phrases["option_with"].find(piece) is not None
        if each is not None:
            for i in range(first, len(self.ops)):
                op = self.ops[i]
                if op.kind is OpKind.ADD and op.item and i in self.implicit:
                    self.ops[i] = CartOp(OpKind.ADD, replace(op.item, quantity=each))

    def distributed(self, words: Words) -> tuple[Words, int | None]:
        """ "chai aur coffee 2-2", "poha upma ek ek": a number said twice is each one's."""
        for i in range(len(words) - 1):
            if words[i] != words[i + 1]:
                continue
            a, b = number(self.lex, words, i), number(self.lex, words, i + 1)
            if a and b and a[1] == 1 and a[0] >= 1 and int(a[0]) == a[0]:
                return (*words[:i], *words[i + 2 :]), int(a[0])
        return words, None

    def piece(self, words: Words, *, asked: bool, mode: str = "") -> str:
        """One piece, tried against the rules from the most specific; returns how it was read.

        A piece with no verb of its own after a removal or a change is one too: "remove 2
        chapman and the dodo", "make it 2 chapman and 1 zobo".
        """
        if self.lex.chatter.whole(words) or self.command(words):
            return ""
        if self.question(words, asked=False):
            return "ask"
        if self.lex.set_after.suffix(words) and self.setting(words):
            return "set"  # "chapo mbili tu": the "tu" that trimming drops says "only"
        words = self.trim(words)
        while words and (taken := self.social_prefix(words)):
            words = self.trim(words[taken:])
        if not words or self.lex.chatter.whole(words):
            return ""
        if self.command(words) or self.question(words, asked=asked):
            return ""
        request = self.lex.request.prefix(words)
        if request and self.lex.repeat.whole(self.trim(words[request:])):
            self.ops.append(CartOp(OpKind.REPEAT))  # "nipe kama jana"
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
        if self.more_options(words) or self.options_onto(words):
            return "add"
        stripped = self.strip_request(words)[0]
        if item_with_options(self.lex, self.index, stripped, None, 1) is not None:
            self.item_line(words)  # "small jollof with extra plantain" is no wish alone
            return "add"
        if self.modifier(words) or self.replacement(words):
            return ""
        self.item_line(words)
        return "add"

    def sharing_names(self, pieces: list[Words]) -> list[Words]:
        """ "1 large and 1 small jollof", "chai moja kubwa na mbili ndogo": a piece of only an
        amount and options takes the name of the product with options the next piece (else
        the one before) names, when they are that product's options."""
        reader = OptionReader.of(self.lex, self.index) if len(pieces) > 1 else None
        if reader is None:
            return pieces
        result = list(pieces)
        for i, piece in enumerate(pieces):
            amount, rest = leading_amount(self.lex, piece)
            if not amount.written or not rest or not reader.mentions(rest):
                continue
            if self.index.named_inside(rest) is not None:
                continue
            for other in (*pieces[i + 1 :], *reversed(pieces[:i])):
                found = item_with_options(self.lex, self.index, other, None, 1)
                entry = self.entry(found[0].code) if found else self.index.named_inside(other)
                if entry is None or not entry.option_groups:
                    continue
                if reader.around(entry, (), rest) is not None:
                    result[i] = (*piece, *words_of(entry.name))
                break
        return result

    def more_options(self, words: Words) -> bool:
        """ "jollof large with chicken and beef", "chips kubwa na sausage": a piece of only
        options of a line this message named goes on the latest such line. A product's own
        name stays the product ("jollof and chicken") unless the piece before had a
        with-word ("jollof with chicken and plantain")."""
        lines = self.lines_here()
        reader = OptionReader.of(self.lex, self.index) if lines else None
        if reader is None or not reader.mentions(words):
            return False
        for op in reversed(lines):  # the latest line whose product has these options
            assert op.item is not None
            entry = self.entry(op.item.code)
            found = reader.around(entry, (), words, asked=self.after_with) if entry else None
            if entry is None or found is None:
                continue
            options = reader.ordered(entry, [*op.item.options, *found.options])
            note = ", ".join(filter(None, (op.item.note, found.note)))
            item = replace(op.item, options=options, note=note)
            self.ops[self.ops.index(op)] = replace(op, item=item)
            return True
        return False

    def options_onto(self, words: Words) -> bool:
        """ "add chicken to the jollof", "put extra cheese on my shawarma": extras put on a
        line of the cart (or of this message)."""
        onto = next((i for i, w in enumerate(words) if w in _ONTO and 0 < i < len(words) - 1), None)
        if onto is None:
            return False
        extras, _ = self.strip_request(words[:onto])
        named = tuple(w for w in words[onto + 1 :] if w not in self.lex.singles["pointers"])
        entry = self.index.match(named).entry if named else None
        if entry is None or not extras:
            return False
        here = self.last
        self.last = entry.code  # the line the extras go on
        if self.option_change(extras, adding=True):
            return True
        self.last = here
        return False

    def social_prefix(self, words: Words) -> int:
        """Greetings and chit-chat at the start of a piece that still goes on."""
        if not self.lex.opens(words, _SOCIAL_OPENERS):
            return 0
        for meaning in _SOCIAL_MEANINGS:
            taken = self.lex.phrases[meaning].prefix(words)
            if not taken or taken >= len(words) or self.index.entry(" ".join(words)) is not None:
                continue
            rest = self.trim(words[taken:])
            if meaning in ("yes", "no") and not (self.has_verb(rest) or number(self.lex, rest, 0)):
                continue  # "no onions" is a wish, "no plantain" a removal
            if meaning == "greet":
                self.commands.append(K.GREET)
            self.correcting = self.correcting or meaning == "no"
            return taken
        return 0

    def command(self, words: Words) -> bool:
        """A whole piece that is a command: "menu", "what's the total", "na all", "same again"."""
        found = self.lex.context_before.find(words, 1)
        again = found is not None and self.lex.repeat.whole(words[: found[0]])
        meanings = self.lex.meanings.get(words)
        if (not again and meanings is None) or self.index.entry(" ".join(words)) is not None:
            return False
        if again:
            self.ops.append(CartOp(OpKind.REPEAT))
            return True  # "same again for my brother"
        for meaning, kind in _COMMANDS:
            if meanings and meaning in meanings:
                if kind is K.CLEAR:
                    self.ops.append(CartOp(OpKind.CLEAR))
                elif kind is K.REPEAT:
                    self.ops.append(CartOp(OpKind.REPEAT))
                else:
                    self.commands.append(kind)
                return True
        return False

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
            return Intent(K.UNKNOWN, unmatched=tuple(unclear), text=text, language=self.language)
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
            language=self.language,
        )


_OPS_KIND = {
    frozenset({OpKind.ADD}): K.ADD,
    frozenset({OpKind.REMOVE}): K.REMOVE,
    frozenset({OpKind.SET}): K.SET_QUANTITY,
    frozenset({OpKind.CLEAR}): K.CLEAR,
    frozenset({OpKind.REPEAT}): K.REPEAT,
}
