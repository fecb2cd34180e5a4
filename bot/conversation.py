"""The customer's side of the chat: one state machine per (tenant, phone), stored in the database.

browsing -> cart -> awaiting_confirmation -> (awaiting_address) -> order placed -> browsing.
Each step reads the message's intent, changes the cart or the order through the order use
cases, and returns a reply saying what was understood and what to do next.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, selectinload

from bot import replies, wording
from bot.cart import CartLine, dump_cart, load_cart
from bot.cart_edits import CartEdit, answer_choice, held_line
from bot.intents import CatalogEntry, Context, Intent, IntentKind
from bot.language import lexicon, words_of
from bot.parser import parse
from bot.staff import alert_staff
from orders_core.domain import CancelReason, Channel, OrderStatus, format_money
from orders_core.errors import DomainError
from orders_core.models import Conversation, Customer, Order, Product, Tenant
from orders_core.schemas import (
    CancelIn,
    CustomerIn,
    DeliveryIn,
    Location,
    OrderCreate,
    OrderItemIn,
)
from orders_core.services.catalog import list_products
from orders_core.services.customers import upsert_customer
from orders_core.services.orders import cancel_order, change_delivery_address, place_order
from orders_core.services.tenants import tenant_settings

MAX_ADDRESS = 500
MIN_ADDRESS = 2  # "VI" (Victoria Island) is an address in Lagos
# A second request for a person within this time does not alert staff again.
HUMAN_ALERT_EVERY = timedelta(minutes=30)


class State(StrEnum):
    """Where a customer stands in the conversation."""

    BROWSING = "browsing"
    CART = "cart"
    AWAITING_CONFIRMATION = "awaiting_confirmation"
    AWAITING_ADDRESS = "awaiting_address"


CHECKOUT_STATES = frozenset({State.AWAITING_CONFIRMATION, State.AWAITING_ADDRESS})


@dataclass(frozen=True)
class SharedLocation:
    """A location the customer shared on WhatsApp."""

    latitude: float
    longitude: float
    label: str | None = None


@dataclass(frozen=True)
class Incoming:
    """One customer message as the conversation sees it."""

    channel: str
    phone: str
    text: str
    profile_name: str | None = None
    has_media: bool = False
    location: SharedLocation | None = None


@dataclass(frozen=True)
class Reply:
    """The answer to a message, and the order it placed or changed, if any."""

    text: str
    order_id: int | None = None


def lock_conversation(session: Session, tenant_id: int, phone: str, now: datetime) -> Conversation:
    """The conversation of (tenant, phone), created if new and locked until the transaction ends.

    One customer's messages are handled one at a time: a second one waits here.
    """
    query = (
        select(Conversation)
        .where(Conversation.tenant_id == tenant_id, Conversation.phone == phone)
        .with_for_update()
    )
    conversation = session.scalars(query).one_or_none()
    if conversation is not None:
        return conversation
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(Conversation)
        .values(
            tenant_id=tenant_id,
            phone=phone,
            state=State.BROWSING.value,
            cart=[],
            data={},
            last_activity_at=now,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["tenant_id", "phone"])
    )
    return session.scalars(query).one()


def respond(
    session: Session,
    tenant: Tenant,
    conversation: Conversation,
    incoming: Incoming,
    *,
    cart_ttl: timedelta,
    now: datetime,
) -> Reply:
    """Take one step of the customer's conversation and return the reply.

    The customer is created or updated (WhatsApp profile name, last inbound time); a cart
    idle for longer than `cart_ttl` is dropped first, and the reply says so.
    """
    customer = upsert_customer(
        session,
        tenant.id,
        incoming.phone,
        name=incoming.profile_name,
        whatsapp=True if incoming.channel == Channel.WHATSAPP else None,
    )
    customer.last_inbound_at = now
    products = list_products(session, tenant.id, available_only=False)
    catalog = tuple(
        CatalogEntry(p.code, p.name, tuple(p.aliases), p.unit_price, p.available) for p in products
    )
    by_code = {entry.code: entry for entry in catalog}
    step = _Step(
        session=session,
        tenant=tenant,
        customer=customer,
        incoming=incoming,
        products=products,
        catalog=catalog,
        by_code=by_code,
        lines=load_cart(conversation.cart, by_code),
        state=_state(conversation.state),
        data=dict(conversation.data),
        now=now,
    )
    notices = []
    idle = now - conversation.last_activity_at
    if (step.lines or step.state != State.BROWSING) and idle > cart_ttl:
        step.lines, step.state = [], State.BROWSING
        notices.append(replies.expired_notice(int(cart_ttl.total_seconds() // 60)))
    text = step.run()
    conversation.cart = dump_cart(step.lines)
    conversation.state = step.state.value
    conversation.data = step.data
    conversation.last_activity_at = now
    return Reply("\n\n".join([*notices, text]), step.order_id)


def _state(value: str) -> State:
    try:
        return State(value)
    except ValueError:
        return State.BROWSING


@dataclass
class _Step:
    """One message being answered: what is known, and what the answer changes."""

    session: Session
    tenant: Tenant
    customer: Customer
    incoming: Incoming
    products: list[Product]
    catalog: tuple[CatalogEntry, ...]
    by_code: dict[str, CatalogEntry]
    lines: list[CartLine]
    state: State
    data: dict[str, Any]
    now: datetime
    order_id: int | None = field(default=None)

    @property
    def currency(self) -> str:
        return self.tenant.currency

    @property
    def lang(self) -> str:
        """The language replies are written in: the customer's, once known."""
        return str(self.data.get("lang") or "en")

    @property
    def packs(self) -> tuple[str, ...]:
        settings = tenant_settings(self.tenant)
        return wording.tenant_packs(settings.languages, self.currency)

    @property
    def example(self) -> str:
        """An order written with two of this tenant's own products."""
        names = [_short_name(e) for e in self.catalog if e.available][:2] or ["item"]
        join = wording.say(self.lang, "example_join")
        return f"2 {names[0]} {join} 1 {names[-1]}" if len(names) > 1 else f"2 {names[0]}"

    def cart_text(self) -> str:
        return wording.cart_reply(self.lines, self.currency, self.lang, self.example)

    def run(self) -> str:
        """The reply to the message, after changing cart, state and orders as it asks."""
        if self.incoming.location is not None:
            return self.address(_location_text(self.incoming.location), self.incoming.location)
        context = Context(
            cart=frozenset(line.code for line in self.lines),
            last=self.data.get("last_item"),
            packs=self.packs,
        )
        intent = parse(self.incoming.text, self.catalog, context)
        if intent.language and not self.data.get("lang_fixed"):
            self.data["lang"] = lexicon(self.packs).replies_language.get(intent.language, "en")
        answered = self.open_question(intent)
        if answered is not None:
            return answered
        if self.state == State.AWAITING_ADDRESS and _looks_like_address(intent, self.incoming.text):
            address = intent.text if intent.kind == IntentKind.ADDRESS else ""
            return self.address(address or self.incoming.text.strip(), None)
        if (
            self.state == State.AWAITING_CONFIRMATION
            and intent.kind == IntentKind.UNKNOWN
            and _street_like(self.incoming.text, self.packs)
        ):
            return self.address(self.incoming.text.strip(), None)
        handler = getattr(self, f"on_{intent.kind.value}", None)
        return handler(intent) if handler is not None else self.on_unknown(intent)

    # Talking

    def on_empty(self, intent: Intent) -> str:
        if self.incoming.has_media:
            text = replies.media_reply(self.tenant.name)
        else:
            text = replies.help_reply(self.tenant.name)
        return self._with_pending_question(text)

    def on_greet(self, intent: Intent) -> str:
        custom = tenant_settings(self.tenant).greeting
        name = f" {self.customer.name}" if self.customer.name else ""
        hello = custom or wording.say(self.lang, "greeting", name=name, business=self.tenant.name)
        text = hello + "\n" + wording.order_hint(self.lang, self.example)
        if self.lines:
            text += "\n\n" + self.cart_text()
        return text

    def on_thanks(self, intent: Intent) -> str:
        welcome = replies.you_are_welcome(
            self.customer.name, has_ordered="last_order_number" in self.data
        )
        return self._with_pending_question(welcome)

    def on_menu(self, intent: Intent) -> str:
        return replies.menu_reply(self.products, self.currency, self.tenant.name)

    def on_help(self, intent: Intent) -> str:
        return self._with_pending_question(replies.help_reply(self.tenant.name))

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
                price + " " + wording.say(self.lang, "price_order", item=_short_name(entry))
            )
        answers += [
            wording.did_you_mean(self.lang, u.text, u.suggestions) for u in intent.unmatched
        ]
        return self._with_pending_question(
            "\n".join(answers) or wording.say(self.lang, "not_understood")
        )

    # The cart

    def _edit(self) -> CartEdit:
        limit = tenant_settings(self.tenant).max_line_quantity
        return CartEdit(self.lines, self.catalog, self.data, limit, self.lang)

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
        parts = edit.said or [wording.say(self.lang, "not_understood")]
        return "\n".join(parts) + "\n\n" + self.cart_text()

    on_add = on_remove = on_set_quantity = on_edit = on_repeat = edit

    def open_question(self, intent: Intent) -> str | None:
        """The answer when the message settles a held big line or a "did you mean"."""
        held = held_line(self.data, self.catalog)
        if held is not None:
            entry, item, exact = held
            self.data.pop("held", None)
            amount = self.incoming.text.strip()
            if intent.kind == IntentKind.YES or (amount.isdecimal() and 0 < int(amount) <= 10_000):
                quantity = int(amount) if amount.isdecimal() else item.quantity
                edit = self._edit()
                edit.limit = max(edit.limit, quantity)
                edit.put(entry, quantity, item.note, exact=exact)
                edit.flush_added()
                self.lines, self.state = edit.lines, State.CART
                return "\n".join(edit.said) + "\n\n" + self.cart_text()
            if intent.kind == IntentKind.NO:
                return f"OK, I left {entry.name} out.\n\n" + self.cart_text()
        pending = self.data.get("pending")
        if not pending:
            return None
        code = answer_choice(self.incoming.text, pending, intent.kind == IntentKind.YES)
        if code is None and intent.kind == IntentKind.ADD and len(intent.items) == 1:
            code = (
                intent.items[0].code if intent.items[0].code in pending.get("codes", []) else None
            )
        self.data.pop("pending", None)
        entry = self.by_code.get(code) if code else None
        if entry is None:
            if intent.kind == IntentKind.NO:
                return "OK.\n\n" + self.cart_text()
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
            )
            edit.flush_added()
        self.lines = edit.lines
        self.state = State.CART if self.lines else State.BROWSING
        return "\n".join(edit.said) + "\n\n" + self.cart_text()

    def _last_order_items(self) -> list[dict[str, Any]]:
        order = self._latest_order()
        if order is None:
            return []
        return [
            {"code": i.product_code, "name": i.name, "quantity": i.quantity} for i in order.items
        ]

    def on_show_cart(self, intent: Intent) -> str:
        if self.state in CHECKOUT_STATES and self.lines:
            return self._checkout_summary()
        return self.cart_text()

    def on_clear(self, intent: Intent) -> str:
        self.lines, self.state = [], State.BROWSING
        return (
            f"{wording.say(self.lang, 'cart_empty')} {wording.order_hint(self.lang, self.example)}"
        )

    # Checkout

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
                delivery_fee=tenant_settings(self.tenant).delivery_fee,
                lang=self.lang,
            )
        if self.state == State.AWAITING_CONFIRMATION or not tenant_settings(self.tenant).delivers:
            return self._place()
        # Delivery: show the fee and where it goes before the YES that places it.
        self.state = State.AWAITING_CONFIRMATION
        return self._checkout_summary()

    def on_no(self, intent: Intent) -> str:
        if self.state in CHECKOUT_STATES:
            self.state = State.CART
            return "OK, I haven't placed anything.\n\n" + self.cart_text()
        return "OK.\n\n" + self.cart_text()

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
        saved = replies.address_saved(text)
        if self.lines:
            self.state = State.AWAITING_CONFIRMATION
            return saved + "\n\n" + self._checkout_summary()
        if self.data.get("last_order_number") and self._change_pending_address(text):
            return (
                saved + "\n" + "I've updated the address of your pending order and told the team."
            )
        return saved + "\n" + wording.order_hint(self.lang, self.example)

    def _needs_address(self) -> bool:
        return tenant_settings(self.tenant).delivers and not self._known_address()

    def _known_address(self) -> str | None:
        return self.data.get("address") or self.customer.address

    def _checkout_summary(self) -> str:
        settings = tenant_settings(self.tenant)
        return replies.checkout_reply(
            self.lines,
            self.currency,
            delivery_fee=settings.delivery_fee if settings.delivers else 0,
            address=self._known_address(),
            delivers=settings.delivers,
            lang=self.lang,
        )

    def _place(self) -> str:
        settings = tenant_settings(self.tenant)
        address = self._known_address() if settings.delivers else None
        location = self.data.get("location") if address == self.data.get("address") else None
        data = OrderCreate(
            customer=CustomerIn(
                name=self.customer.name, phone=self.incoming.phone, address=address
            ),
            items=[
                OrderItemIn(product_id=line.code, quantity=line.quantity) for line in self.lines
            ],
            notes=_order_notes(self.lines, self.data.get("order_note")),
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
                self.session, self.tenant, data, actor=f"customer:{self.incoming.phone}"
            )
        except DomainError as exc:
            self.state = State.CART
            return replies.placement_failed(exc.message)
        alert_staff(
            self.session,
            self.tenant,
            replies.new_order_alert(order),
            order_id=order.id,
            dedupe=f"new-order:{order.id}",
            template="staff.new_order",
            variables=replies.new_order_alert_variables(order),
        )
        self.lines, self.state, self.order_id = [], State.BROWSING, order.id
        self.data.pop("order_note", None)
        self.data["last_order_number"] = order.number
        placed = replies.order_placed(
            order, delivering=settings.delivers, lang=self.lang, kind=settings.business_kind
        )
        if self.customer.opted_out:
            # Ordering is asking to hear about the order; STOP turns it off again.
            self.customer.opted_out = False
            placed += "\n\n" + replies.opted_back_in()
        return placed

    # Orders

    def on_status(self, intent: Intent) -> str:
        order = self._latest_order()
        if order is None:
            return replies.no_orders()
        self.order_id = order.id
        return replies.order_status(order, self.lang, tenant_settings(self.tenant).business_kind)

    def on_cancel(self, intent: Intent) -> str:
        if self.lines:
            self.lines, self.state = [], State.BROWSING
            pending = self._latest_order()
            if pending is not None and pending.status == OrderStatus.PENDING:
                return replies.cart_cleared_order_kept(pending.number)
            return replies.cart_cancelled(self.example)
        order = self._latest_order(lock=True)
        if order is not None and order.status == OrderStatus.PENDING:
            cancel_order(
                self.session,
                order,
                CancelIn(reason=CancelReason.CUSTOMER_REQUEST, note=intent.text or None),
                actor=f"customer:{self.incoming.phone}",
            )
            alert_staff(
                self.session,
                self.tenant,
                replies.customer_cancelled_alert(order),
                order_id=order.id,
                dedupe=f"customer-cancelled:{order.id}",
            )
            self.order_id = order.id
            return replies.cancelled_by_customer(order, self.example)
        if order is not None and order.status not in (OrderStatus.CANCELLED, OrderStatus.DELIVERED):
            self.order_id = order.id
            return replies.cannot_cancel(order, self.tenant.name)
        return replies.nothing_to_cancel(self.example)

    def _change_pending_address(self, address: str) -> bool:
        """Move a still-pending order to `address` and tell staff; False when it has moved on."""
        order = self._latest_order(lock=True)
        if (
            order is None
            or order.status != OrderStatus.PENDING
            or not tenant_settings(self.tenant).delivers
        ):
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

    def _latest_order(self, *, lock: bool = False) -> Order | None:
        query = (
            select(Order)
            .where(Order.tenant_id == self.tenant.id, Order.customer_phone == self.incoming.phone)
            .order_by(Order.number.desc())
            .limit(1)
            .options(selectinload(Order.items))
        )
        if lock:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    # People and consent

    def on_human(self, intent: Intent) -> str:
        last = self.data.get("human_requested_at")
        self.data["human"] = True
        self.data["human_requested_at"] = self.now.isoformat()
        if last is None or self.now - datetime.fromisoformat(last) > HUMAN_ALERT_EVERY:
            alert_staff(
                self.session,
                self.tenant,
                replies.human_alert(
                    self.incoming.phone, self.customer.name, intent.text or self.incoming.text
                ),
            )
        return replies.human_requested()

    def on_stop(self, intent: Intent) -> str:
        self.customer.opted_out = True
        return replies.opted_out(self.tenant.name)

    def on_start(self, intent: Intent) -> str:
        self.customer.opted_out = False
        return replies.opted_in(self.tenant.name)

    # Helpers

    def _with_pending_question(self, text: str) -> str:
        if self.state == State.AWAITING_ADDRESS:
            return text + "\n\n" + wording.say(self.lang, "ask_address")
        if self.lines:
            return text + "\n\n" + self.cart_text()
        return text


