"""Cart changes a message asks for, applied in order, and the questions they leave open.

Sold-out products are refused with alternatives; a line above the tenant's limit is held
and asked about; an unclear product is remembered with its quantity until the customer
says which one ("yes", "1", "the first one", or its name).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from bot import option_questions, wording
from bot.cart import CartLine, add_item, note_item, priced_options, remove_item, set_quantity
from bot.intents import CartOp, CatalogEntry, Intent, ItemRequest, OpKind
from bot.language import Lexicon, words_of
from bot.matching import index_of
from bot.option_reading import changed_options


@dataclass
class CartEdit:
    """One message's changes to a cart; `said` collects what the reply reports."""

    lines: list[CartLine]
    catalog: tuple[CatalogEntry, ...]
    data: dict[str, Any]
    limit: int
    lang: str
    said: list[str] = field(default_factory=list)
    added: dict[tuple[str, str], int] = field(default_factory=dict)
    changed: bool = False
    currency: str = ""

    @cached_property
    def by_code(self) -> dict[str, CatalogEntry]:
        """The catalog by product code, built once per message."""
        return {entry.code: entry for entry in self.catalog}

    def apply(self, intent: Intent, last_order: list[dict[str, Any]]) -> None:
        """Every cart change of `intent`, in order; then its unclear products as questions."""
        replaced = 0
        for op in intent.ops:
            if op.kind is OpKind.CLEAR:
                self.lines, self.changed = [], True
                option_questions.set_waiting(self.data, [])  # nor the lines waiting for one
                self.said.append(
                    "🗑️ "
                    + (
                        "Cart cleared."
                        if self.lang == "en"
                        else wording.say(self.lang, "cart_empty")
                    )
                )
            elif op.kind is OpKind.REPEAT:
                self.repeat(last_order)
            elif op.item is not None:
                replaced = self.item_op(op, replaced)
        self.flush_added()
        for note in intent.notes:
            self.data["order_note"] = ", ".join(filter(None, (self.data.get("order_note"), note)))[
                :300
            ]
            self.said.append(f"📝 Noted for the order: _{note}_")
        self.ask_unclear(intent)

    def item_op(self, op: CartOp, replaced: int) -> int:
        """One product change; returns the quantity a replacement should take."""
        item = op.item
        assert item is not None
        entry = self.by_code.get(item.code)
        if entry is None:
            return replaced
        label = wording.line_name(entry.name, priced_options(entry, item.options) or ())
        matching = [
            line for line in self.lines if line.code == item.code and line.has(item.options)
        ]
        if op.kind is OpKind.REMOVE:
            current = sum(line.quantity for line in matching)
            if not current:
                self.said.append(wording.say(self.lang, "not_in_cart", name=label))
                return replaced
            self.lines = remove_item(self.lines, item.code, item.quantity or None, item.options)
            removed = f"{item.quantity} × {label}" if item.quantity else label
            self.said.append(wording.say(self.lang, "removed", items=removed))
            self.changed = True
            return item.quantity or current
        if op.kind is OpKind.OPTIONS:
            self.change_options(entry, item.options)
            return replaced
        if op.kind is OpKind.NOTE:
            self.lines = note_item(self.lines, item.code, item.note, item.options)
            self.said.append(f"📝 {label}: _{item.note}_")
            self.changed = True
            return replaced
        quantity = max(replaced, 1) if op.takes_removed else item.quantity
        if not entry.available:
            self.sold_out(entry)
            return replaced
        current = sum(line.quantity for line in matching)
        total = quantity if op.kind is OpKind.SET else current + quantity
        if total > self.limit:
            self.data["held"] = {
                "code": entry.code,
                "quantity": quantity,
                "note": item.note,
                "set": op.kind is OpKind.SET,
                "options": list(item.options),
            }
            self.said.append(
                f"⚠️ {quantity} × *{label}* is a big order. Reply *YES* to add it, "
                f"or send the number you want, e.g. *{min(quantity, self.limit)}*."
            )
            return replaced
        exact = op.kind is OpKind.SET and bool(matching)
        self.put(entry, quantity, item.note, exact=exact, options=item.options)
        return replaced

    def change_options(self, entry: CatalogEntry, options: tuple[str, ...]) -> None:
        """Other options on the product's latest line that they change ("make it large");
        a line that then equals another is merged into it."""
        mine = [i for i, line in enumerate(self.lines) if line.code == entry.code]
        altered = [
            i
            for i in mine
            if changed_options(entry, self.lines[i].option_names, options)
            != self.lines[i].option_names
        ]  # "make the fish moi moi plain": the line it changes, not the plain one
        at = max(altered or mine, default=None)
        if at is None:
            self.said.append(wording.say(self.lang, "not_in_cart", name=entry.name))
            return
        line = self.lines[at]
        names = changed_options(entry, line.option_names, options)
        changed = replace(line, options=priced_options(entry, names) or line.options)
        same = next(
            (i for i, other in enumerate(self.lines)
             if i != at and (other.code, other.options, other.note)
             == (changed.code, changed.options, changed.note)),
            None,
        )  # fmt: skip
        lines = list(self.lines)
        if same is None:
            lines[at] = changed
        else:
            lines[same] = replace(lines[same], quantity=lines[same].quantity + line.quantity)
            del lines[at]
        self.lines, self.changed = lines, True
        item = wording.line_name(entry.name, changed.options)
        self.said.append(wording.say(self.lang, "option_changed", item=item))
        self.data["last_item"] = entry.code

    def put(
        self,
        entry: CatalogEntry,
        quantity: int,
        note: str,
        *,
        exact: bool,
        options: tuple[str, ...] = (),
    ) -> None:
        """Add (or set) a line and remember it as the product last discussed; a new line
        lacking a required option waits for the customer's choice instead."""
        priced = priced_options(entry, options) or ()
        self.data["last_item"] = entry.code
        if exact:
            self.flush_added()
            self.lines = set_quantity(self.lines, entry, quantity, note, options, priced)
            self.said.append(f"{wording.line_name(entry.name, priced)}: now {quantity}.")
        elif entry.missing_group(option.name for option in priced) is not None:
            option_questions.wait(self.data, entry, quantity, note, tuple(o.name for o in priced))
            return
        else:
            self.lines = add_item(self.lines, entry, quantity, note, priced)
            key = (wording.line_name(entry.name, priced), note)
            self.added[key] = self.added.get(key, 0) + quantity  # said once per line
        self.changed = True

    def flush_added(self) -> None:
        if self.added:
            items = ", ".join(
                f"{quantity} × {name}" + (f" ({note})" if note else "")
                for (name, note), quantity in self.added.items()
            )
            self.said.append(wording.say(self.lang, "added", items=items))
            self.added = {}

    def sold_out(self, entry: CatalogEntry) -> None:
        """Say the product is sold out, and what is close to it."""
        text = wording.say(self.lang, "sold_out", name=entry.name)
        instead = index_of(self.catalog).closest(entry)
        if instead:
            names = " / ".join(f"*{other.name}*" for other in instead)
            text += " " + wording.say(self.lang, "sold_out_instead", names=names)
        self.said.append(text)

    def repeat(self, last_order: list[dict[str, Any]]) -> None:
        """The customer's last order again, as far as it is still sold."""
        if not last_order:
            self.said.append("You have no earlier order to repeat yet.")
            return
        for item in last_order:
            entry = self.by_code.get(str(item.get("code")))
            if entry is None:
                self.said.append(f"{item.get('name')} is no longer on the menu.")
            elif not entry.available:
                self.sold_out(entry)
            else:
                options = tuple(str(name) for name in item.get("options") or [])
                quantity, note = int(item.get("quantity", 1)), str(item.get("note") or "")
                self.put(entry, quantity, note, exact=False, options=options)

    def ask_unclear(self, intent: Intent) -> None:
        """A question for every unclear product; the first one with choices is remembered
        (beside the lines waiting for an option, which stay)."""
        option_questions.forget_choice(self.data)
        for unmatched in intent.unmatched:
            self.said.append(wording.did_you_mean(self.lang, unmatched.text, unmatched.suggestions))
            codes = [
                e.code for name in unmatched.suggestions for e in self.catalog if e.name == name
            ]
            if codes and "codes" not in self.data.get("pending", {}):
                self.data["pending"] = self.data.get("pending", {}) | {
                    "codes": codes[:3],
                    "quantity": unmatched.quantity,
                    "note": unmatched.note,
                }


