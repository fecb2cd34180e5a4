"""Delivery or pickup at checkout, and the delivery zone of the address: the questions, how
customers answer them in each language, and the fee the answer puts on the order."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Literal

from bot import wording
from bot.cart import CartLine, cart_total
from bot.chat_step import CHECKOUT_STATES, SharedLocation, State, StepBase
from bot.intents import Intent, IntentKind
from bot.language import Phrases, lexicon, words_of
from bot.language.lexicon import pack_data
from orders_core.delivery_schemas import Location
from orders_core.delivery_zones import (
    DeliveryZone,
    ZoneFound,
    area_names,
    farthest_km,
    find_zone,
    zone_named,
    zones_by_area,
)
from orders_core.domain import format_money
from orders_core.models import Order

Method = Literal["delivery", "pickup", ""]  # "": the business neither delivers nor lists pickup
# conversation.data keys
METHOD_KEY = "method"  # "delivery" or "pickup", as the customer chose for this cart
ASK_KEY = "ask"  # the question open: "method" (delivery or pickup?) or "area" (which area?)
AREA_CHOICES_KEY = "area_choices"  # the zone names the area question listed, in its order
AREA_ASKED_KEY = "area_asked"  # the address whose area was asked once already
ZONE_KEY = "zone"  # {"for": address, "name": zone}: the zone the customer picked for it
# Answers that are no answer to a checkout question: left to the rest of the conversation.
_NOT_ANSWERS = frozenset({
    IntentKind.NO, IntentKind.CANCEL, IntentKind.STATUS, IntentKind.HUMAN, IntentKind.MENU,
    IntentKind.CLEAR, IntentKind.STOP, IntentKind.START, IntentKind.HELP, IntentKind.LANGUAGE,
})  # fmt: skip


@cache
def choice_words(packs: tuple[str, ...]) -> tuple[Phrases, Phrases]:
    """The phrases that choose pickup and delivery in `packs` (the `[zones]` tables)."""
    pickup: list[tuple[str, ...]] = []
    delivery: list[tuple[str, ...]] = []
    for code in lexicon(packs).codes:
        table = pack_data(code).get("zones", {})
        pickup.extend(words_of(text) for text in table.get("pickup", ()))
        delivery.extend(words_of(text) for text in table.get("delivery", ()))
    return Phrases.of(pickup), Phrases.of(delivery)


def read_choice(text: str, packs: tuple[str, ...], *, numbered: bool) -> tuple[Method | None, bool]:
    """Delivery or pickup, if `text` chooses one, and whether that is all it says: a choice
    phrase as the whole message ("delivery please", "I go come carry am"), (`numbered`) 1 or
    2, or a pickup phrase among other words ("2 jollof, I'll pick it up")."""
    lex = lexicon(packs)
    pickup, delivery = choice_words(packs)
    words = words_of(text)
    skipped = lex.singles.get("polite", frozenset()) | lex.singles.get("yes", frozenset())
    kept = tuple(w for w in words if w not in skipped)
    if kept and pickup.whole(kept):
        return "pickup", True
    if kept and delivery.whole(kept):
        return "delivery", True
    if numbered:
        method = {1: "delivery", 2: "pickup"}.get(_number(kept, packs) or 0)
        if method is not None:
            return method, True  # type: ignore[return-value]
    return ("pickup" if pickup.find(words) is not None else None), False


def _number(words: Sequence[str], packs: tuple[str, ...]) -> int | None:
    """The number a one-word answer to a numbered question gives ("2", "two", "mbili")."""
    lex = lexicon(packs)
    fillers = lex.singles.get("choice_fillers", frozenset())
    left = [w for w in words if w not in fillers]
    if len(left) != 1:
        return None
    word = left[0]
    if word.isdecimal() and len(word) <= 2:
        return int(word)
    return lex.ordinals.get(word) or lex.numbers.get(word)


class FulfilmentSteps(StepBase):
    """How the cart reaches the customer: the method, the zone and its fee and minimum."""

    def _advance(self, *, place: bool, ask_address: bool = True) -> str:
        """The next checkout step (defined by the checkout steps)."""
        raise NotImplementedError

    def _known_address(self) -> str | None:
        return self.data.get("address") or self.customer.address

    def _method(self) -> Method | None:
        """How this cart is fulfilled; None while the customer has still to choose."""
        settings = self.settings
        if settings.delivers and settings.pickup:
            chosen = self.data.get(METHOD_KEY)
            return chosen if chosen in ("delivery", "pickup") else None
        if settings.delivers:
            return "delivery"
        return "pickup" if settings.pickup else ""

    def fulfilment_reply(self, intent: Intent) -> str | None:
        """The answer when the message chooses delivery or pickup, or answers the question
        of which area; None when it is about something else."""
        if intent.kind in _NOT_ANSWERS:
            return None
        ask = self.data.get(ASK_KEY) if self.state in CHECKOUT_STATES else None
        numbered = ask == "method" and self.state == State.AWAITING_ADDRESS
        choice, whole = read_choice(self.incoming.text, self.packs, numbered=numbered)
        if choice is not None and not whole and intent.ops:
            # "2 jollof, I'll pick it up": the items go in, the choice waits for checkout.
            if self._method() is None:
                self.data[METHOD_KEY] = choice
            return None
        if not self.lines:
            return None
        if choice is not None:
            return self.choose(choice)
        area = self._delivery_to_area() if intent.kind != IntentKind.ADDRESS else None
        if area is not None:
            return self.address(area, None)
        if ask == "area" and self.state == State.AWAITING_ADDRESS:
            return self._area_answer(intent)
        if numbered:
            if intent.kind == IntentKind.YES:
                return self._ask_method()
            if intent.kind in (IntentKind.UNKNOWN, IntentKind.ADDRESS) and zones_by_area(
                self.settings.delivery_zones, self.incoming.text
            ):  # an area name alone: delivery there
                return self.address(intent.text or self.incoming.text.strip(), None)
        return None

    def _delivery_to_area(self) -> str | None:
        """The area in "niletee Lavington" / "Bandra mein deliver karo": a delivery phrase
        before or after the name of an area the business delivers to."""
        zones = self.settings.delivery_zones
        if not zones or self.state == State.AWAITING_ADDRESS:
            return None
        _, delivery = choice_words(self.packs)
        words = words_of(self.incoming.text)
        rest = words[delivery.prefix(words) :] or words
        rest = rest[: len(rest) - delivery.suffix(rest)]
        if len(rest) == len(words) or not rest:
            return None
        area = " ".join(rest)
        return area.title() if zones_by_area(zones, area) else None

    def address(self, text: str, location: SharedLocation | None) -> str:
        """Remember the delivery address (defined by the checkout steps)."""
        raise NotImplementedError

    def choose(self, method: Method) -> str:
        """Take the customer's delivery-or-pickup choice (or say why it cannot be) and go on."""
        settings, said = self.settings, ""
        if method == "pickup" and not settings.pickup:
            said, method = wording.say(self.lang, "fulfil_no_pickup"), "delivery"
        if method == "delivery" and not settings.delivers:
            said = wording.say(self.lang, "fulfil_no_delivery", where=self._pickup_where())
            method = "pickup" if settings.pickup else ""
        self.data[METHOD_KEY] = method
        self.data.pop(ASK_KEY, None)
        following = self._advance(place=False)
        return f"{said}\n\n{following}" if said else following

    def _ask_method(self) -> str:
        """The order so far and "Delivery or pickup?", numbered (an address answers it too)."""
        self.state = State.AWAITING_ADDRESS
        self.data[ASK_KEY] = "method"
        zones, flat = self.settings.delivery_zones, self.settings.delivery_fee
        fees = {zone.fee for zone in zones}
        if zones and len(fees) > 1:
            delivery_note = f" ({wording.say(self.lang, 'fulfil_fee_by_area')})"
        elif fees or flat:
            fee = next(iter(fees)) if fees else flat
            delivery_note = f" ({format_money(fee, self.currency)})" if fee else ""
        else:
            delivery_note = ""
        pickup_address = self.settings.pickup_address
        heading = wording.say(self.lang, "order_heading")
        return (
            f"*{heading}:*\n{wording.cart_lines(self.lines, self.currency, self.lang)}\n\n"
            + wording.say(
                self.lang, "fulfil_question", delivery_note=delivery_note,
                pickup_note=f" — {pickup_address}" if pickup_address else "",
            )
        )  # fmt: skip

    def _pickup_where(self) -> str:
        address = self.settings.pickup_address
        return f" ({address})" if address else ""

    def _zone(self) -> DeliveryZone | None:
        """The delivery zone of the known address, when the business has zones."""
        return self._zone_found().zone if self.settings.delivery_zones else None

    def _zone_found(self) -> ZoneFound:
        zones, address = self.settings.delivery_zones, self._known_address()
        picked = self.data.get(ZONE_KEY)
        if picked and picked.get("for") == address:
            zone = zone_named(zones, str(picked.get("name")))
            if zone is not None:
                return ZoneFound((zone,))
        pin = self.data.get("location") if address == self.data.get("address") else None
        return find_zone(
            zones, address=address, point=Location(**pin) if pin else None,
            shop=self.settings.location,
        )  # fmt: skip

    def _fee(self, method: Method | None) -> tuple[int, str | None]:
        """The delivery fee of the cart and the zone it is for."""
        if method != "delivery":
            return 0, None
        if not self.settings.delivery_zones:
            return self.settings.delivery_fee, None
        zone = self._zone()
        return (zone.fee, zone.name) if zone is not None else (0, None)

    def _zone_gate(self) -> str | None:
        """Why the cart cannot be delivered yet (the question to settle it), or None."""
        if not self.settings.delivery_zones:
            return None
        found = self._zone_found()
        zone = found.zone
        if zone is None:
            return self._no_zone(found)
        subtotal = cart_total(self.lines)
        if subtotal >= zone.min_order:
            return None
        self.state = State.CART
        text = wording.say(
            self.lang, "zone_minimum", zone=zone.name,
            minimum=format_money(zone.min_order, self.currency),
            more=format_money(zone.min_order - subtotal, self.currency),
        )  # fmt: skip
        if self.settings.pickup:
            text += "\n" + wording.say(self.lang, "zone_minimum_pickup")
        return text + "\n\n" + self.cart_text()

    def _no_zone(self, found: ZoneFound) -> str:
        """No zone for the address: which area (asked once per address), else not served."""
        zones, address = self.settings.delivery_zones, self._known_address() or ""
        self.state = State.AWAITING_ADDRESS
        named = tuple(zone for zone in zones if zone.areas)
        pinned = found.km is not None
        if self.data.get(AREA_ASKED_KEY) != address and (found.zones or (named and not pinned)):
            self.data[AREA_ASKED_KEY] = address
            return self._ask_area(address, found.zones or named)
        if self.data.get(AREA_ASKED_KEY) != address and not named and not pinned:
            self.data[AREA_ASKED_KEY] = address
            return wording.say(self.lang, "zone_share_location", address=address)
        return self._not_served(address, found.km)

    def _ask_area(self, address: str, zones: Sequence[DeliveryZone]) -> str:
        self.data[ASK_KEY] = "area"
        self.data[AREA_CHOICES_KEY] = [zone.name for zone in zones]
        choices = "\n".join(
            f"{i}. {zone.name}" + (f" ({', '.join(zone.areas)})" if zone.areas != [zone.name] else "")
            + (f" — {format_money(zone.fee, self.currency)}" if zone.fee else "")
            for i, zone in enumerate(zones, 1)
        )  # fmt: skip
        return (
            wording.say(self.lang, "zone_which_area", address=address, choices=choices)
            + "\n"
            + wording.say(self.lang, "zone_none_of_these")
        )

    def _not_served(self, address: str, km: float | None) -> str:
        """Sorry, not there: where the business does deliver, and pickup if it has it."""
        zones = self.settings.delivery_zones
        self.data.pop(ASK_KEY, None)
        self.state = State.AWAITING_ADDRESS
        farthest = farthest_km(zones)
        if km is not None and farthest is not None:
            text = wording.say(self.lang, "zone_too_far", km=f"{km:.1f}", max_km=f"{farthest:g}")
        else:
            text = wording.say(self.lang, "zone_not_served", address=address)
        areas = area_names(zones)
        if areas:
            text += " " + wording.say(self.lang, "zone_areas", areas=", ".join(areas))
        elif farthest is not None and km is None:
            text += " " + wording.say(self.lang, "zone_bands", km=f"{farthest:g}")
        key = "zone_offer_pickup" if self.settings.pickup else "zone_another_address"
        return text + "\n" + wording.say(self.lang, key, where=self._pickup_where())

    def _area_answer(self, intent: Intent) -> str | None:
        """The zone the answer to "which area?" picks; not served when it picks none."""
        names = [str(name) for name in self.data.get(AREA_CHOICES_KEY, [])]
        zones = self.settings.delivery_zones
        if intent.kind == IntentKind.YES:  # "yes" is no area: the question again
            listed = [z for z in (zone_named(zones, name) for name in names) if z is not None]
            return self._ask_area(self._known_address() or "", listed or zones)
        words = words_of(self.incoming.text)
        number = _number(words, self.packs)
        zone: DeliveryZone | None = None
        if number is not None and 1 <= number <= len(names):
            zone = zone_named(zones, names[number - 1])
        elif intent.kind in (IntentKind.UNKNOWN, IntentKind.ADDRESS):
            said = intent.text if intent.kind == IntentKind.ADDRESS else ""
            said = said or self.incoming.text.strip()
            found = zone_named(zones, said) or _one(zones_by_area(zones, said))
            if found is None:
                return self._not_served(said, None)
            zone = found
        if zone is None:
            return None
        address = self._known_address()
        self.data.pop(ASK_KEY, None)
        self.data[ZONE_KEY] = {"for": address, "name": zone.name}
        self.data[METHOD_KEY] = "delivery"
        return self._advance(place=False)

    def fulfilment_summary(self, method: Method | None) -> tuple[int, str | None, str, str]:
        """The fee, its zone, its label ("Delivery to Lekki") and the where-line of the
        summary."""
        fee, zone = self._fee(method)
        label = (
            wording.say(self.lang, "zone_delivery_to", zone=zone)
            if zone
            else wording.say(self.lang, "delivery")
        )
        if method == "pickup":
            address = self.settings.pickup_address
            where = (
                wording.say(self.lang, "fulfil_pickup_at", address=address)
                if address
                else wording.say(self.lang, "fulfil_pickup_plain")
            )
        elif method == "delivery" and self._known_address():
            where = wording.say(self.lang, "fulfil_deliver_to", address=self._known_address())
        else:
            where = ""
        return fee, zone, label, where


