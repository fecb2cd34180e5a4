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

from bot import replies
from bot.cart import CartLine, add_item, dump_cart, load_cart, remove_item, set_quantity
from bot.intents import CatalogEntry, Intent, IntentKind
from bot.parser import parse
from bot.staff import alert_staff
from orders_core.domain import CancelReason, Channel, OrderStatus
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
from orders_core.services.orders import cancel_order, place_order
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
    products = list_products(session, tenant.id, available_only=True)
    catalog = tuple(CatalogEntry(p.code, p.name, tuple(p.aliases), p.unit_price) for p in products)
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

    def run(self) -> str:
        """The reply to the message, after changing cart, state and orders as it asks."""
        if self.incoming.location is not None:
            return self.address(_location_text(self.incoming.location), self.incoming.location)
        intent = parse(self.incoming.text, self.catalog)
        if self.state == State.AWAITING_ADDRESS and _looks_like_address(intent, self.incoming.text):
            return self.address(intent.text or self.incoming.text.strip(), None)
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
        text = replies.greeting(self.tenant.name, self.customer.name, custom)
        if self.lines:
            text += "\n\n" + replies.cart_reply(self.lines, self.currency)
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
        questions = [replies.did_you_mean(u.text, u.suggestions) for u in intent.unmatched]
        return self._with_pending_question("\n".join(questions) or replies.not_understood())

    # The cart

    def on_add(self, intent: Intent) -> str:
        added = []
        for item in intent.items:
            entry = self.by_code.get(item.code)
            if entry is None or item.quantity <= 0:
                continue
            self.lines = add_item(self.lines, entry, item.quantity)
            added.append((item.quantity, entry.name))
        return self._cart_changed(intent, replies.added(added) if added else None)

    def on_set_quantity(self, intent: Intent) -> str:
        changed = []
        for item in intent.items:
            entry = self.by_code.get(item.code)
            if entry is None:
                continue
            self.lines = set_quantity(self.lines, entry, item.quantity)
            changed.append(replies.quantity_set(entry.name, item.quantity))
        return self._cart_changed(intent, " ".join(changed) or None)

    def on_remove(self, intent: Intent) -> str:
        notes = []
        for item in intent.items:
            if not any(line.code == item.code for line in self.lines):
                notes.append(replies.not_in_cart(item.name))
                continue
            self.lines = remove_item(self.lines, item.code, item.quantity or None)
            notes.append(replies.removed(item.name, item.quantity))
        return self._cart_changed(intent, " ".join(notes) or None)

    def on_show_cart(self, intent: Intent) -> str:
        if self.state in CHECKOUT_STATES and self.lines:
            return self._checkout_summary()
        return replies.cart_reply(self.lines, self.currency)

    def on_clear(self, intent: Intent) -> str:
        self.lines, self.state = [], State.BROWSING
        return replies.cart_cleared()

    # Checkout

    def on_checkout(self, intent: Intent) -> str:
        if not self.lines:
            return replies.cart_reply(self.lines, self.currency)
        self.state = State.AWAITING_CONFIRMATION
        return self._checkout_summary()

    def on_yes(self, intent: Intent) -> str:
        if not self.lines:
            number = self.data.get("last_order_number")
            if number and self.state == State.BROWSING:
                return replies.already_placed(number)
            return replies.cart_reply(self.lines, self.currency)
        if self._needs_address():
            self.state = State.AWAITING_ADDRESS
            return replies.address_needed(
                self.lines, self.currency, delivery_fee=tenant_settings(self.tenant).delivery_fee
            )
        if self.state == State.AWAITING_CONFIRMATION or not tenant_settings(self.tenant).delivers:
            return self._place()
        # Delivery: show the fee and where it goes before the YES that places it.
        self.state = State.AWAITING_CONFIRMATION
        return self._checkout_summary()

    def on_no(self, intent: Intent) -> str:
        if self.state in CHECKOUT_STATES:
            self.state = State.CART
            return replies.not_placed(self.lines, self.currency)
        return "OK.\n\n" + replies.cart_reply(self.lines, self.currency)

    def on_address(self, intent: Intent) -> str:
        return self.address(intent.text or self.incoming.text.strip(), None)

    def address(self, text: str, location: SharedLocation | None) -> str:
        """Remember the delivery address; place the order if it was the last thing missing."""
        text = text.strip()[:MAX_ADDRESS]
        if len(text) < MIN_ADDRESS and location is None:
            return replies.ask_address()
        self.data["address"] = text
        if location is not None:
            self.data["location"] = {"latitude": location.latitude, "longitude": location.longitude}
        else:
            self.data.pop("location", None)
        saved = replies.address_saved(text)
        if self.lines:
            self.state = State.AWAITING_CONFIRMATION
            return saved + "\n\n" + self._checkout_summary()
        return saved + "\n" + replies.ORDER_HINT

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
        self.data["last_order_number"] = order.number
        placed = replies.order_placed(order, delivering=settings.delivers)
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
        return replies.order_status(order)

    def on_cancel(self, intent: Intent) -> str:
        if self.lines:
            self.lines, self.state = [], State.BROWSING
            pending = self._latest_order()
            if pending is not None and pending.status == OrderStatus.PENDING:
                return replies.cart_cleared_order_kept(pending.number)
            return replies.cart_cancelled()
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
            return replies.cancelled_by_customer(order)
        if order is not None and order.status not in (OrderStatus.CANCELLED, OrderStatus.DELIVERED):
            self.order_id = order.id
            return replies.cannot_cancel(order, self.tenant.name)
        return replies.nothing_to_cancel()

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

    def _cart_changed(self, intent: Intent, done: str | None) -> str:
        self.state = State.CART if self.lines else State.BROWSING
        parts = [done] if done else []
        parts += [replies.did_you_mean(u.text, u.suggestions) for u in intent.unmatched]
        if not parts:
            parts.append(replies.not_understood())
        return "\n".join(parts) + "\n\n" + replies.cart_reply(self.lines, self.currency)

    def _with_pending_question(self, text: str) -> str:
        if self.state == State.AWAITING_ADDRESS:
            return text + "\n\n" + replies.ask_address()
        if self.lines:
            return text + "\n\n" + replies.cart_reply(self.lines, self.currency)
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
