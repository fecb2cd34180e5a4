"""Cart steps in the chat: edits, questions about products, clarifications, languages."""

from __future__ import annotations

from typing import Any

from bot import option_questions, wording
from bot.cart_edits import CartEdit, answer_choice, held_line
from bot.chat_step import CHECKOUT_STATES, State, StepBase, short_name
from bot.intents import Intent, IntentKind
from bot.language import lexicon
from orders_core.domain import format_money


class CartSteps(StepBase):
    """The steps that change or explain the cart."""

    def on_unknown(self, intent: Intent) -> str:
        if intent.unmatched:
            return self.edit(intent)
        sorry = wording.say(self.lang, "not_understood")
        if intent.text:
            sorry = sorry.rstrip(".") + f': "{intent.text[:60]}".'
        text = f"{sorry} {wording.order_hint(self.lang, self.example)}"
        return self._with_pending_question(text + "\n" + "Reply *HELP* for more.")

    def on_language(self, intent: Intent) -> str:
        self.data["lang"] = lexicon(self.packs).replies_language.get(intent.text, "en")
        self.data["lang_fixed"] = True
        text = wording.say(self.lang, "language_set")
        return (
            text
            + "\n\n"
            + (self.cart_text() if self.lines else wording.order_hint(self.lang, self.example))
        )

    def on_ask(self, intent: Intent) -> str:
        answers = []
        for asked in intent.asks:
            entry = self.by_code.get(asked.code)
            if entry is None:
                continue
            self.data["last_item"] = entry.code
            if not entry.available:
                edit = self._edit()
                edit.sold_out(entry)
                answers.extend(edit.said)
                continue
            price = wording.say(
                self.lang,
                "price",
                name=entry.name,
                price=format_money(entry.unit_price, self.currency),
            )
            answers.append(
                price + " " + wording.say(self.lang, "price_order", item=short_name(entry))
            )
        answers += [
            wording.did_you_mean(self.lang, u.text, u.suggestions) for u in intent.unmatched
        ]
        return self._with_pending_question(
            "\n".join(answers) or wording.say(self.lang, "not_understood")
        )

    def _edit(self) -> CartEdit:
        limit = self.settings.max_line_quantity
        return CartEdit(
            self.lines, self.catalog, self.data, limit, self.lang, currency=self.currency
        )

    def edit(self, intent: Intent) -> str:
        """Apply the message's cart changes; answer with what changed, questions, the cart."""
        edit = self._edit()
        last_order = (
            self._last_order_items() if any(op.kind.value == "repeat" for op in intent.ops) else []
        )
        edit.apply(intent, last_order)
        self.lines = edit.lines
        if edit.changed and self.state in CHECKOUT_STATES:
            self.state = State.CART
        if intent.asks:
            edit.said.append(self.on_ask(Intent(IntentKind.ASK, asks=intent.asks)))
        if intent.then is IntentKind.CHECKOUT and self.lines:
            return "\n".join(edit.said) + "\n\n" + self.on_checkout(intent)
        self.state = State.CART if self.lines else State.BROWSING
        asked = option_questions.first_question(self.data, self.by_code, self.lang, self.currency)
        parts = edit.said or ([] if asked else [wording.say(self.lang, "not_understood")])
        cart = self.cart_text() if self.lines or not asked else ""
        return "\n\n".join(filter(None, ("\n".join(parts), cart, asked)))

    on_add = on_remove = on_set_quantity = on_edit = on_repeat = edit

    def open_question(self, intent: Intent) -> str | None:
        """The answer when the message settles a line waiting for an option, a held big
        line or a "did you mean"."""
        if option_questions.waiting(self.data):
            answered = self.option_answer(intent)
            if answered is not None:
                return answered
        held = held_line(self.data, self.catalog)
        if held is not None:
            entry, item, exact = held
            self.data.pop("held", None)
            amount = self.incoming.text.strip()
            if intent.kind == IntentKind.YES or (amount.isdecimal() and 0 < int(amount) <= 10_000):
                quantity = int(amount) if amount.isdecimal() else item.quantity
                edit = self._edit()
                edit.limit = max(edit.limit, quantity)
                edit.put(entry, quantity, item.note, exact=exact, options=item.options)
                edit.flush_added()
                self.lines, self.state = edit.lines, State.CART
                return self.with_option_question("\n".join(edit.said) + "\n\n" + self.cart_text())
            if intent.kind == IntentKind.NO:
                return f"OK, I left {entry.name} out.\n\n" + self.cart_text()
        pending = self.data.get("pending")
        if not pending or "codes" not in pending:
            return None
        code = answer_choice(
            self.incoming.text, pending, intent.kind == IntentKind.YES, lexicon(self.packs)
        )
        options: tuple[str, ...] = ()
        if code is None and intent.kind == IntentKind.ADD and len(intent.items) == 1:
            item = intent.items[0]  # "egg" to "did you mean Moi Moi?" names it and its option
            if item.code in pending.get("codes", []):
                code, options = item.code, item.options
        option_questions.forget_choice(self.data)
        entry = self.by_code.get(code) if code else None
        if entry is None:
            if intent.kind == IntentKind.NO:
                return "OK, I won't add it.\n\n" + self.cart_text()
            return None
        edit = self._edit()
        if not entry.available:
            edit.sold_out(entry)
        else:
            edit.put(
                entry,
                int(pending.get("quantity") or 1),
                str(pending.get("note") or ""),
                exact=False,
                options=options,
            )
            edit.flush_added()
        self.lines = edit.lines
        self.state = State.CART if self.lines else State.BROWSING
        said = "\n".join(edit.said)
        # An empty cart's "tell me what you'd like" would only stand before the question.
        cart = self.cart_text() if self.lines or not option_questions.waiting(self.data) else ""
        return self.with_option_question("\n\n".join(filter(None, (said, cart))))

    def option_answer(self, intent: Intent) -> str | None:
        """The reply when the message answers the question about the first waiting line
        (or says NO to it); None when it is about something else (the question stays)."""
        lines = option_questions.waiting(self.data)
        line = lines[0]
        entry = self.by_code.get(str(line.get("code")))
        group = entry.missing_group(line.get("options") or []) if entry else None
        if entry is None or group is None:  # gone from the menu, or nothing left to ask
            option_questions.set_waiting(self.data, lines[1:])
            return None
        kind = intent.kind
        if kind in (IntentKind.CLEAR, IntentKind.CANCEL):
            option_questions.set_waiting(self.data, [])
            return None
        if kind == IntentKind.NO:
            option_questions.set_waiting(self.data, lines[1:])
            said = wording.say(self.lang, "option_dropped", name=entry.name)
            return self.with_option_question(said + "\n\n" + self.cart_text())
        chosen = option_questions.choose(
            self.incoming.text, entry, group, lexicon(self.packs), self.catalog
        )
        if chosen is None:
            if kind in (IntentKind.YES, IntentKind.CHECKOUT):
                first = wording.say(self.lang, "option_first")
                return first + " " + (self.with_option_question("").strip())
            return None
        options = (*line.get("options", []), chosen)
        option_questions.set_waiting(self.data, lines[1:])
        edit = self._edit()
        if entry.missing_group(options) is not None:  # another required group to ask
            rest = option_questions.waiting(self.data)
            option_questions.set_waiting(self.data, [line | {"options": list(options)}, *rest])
            return self.with_option_question("")
        if not entry.available:
            edit.sold_out(entry)
        else:
            quantity = int(line.get("quantity") or 1)
            edit.put(entry, quantity, str(line.get("note") or ""), exact=False, options=options)
            edit.flush_added()
        self.lines = edit.lines
        self.state = State.CART if self.lines else State.BROWSING
        return self.with_option_question("\n".join(edit.said) + "\n\n" + self.cart_text())

    def _last_order_items(self) -> list[dict[str, Any]]:
        order = self._latest_order()
        if order is None:
            return []
        return [
            {
                "code": i.product_code,
                "name": i.name,
                "quantity": i.quantity,
                "note": i.note or "",
                "options": [str(o["name"]) for o in i.options or []],
            }
            for i in order.items
        ]

    def on_show_cart(self, intent: Intent) -> str:
        if self.state in CHECKOUT_STATES and self.lines:
            return self._checkout_summary()
        return self.with_option_question(self.cart_text())

    def on_clear(self, intent: Intent) -> str:
        self.lines, self.state = [], State.BROWSING
        option_questions.set_waiting(self.data, [])
        return (
            f"{wording.say(self.lang, 'cart_empty')} {wording.order_hint(self.lang, self.example)}"
        )
