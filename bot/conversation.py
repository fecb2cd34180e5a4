"""The customer's side of the chat: one state machine per (tenant, phone), stored in the database.

browsing -> cart -> awaiting_confirmation -> (awaiting_address) -> order placed -> browsing.
Each step reads the message's intent, changes the cart or the order through the order use
cases, and returns a reply saying what was understood and what to do next.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import interactive, opening, replies, wording
from bot.cart import dump_cart, load_cart
from bot.cart_steps import CartSteps
from bot.chat_lock import LockedChat
from bot.chat_step import Incoming, SharedLocation, State
from bot.checkout import CheckoutSteps, location_text, looks_like_address, street_like
from bot.intents import CatalogEntry, Context, Intent, IntentKind
from bot.interactive import Content, Tap
from bot.language import lexicon, words_of
from bot.parser import parse
from bot.staff import alert_staff
from bot.takeover import forward_to_staff, is_taken_over
from bot.transfer_proof_chat import proof_reply
from orders_core.domain import CancelReason, Channel, OrderStatus
from orders_core.models import Checkout, CheckoutStatus, Product
from orders_core.schemas import (
    CancelIn,
)
from orders_core.services.checkouts import expire_chat_cart, save_chat_cart
from orders_core.services.customers import upsert_customer
from orders_core.services.orders import cancel_order
from orders_core.tenant_cache import TenantSnapshot

# The customer's last inbound time is rewritten at most this often: a value older by less
# than this only makes WhatsApp's 24-hour window look shorter, never longer.
INBOUND_TOUCH_EVERY = timedelta(minutes=1)
# A second request for a person within this time does not alert staff again.
HUMAN_ALERT_EVERY = timedelta(minutes=30)
# While an address is awaited, these are answers, not addresses.
_NOT_ADDRESSES = frozenset({
    IntentKind.YES, IntentKind.NO, IntentKind.CANCEL, IntentKind.STATUS, IntentKind.HUMAN,
    IntentKind.MENU, IntentKind.CLEAR, IntentKind.STOP, IntentKind.HELP,
})  # fmt: skip
# Answered by the bot even while staff have taken the chat over: opting out must always work.
_STILL_ANSWERED = frozenset({"stop", "unsubscribe", "start"})
# conversation.data: the public id of the open checkout (the cart), if there is one.
CHECKOUT_KEY = "checkout"
__all__ = ["Incoming", "Reply", "SharedLocation", "State", "respond"]


@dataclass(frozen=True)
class Reply:
    """The answer to a message, and the order it placed or changed, if any.

    `content`: the approved template to send the answer as (buttons or a list), when the
    business has one for it; `text` is then its body and the fallback.
    """

    text: str
    order_id: int | None = None
    content: Content | None = None


def respond(
    session: Session,
    business: TenantSnapshot,
    chat: LockedChat,
    incoming: Incoming,
    *,
    cart_ttl: timedelta,
    now: datetime,
    tap: Tap | None = None,
) -> Reply:
    """Take one step of the customer's conversation and return the reply.

    The customer is created if the lock found none, and updated (WhatsApp profile name,
    last inbound time). A cart idle for longer than `cart_ttl` is dropped first (its
    checkout expires), and the reply says so. The cart is kept as the open checkout.
    A `tap` (button or list item) is answered as the words it stands for, judged against
    the cart as it is now; the reply carries buttons or a list when the business has them.
    """
    conversation, customer = chat.conversation, chat.customer
    checkout = _open_checkout(session, chat)
    on_whatsapp = True if incoming.channel == Channel.WHATSAPP else None
    if customer is None:
        customer = upsert_customer(
            session, business.tenant.id, incoming.phone,
            name=incoming.profile_name, whatsapp=on_whatsapp,
        )  # fmt: skip
    else:
        if incoming.profile_name and customer.name != incoming.profile_name:
            customer.name = incoming.profile_name
        if on_whatsapp and not customer.whatsapp:
            customer.whatsapp = True
    last_seen = customer.last_inbound_at
    if last_seen is None or not timedelta(0) <= now - _aware(last_seen) < INBOUND_TOUCH_EVERY:
        customer.last_inbound_at = now
    if is_taken_over(conversation, now) and incoming.text.strip().lower() not in _STILL_ANSWERED:
        conversation.last_activity_at = now
        order_id = forward_to_staff(
            session, business.tenant, conversation, incoming.text or "(a picture or file)",
            name=customer.name, now=now,
        )  # fmt: skip
        return Reply("", order_id)
    if incoming.has_media:  # a picture of a transfer is filed with the order waiting for money
        lang = str(conversation.data.get("lang") or "en")
        proof = proof_reply(session, business, customer, incoming, lang, now)
        if proof is not None:
            conversation.last_activity_at = now
            return Reply(*proof)
    catalog = business.memo("chat_catalog", lambda: _catalog(business.products))
    by_code = business.memo("chat_by_code", lambda: {entry.code: entry for entry in catalog})
    step = _Step(
        session=session,
        tenant=business.tenant,
        settings=business.settings,
        customer=customer,
        incoming=incoming,
        products=business.products,
        product_by_code=business.by_code,
        catalog=catalog,
        by_code=by_code,
        lines=load_cart(checkout.items if checkout is not None else [], by_code),
        state=_state(conversation.state),
        data=dict(conversation.data),
        now=now,
    )
    notices = []
    idle = now - conversation.last_activity_at
    held = opening.HOLD_KEY in step.data  # kept for opening, however long that is
    if (step.lines or step.state != State.BROWSING) and idle > cart_ttl and not held:
        step.lines, step.state = [], State.BROWSING
        if checkout is not None:
            expire_chat_cart(checkout, now)
            checkout = None
        notices.append(replies.expired_notice(int(cart_ttl.total_seconds() // 60)))
    if tap is not None:
        notices.extend(interactive.read_as_typed(step, tap))
    text = step.run()
    order, lines = step.placed or (None, step.lines)
    opened = save_chat_cart(
        session, tenant_id=business.tenant.id, conversation_id=conversation.id,
        checkout=checkout, items=dump_cart(lines), channel=incoming.channel,
        customer={"phone": incoming.phone} | ({"name": customer.name} if customer.name else {}),
        now=now, order=order,
    )  # fmt: skip
    if opened is None:
        step.data.pop(CHECKOUT_KEY, None)
    else:
        step.data[CHECKOUT_KEY] = opened.public_id
    if conversation.state != step.state.value:
        conversation.state = step.state.value
    if conversation.data != step.data:
        conversation.data = step.data
    conversation.last_activity_at = now
    answer = "\n\n".join([*notices, text])
    return Reply(answer, step.order_id, interactive.reply_content(step, answer))


def _open_checkout(session: Session, chat: LockedChat) -> Checkout | None:
    """The conversation's open checkout, read again when the locking statement's join is
    older than the lock.

    On PostgreSQL a message that waited for the lock gets the conversation as the message
    before it left it, but the rows joined to it as they were before the wait. The
    conversation names its open checkout and shares its last activity time with it, so a
    stale join shows, and only then costs a statement.
    """
    conversation, checkout = chat.conversation, chat.checkout
    named = conversation.data.get(CHECKOUT_KEY)
    if checkout is None and named is None:
        return None
    if (
        checkout is not None
        and checkout.public_id == named
        and checkout.last_activity_at == conversation.last_activity_at
    ):
        return checkout
    return session.scalars(
        select(Checkout)
        .where(
            Checkout.conversation_id == conversation.id,
            Checkout.status == CheckoutStatus.OPEN.value,
        )
        .execution_options(populate_existing=True)
    ).one_or_none()


def _catalog(products: Sequence[Product]) -> tuple[CatalogEntry, ...]:
    return tuple(
        CatalogEntry(p.code, p.name, tuple(p.aliases), p.unit_price, p.available, p.option_groups)
        for p in products
    )


def _order_ref(number: object) -> str | None:
    return str(number) if number else None


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _state(value: str) -> State:
    try:
        return State(value)
    except ValueError:
        return State.BROWSING


class _Step(CartSteps, CheckoutSteps):
    """One message being answered."""

    def run(self) -> str:
        """The reply to the message, after changing cart, state and orders as it asks."""
        if self.incoming.location is not None:
            return self.address(location_text(self.incoming.location), self.incoming.location)
        context = Context(
            names=frozenset(words_of(f"{self.tenant.name} {self.customer.name or ''}")),
            cart=frozenset(line.code for line in self.lines),
            last=self.data.get("last_item"),
            packs=self.packs,
        )
        intent = parse(self.incoming.text, self.catalog, context)
        if intent.language and not self.data.get("lang_fixed"):
            self.data["lang"] = lexicon(self.packs).replies_language.get(intent.language, "en")
        answered = self.open_question(intent) or self.fulfilment_reply(intent)
        if answered is not None:
            return answered
        street = street_like(self.incoming.text, self.packs)
        if self.state == State.AWAITING_ADDRESS and (
            looks_like_address(intent, self.incoming.text)
            or (street and intent.kind not in _NOT_ADDRESSES)
        ):
            address = intent.text if intent.kind == IntentKind.ADDRESS else ""
            return self.address(address or self.incoming.text.strip(), None)
        if (
            self.state == State.AWAITING_CONFIRMATION
            and intent.kind == IntentKind.UNKNOWN
            and street
        ):
            return self.address(self.incoming.text.strip(), None)
        handler = getattr(self, f"on_{intent.kind.value}", None)
        return handler(intent) if handler is not None else self.on_unknown(intent)

    def on_empty(self, intent: Intent) -> str:
        if self.incoming.has_media:
            text = replies.media_reply(self.tenant.name, self.example, self.item_example)
        else:
            text = replies.help_reply(self.tenant.name, self.example, self.item_example)
        return self._with_pending_question(text)

    def on_greet(self, intent: Intent) -> str:
        custom = self.settings.greeting
        name = f" {self.customer.name}" if self.customer.name else ""
        hello = custom or wording.say(self.lang, "greeting", name=name, business=self.tenant.name)
        text = hello + "\n" + wording.order_hint(self.lang, self.example)
        if self.lines:
            text += "\n\n" + self.cart_text()
        return text

    def on_thanks(self, intent: Intent) -> str:
        welcome = replies.you_are_welcome(
            self.customer.name, has_ordered="last_order_number" in self.data, hint=self.hint
        )
        return self._with_pending_question(welcome)

    def on_menu(self, intent: Intent) -> str:
        return replies.menu_reply(self.products, self.currency, self.tenant.name, self.hint)

    def on_help(self, intent: Intent) -> str:
        return self._with_pending_question(
            replies.help_reply(self.tenant.name, self.example, self.item_example)
        )

    def on_status(self, intent: Intent) -> str:
        order = self._latest_order()
        if order is None:
            return replies.no_orders(self.hint)
        self.order_id = order.id
        return replies.order_status(order, self.lang, self.settings.business_kind)

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
            return replies.cannot_cancel(
                order, self.tenant.name, self.lang, self.settings.business_kind
            )
        return replies.nothing_to_cancel(self.example)

    def on_human(self, intent: Intent) -> str:
        last = self.data.get("human_requested_at")
        self.data["human"] = True
        self.data["human_requested_at"] = self.now.isoformat()
        if last is None or self.now - datetime.fromisoformat(last) > HUMAN_ALERT_EVERY:
            alert_staff(
                self.session,
                self.tenant,
                replies.human_alert(
                    self.incoming.phone,
                    self.customer.name,
                    intent.text or self.incoming.text,
                    _order_ref(self.data.get("last_order_number")),
                ),
            )
        return replies.human_requested()

    def on_stop(self, intent: Intent) -> str:
        self.customer.opted_out = True
        return replies.opted_out(self.tenant.name)

    def on_start(self, intent: Intent) -> str:
        self.customer.opted_out = False
        return replies.opted_in(self.tenant.name, self.hint)