def _looks_like_address(intent: Intent, text: str) -> bool:
    """While an address is awaited, free text (or items mixed with unknown words) is one."""
    if intent.kind == IntentKind.ADDRESS:
        return True
    if intent.kind == IntentKind.UNKNOWN:
        return not text.rstrip().endswith("?")  # a question is not where to deliver
    return intent.kind == IntentKind.ADD and bool(intent.unmatched)


def _location_text(location: SharedLocation) -> str:
    return location.label or f"Shared location ({location.latitude:.5f}, {location.longitude:.5f})"


def _short_name(entry: CatalogEntry) -> str:
    """How the owner calls the product for short (its first alias, else its name)."""
    return (entry.aliases[0] if entry.aliases else entry.name.split(" (")[0]).lower()


def _street_like(text: str, packs: tuple[str, ...]) -> bool:
    """Whether free text reads like an address: a street word, or a house number and words."""
    words = words_of(text)
    if len(words) < 2 or text.rstrip().endswith("?"):
        return False
    if lexicon(packs).address_words.find(words) is not None:
        return True
    return any(w.isdecimal() for w in words) and sum(w.isalpha() for w in words) >= 2


def _order_notes(lines: list[CartLine], order_note: str | None) -> str | None:
    """What the customer asked of the lines and the order, for the kitchen."""
    notes = [f"{line.name}: {line.note}" for line in lines if line.note]
    if order_note:
        notes.append(order_note)
    return "; ".join(notes)[:2000] or None