def _one(zones: tuple[DeliveryZone, ...]) -> DeliveryZone | None:
    return zones[0] if len(zones) == 1 else None


def order_lines(
    lines: Sequence[CartLine], currency: str, lang: str, fee: int, fee_label: str, zone: bool
) -> str:
    """The cart's lines, then the delivery fee with its label (a zone's even when free)
    and the amount to pay."""
    text = wording.cart_lines(lines, currency, lang)
    if not fee and zone:
        text += f"\n{fee_label}: {wording.say(lang, 'zone_free')}"
    if fee:
        text += (
            f"\n{fee_label}: {format_money(fee, currency)}"
            f"\n*{wording.say(lang, 'to_pay')}: {format_money(cart_total(lines) + fee, currency)}*"
        )
    return text


def collect_line(pickup_address: str | None, lang: str) -> str:
    """Where to collect a pickup order, for the placed-order reply."""
    if pickup_address:
        return wording.say(lang, "fulfil_collect_at", address=pickup_address)
    return wording.say(lang, "fulfil_collect_plain")


def staff_fulfilment_line(order: Order) -> str | None:
    """What the new-order alert says of pickup or the delivery zone, if anything."""
    method, zone = order.delivery.get("method"), order.delivery.get("zone")
    if method == "pickup":
        return "🛍️ *PICKUP*: the customer collects it"
    if zone:
        return f"🛵 Delivery zone: {zone}"
    return None


def zone_change_note(zones: Sequence[DeliveryZone], order: Order, address: str) -> str:
    """For staff, when a placed order's new address lies in another zone or in none (the
    order's fee is not changed by the chat)."""
    if not zones:
        return ""
    zone = find_zone(zones, address=address).zone
    charged = format_money(order.delivery_fee, order.currency)
    if zone is None:
        return f"\n⚠️ That address is in none of your delivery zones (the order has {charged})."
    if zone.name == order.delivery.get("zone"):
        return ""
    fee = format_money(zone.fee, order.currency)
    return f"\n⚠️ That is in the {zone.name} zone ({fee}); the order has {charged} for delivery."