def answer_choice(text: str, pending: dict[str, Any], chosen_yes: bool, lex: Lexicon) -> str | None:
    """The code a reply to "did you mean 1. X / 2. Y?" picks, if it picks one."""
    codes = list(pending.get("codes", []))
    skipped = lex.singles["choice_fillers"] | lex.singles["yes"]
    words = [w for w in words_of(text) if w not in skipped]
    if len(words) == 1:
        word = words[0]
        index = lex.ordinals.get(word) or lex.numbers.get(word)
        if word.isdecimal() and len(word) <= 2:
            index = int(word)
        if index is not None and 1 <= index <= len(codes):
            return codes[index - 1]
    if chosen_yes and codes and not words:
        return codes[0]
    return None


def held_line(
    data: dict[str, Any], catalog: tuple[CatalogEntry, ...]
) -> tuple[CatalogEntry, ItemRequest, bool] | None:
    """The big line waiting for a yes, if any."""
    held = data.get("held")
    entry = next((e for e in catalog if held and e.code == held.get("code")), None)
    if entry is None or not held:
        return None
    options = tuple(str(name) for name in held.get("options") or [])
    note = str(held.get("note") or "")
    return (
        entry,
        ItemRequest(entry.code, entry.name, int(held["quantity"]), note, options),
        bool(held.get("set")),
    )
