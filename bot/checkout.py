"""Checkout in the chat: delivery or pickup, the address (and changing it), the summary,
placing the order once."""

from __future__ import annotations

from bot import opening, replies, wording
from bot.cart import CartLine
from bot.chat_step import CHECKOUT_STATES, MAX_ADDRESS, MIN_ADDRESS, SharedLocation, State
from bot.fulfilment_choice import (
    ASK_KEY,
    METHOD_KEY,
    FulfilmentSteps,
    collect_line,
    order_lines,
    staff_fulfilment_line,
    zone_change_note,
)
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


class CheckoutSteps(FulfilmentSteps):
    """The steps from a full cart to a placed order."""

    # The order this message placed and the cart it was placed from (its checkout's lines).
    placed: tuple[Order, list[CartLine]] | None = None

    def on_checkout(self, intent: Intent) -> str:
        if not self.lines:
            return self.cart_text()
        return self._advance(place=False, ask_address=False)

    def on_yes(self, intent: Intent) -> str:
        if not self.lines:
            number = self.data.get("last_order_number")
            if number and self.state == State.BROWSING:
                return replies.already_placed(number)
            return self.cart_text()
        # Delivery: the fee and where it goes are shown before the YES that places it.
        confirming = self.state == State.AWAITING_CONFIRMATION and ASK_KEY not in self.data
        return self._advance(place=confirming or not self.settings.delivers)

    def _advance(self, *, place: bool, ask_address: bool = True) -> str:
        """The next step to the order: delivery or pickup?, the address, the zone's
        questions, then the summary, or (`place`) the placed order."""
        self.data.pop(ASK_KEY, None)
        method = self._method()
        if method is None:
            return self._ask_method()
        if method == "delivery":
            if not self._known_address():
                if ask_address or place:
                    return self._ask_address()
            else:
                blocked = self._zone_gate()
                if blocked is not None:
                    return blocked
        if place:
            return self._place()
        self.state = State.AWAITING_CONFIRMATION
        return self._checkout_summary()

    def _ask_address(self) -> str:
        self.state = State.AWAITING_ADDRESS
        zones = self.settings.delivery_zones
        asked = replies.address_needed(
            self.lines,
            self.currency,
            delivery_fee=0 if zones else self.settings.delivery_fee,
            lang=self.lang,
        )
        areas = [area for zone in zones for area in zone.areas]
        if areas:
            asked += "\n" + wording.say(self.lang, "zone_areas", areas=", ".join(areas))
        return asked

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
            if not self.settings.delivers:
                return self.choose("delivery")  # says it only hands orders over
            self.data[METHOD_KEY] = "delivery"  # an address says how it is wanted
            following = self._advance(place=False)
            if self.state != State.AWAITING_CONFIRMATION:
                return following  # the zone's question, not "we'll deliver to"
            return saved + "\n\n" + following
        if self.data.get("last_order_number") and self._change_pending_address(text):
            return (
                saved + "\n" + "I've updated the address of your pending order and told the team. "
                "Reply *STATUS* to see where it is."
            )
        return saved + "\n" + wording.order_hint(self.lang, self.example)

    def _checkout_summary(self) -> str:
        settings = self.settings
        closed = opening.closed_text(settings, self.now, self.tenant.timezone, self.lang)
        method = self._method()
        if method == "delivery" and not settings.delivery_zones and not settings.pickup:
            summary = replies.checkout_reply(
                self.lines,
                self.currency,
                delivery_fee=settings.delivery_fee,
                address=self._known_address(),
                delivers=True,
                lang=self.lang,
            )
        else:
            fee, zone, label, where = self.fulfilment_summary(method)
            heading = wording.say(self.lang, "order_heading")
            priced = order_lines(self.lines, self.currency, self.lang, fee, label, bool(zone))
            summary = (
                f"*{heading}:*\n{priced}"
                + (f"\n\n{where}" if where else "")
                + "\n\n" + wording.say(self.lang, "checkout_question")
            )  # fmt: skip
        return ("" if closed is None else closed + "\n\n") + summary

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
        method = self._method()
        delivering = method == "delivery"
        address = self._known_address() if delivering else None
        location = self.data.get("location") if address == self.data.get("address") else None
        fee, zone = self._fee(method)
        data = OrderCreate(
            customer=CustomerIn(
                name=self.customer.name, phone=self.incoming.phone, address=address
            ),
            items=[
                OrderItemIn(
                    product_id=line.code,
                    quantity=line.quantity,
                    options=list(line.option_names),
                    note=line.note or None,
                )
                for line in self.lines
            ],
            notes=(self.data.get("order_note") or "")[:2000] or None,  # line notes ride their lines
            channel=Channel(self.incoming.channel),
            delivery_fee=fee,
            delivery=(
                DeliveryIn(
                    address=address,
                    location=Location(**location) if location else None,
                    zone=zone,
                )
                if delivering
                else DeliveryIn(method="pickup")
                if method == "pickup"
                else None
            ),
        )
        try:
            with self.session.begin_nested():  # a refusal undoes what placing wrote, only that
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
            _with_fulfilment(replies.new_order_alert(order), order),
            order_id=order.id,
            template="staff.new_order",
            variables=replies.new_order_alert_variables(order),
        )
        self.placed = (order, self.lines)
        self.lines, self.state, self.order_id = [], State.BROWSING, order.id
        for key in ("order_note", opening.HOLD_KEY, METHOD_KEY, ASK_KEY):
            self.data.pop(key, None)
        self.data["last_order_number"] = order.number
        placed = replies.order_placed(
            order, delivering=delivering, lang=self.lang, kind=settings.business_kind
        )
        if method == "pickup":  # where to collect it, above what happens next
            head, sep, tail = placed.rpartition("\n\n")
            placed = f"{head}\n{collect_line(settings.pickup_address, self.lang)}{sep}{tail}"
        if self.customer.opted_out:
            # Ordering is asking to hear about the order; STOP turns it off again.
            self.customer.opted_out = False
            placed += "\n\n" + replies.opted_back_in()
        return placed

    def _change_pending_address(self, address: str) -> bool:
        """Move a still-pending order to `address` and tell staff; False when it has moved on."""
        order = self._latest_order(lock=True)
        if (
            order is None
            or order.status != OrderStatus.PENDING
            or not self.settings.delivers
            or order.delivery.get("method") == "pickup"
        ):
            return False
        change_delivery_address(
            self.session, order, address, actor=f"customer:{self.incoming.phone}"
        )
        alert_staff(
            self.session,
            self.tenant,
            f"📍 Order #{order.number}: the customer changed the delivery address to: {address}"
            + zone_change_note(self.settings.delivery_zones, order, address),
            order_id=order.id,
        )
        self.order_id = order.id
        return True


def _with_fulfilment(alert: str, order: Order) -> str:
    """The staff alert with pickup or the delivery zone said above the command line."""
    line = staff_fulfilment_line(order)
    if line is None:
        return alert
    head, sep, tail = alert.rpartition("\n\nReply *CONFIRM")
    return f"{head}\n{line}{sep}{tail}" if sep else f"{alert}\n{line}"


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
