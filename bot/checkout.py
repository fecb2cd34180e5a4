"""Checkout in the chat: the summary, the address (and changing it), placing the order once."""

from __future__ import annotations

from bot import opening, replies, wording
from bot.cart import CartLine
from bot.chat_step import CHECKOUT_STATES, MAX_ADDRESS, MIN_ADDRESS, SharedLocation, State, StepBase
from bot.intents import Intent, IntentKind
from bot.language import lexicon, words_of
from bot.staff import alert_staff
from orders_core.delivery_schemas import DeliveryIn, Location
from orders_core.domain import Channel, OrderStatus
from orders_core.errors import DomainError
from orders_core.models import Order
from orders_core.schemas import CustomerIn, OrderCreate, OrderItemIn
from orders_core.services.orders import change_delivery_address
from orders_core.services.placing import place_order


class CheckoutSteps(StepBase):
    """The steps from a full cart to a placed order."""

    # The order this message placed and the cart it was placed from (its checkout's lines).
    placed: tuple[Order, list[CartLine]] | None = None

    def on_checkout(self, intent: Intent) -> str:
        if not self.lines:
            return self.cart_text()
        self.state = State.AWAITING_CONFIRMATION
        return self._checkout_summary()

    def on_yes(self, intent: Intent) -> str:
        if not self.lines:
            number = self.data.get("last_order_number")
            if number and self.state == State.BROWSING:
                return replies.already_placed(number)
            return self.cart_text()
        if self._needs_address():
            self.state = State.AWAITING_ADDRESS
            return replies.address_needed(
                self.lines,
                self.currency,
                delivery_fee=self.settings.delivery_fee,
                lang=self.lang,
            )
        if self.state == State.AWAITING_CONFIRMATION or not self.settings.delivers:
            return self._place()
        # Delivery: show the fee and where it goes before the YES that places it.
        self.state = State.AWAITING_CONFIRMATION
        return self._checkout_summary()

    def on_no(self, intent: Intent) -> str:
        if self.data.pop(opening.HOLD_KEY, None) is not None:
            self.state = State.CART
            return wording.say(self.lang, "closed_not_kept") + "\n\n" + self.cart_text()
        if self.state in CHECKOUT_STATES:
            self.state = State.CART
            return "OK, I haven't placed anything.\n\n" + self.cart_text()
        return "OK, nothing changed.\n\n" + self.cart_text()

    def on_address(self, intent: Intent) -> str:
        return self.address(intent.text or self.incoming.text.strip(), None)

    def address(self, text: str, location: SharedLocation | None) -> str:
        """Remember the delivery address; place the order if it was the last thing missing."""
        text = text.strip()[:MAX_ADDRESS]
        if len(text) < MIN_ADDRESS and location is None:
            return wording.say(self.lang, "ask_address")
        self.data["address"] = text
        if location is not None:
            self.data["location"] = {"latitude": location.latitude, "longitude": location.longitude}
        else:
            self.data.pop("location", None)
        saved = replies.address_saved(text, self.lang)
        if self.lines:
            self.state = State.AWAITING_CONFIRMATION
            return saved + "\n\n" + self._checkout_summary()
        if self.data.get("last_order_number") and self._change_pending_address(text):
            return (
                saved + "\n" + "I've updated the address of your pending order and told the team."
            )
        return saved + "\n" + wording.order_hint(self.lang, self.example)

    def _needs_address(self) -> bool:
        return self.settings.delivers and not self._known_address()

    def _known_address(self) -> str | None:
        return self.data.get("address") or self.customer.address

    def _checkout_summary(self) -> str:
        settings = self.settings
        closed = opening.closed_text(settings, self.now, self.tenant.timezone, self.lang)
        return ("" if closed is None else closed + "\n\n") + replies.checkout_reply(
            self.lines,
            self.currency,
            delivery_fee=settings.delivery_fee if settings.delivers else 0,
            address=self._known_address(),
            delivers=settings.delivers,
            lang=self.lang,
        )

    def _hold_for_opening(self, closed: str) -> str:
        """Keep the cart for opening (asked again then), or say when it cannot wait."""
        self.state = State.CART
        if not opening.can_hold(self.settings, self.now, self.tenant.timezone):
            return closed + "\n\n" + self.cart_text()
        self.data.setdefault(
            opening.HOLD_KEY,
            {"at": self.now.isoformat(), "channel": self.incoming.channel,
             "checkout": self.data.get(opening.CHECKOUT_KEY)},
        )  # fmt: skip
        return closed + " " + wording.say(self.lang, "closed_kept")

    def _place(self) -> str:
        settings = self.settings
        closed = opening.closed_text(settings, self.now, self.tenant.timezone, self.lang)
        if closed is not None:
            return self._hold_for_opening(closed)
        address = self._known_address() if settings.delivers else None
        location = self.data.get("location") if address == self.data.get("address") else None
        data = OrderCreate(
            customer=CustomerIn(
                name=self.customer.name, phone=self.incoming.phone, address=address
            ),
            items=[
                OrderItemIn(product_id=line.code, quantity=line.quantity) for line in self.lines
            ],
            notes=order_notes(self.lines, self.data.get("order_note")),
            channel=Channel(self.incoming.channel),
            delivery_fee=settings.delivery_fee if settings.delivers else 0,
            delivery=(
                DeliveryIn(address=address, location=Location(**location) if location else None)
                if settings.delivers
                else None
            ),
        )
        try:
            order = place_order(
                self.session,
                self.tenant,
                data,
                actor=f"customer:{self.incoming.phone}",
                catalog=self.product_by_code,
            )
        except DomainError as exc:
            self.state = State.CART
            return replies.placement_failed(exc.message)
        alert_staff(
            self.session,
            self.tenant,
            replies.new_order_alert(order),
            order_id=order.id,
            template="staff.new_order",
            variables=replies.new_order_alert_variables(order),
        )
        self.placed = (order, self.lines)
        self.lines, self.state, self.order_id = [], State.BROWSING, order.id
        self.data.pop("order_note", None)
        self.data.pop(opening.HOLD_KEY, None)
        self.data["last_order_number"] = order.number
        placed = replies.order_placed(
            order, delivering=settings.delivers, lang=self.lang, kind=settings.business_kind
        )
        if self.customer.opted_out:
            # Ordering is asking to hear about the order; STOP turns it off again.
            self.customer.opted_out = False
            placed += "\n\n" + replies.opted_back_in()
        return placed

    def _change_pending_address(self, address: str) -> bool:
        """Move a still-pending order to `address` and tell staff; False when it has moved on."""
        order = self._latest_order(lock=True)
        if order is None or order.status != OrderStatus.PENDING or not self.settings.delivers:
            return False
        change_delivery_address(
            self.session, order, address, actor=f"customer:{self.incoming.phone}"
        )
        alert_staff(
            self.session,
            self.tenant,
            f"📍 Order #{order.number}: the customer changed the delivery address to: {address}",
            order_id=order.id,
        )
        self.order_id = order.id
        return True


def looks_like_address(intent: Intent, text: str) -> bool:
    """While an address is awaited, free text (or items mixed with unknown words) is one."""
    if intent.kind == IntentKind.ADDRESS:
        return True
    if intent.kind == IntentKind.UNKNOWN:
        return not text.rstrip().endswith("?")  # a question is not where to deliver
    return intent.kind == IntentKind.ADD and bool(intent.unmatched)


def location_text(location: SharedLocation) -> str:
    return location.label or f"Shared location ({location.latitude:.5f}, {location.longitude:.5f})"


def street_like(text: str, packs: tuple[str, ...]) -> bool:
    """Whether free text reads like an address: a street word, or a house number and words."""
    words = words_of(text)
    if len(words) < 2 or text.rstrip().endswith("?"):
        return False
    if lexicon(packs).address_words.find(words) is not None:
        return True
    return any(w.isdecimal() for w in words) and sum(w.isalpha() for w in words) >= 2


def order_notes(lines: list[CartLine], order_note: str | None) -> str | None:
    """What the customer asked of the lines and the order, for the kitchen."""
    notes = [f"{line.name}: {line.note}" for line in lines if line.note]
    if order_note:
        notes.append(order_note)
    return "; ".join(notes)[:2000] or None
