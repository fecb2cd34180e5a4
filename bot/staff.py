"""The business's side of the chat: staff commands on orders, and alerts to staff."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot import interactive, replies, staff_replies
from bot.eta import parse_minutes, promise_ready
from bot.interactive import Content
from bot.recipients import message_staff, staff_channel
from bot.staff_stock import stock_command
from bot.takeover import ReplyRefused, hand_back, staff_reply
from bot.transfer_proof_decisions import proof_command
from orders_core.domain import OPEN_STATUSES, CancelReason, OrderStatus, parse_major_amount
from orders_core.errors import DomainError, IllegalTransition, NotFound
from orders_core.models import Conversation, Order, Tenant, utcnow
from orders_core.phones import normalize_phone
from orders_core.schemas import CancelIn, PaymentIn
from orders_core.services.orders import (
    cancel_order,
    get_order,
    parse_order_number,
    resume_order,
    transition,
)
from orders_core.services.payments import record_payment
from orders_core.services.tenants import tenant_settings

ACTIONS = {
    "confirm": "confirm",
    "confirmed": "confirm",
    "accept": "confirm",
    "reject": "reject",
    "decline": "reject",
    "cancel": "reject",
    "preparing": "preparing",
    "prepare": "preparing",
    "out": "out",
    "dispatched": "out",
    "delivered": "delivered",
    "paid": "paid",
    "unpaid": "unpaid",
    "hold": "hold",
    "pause": "hold",
    "resume": "resume",
    "unhold": "resume",
    "orders": "orders",
    "open": "orders",
    "help": "help",
    "eta": "eta",
}
TARGETS = {
    "confirm": OrderStatus.CONFIRMED,
    "preparing": OrderStatus.PREPARING,
    "out": OrderStatus.OUT_FOR_DELIVERY,
    "delivered": OrderStatus.DELIVERED,
}
PAST = {
    "confirm": "confirmed",
    "reject": "rejected",
    "preparing": "marked preparing",
    "out": "sent out for delivery",
    "delivered": "marked delivered",
    "paid": "marked paid",
    "unpaid": "told the transfer was not found",
    "hold": "put on hold",
    "resume": "resumed",
    "eta": "given a ready time",
}
# Words staff put between the command and the number: "out for delivery 1042", "confirm order 1042".
_FILLER = frozenset({"order", "for", "delivery", "no", "number"})
_STOCK = re.compile(r"stock|finish|sold\s*out|run\s*out|ran\s*out", re.IGNORECASE)
OPEN_LIMIT = 20
NEW_ORDER_TEMPLATE = "staff.new_order"  # the alert template of a new order (see alert_staff)
STAFF_WINDOW = timedelta(hours=24)  # WhatsApp's window: buttons only to staff inside it
_TAKEOVER_WORDS = frozenset({"reply", "bot", "handback"})
_REPLY = re.compile(
    r"^\s*\*?reply\*?\s+(?:to\s+)?(?:order\s+)?(?P<ref>\S+)\s*(?P<body>.*)$", re.I | re.S
)
_BOT_ON = re.compile(
    r"^\s*\*?(?:bot\s+on|handback)\*?\s+(?:for\s+)?(?:order\s+)?(?P<ref>\S+)\s*$", re.I
)
_CURRENCY_MARKS = "₦$€£₹¥ "


@dataclass(frozen=True)
class StaffCommand:
    """A parsed staff message: the action, the order number if given, and the rest (a reason)."""

    action: str
    number: str | None
    rest: str


def is_staff(tenant: Tenant, phone: str) -> bool:
    """True when `phone` is one of the tenant's staff numbers."""
    return any(member.phone == phone for member in tenant.staff)


def parse_staff_command(text: str) -> StaffCommand | None:
    """The command in a staff message like "reject 1042 out of stock"; None if it is not one."""
    words = text.strip().split()
    if not words:
        return None
    action = ACTIONS.get(words[0].lower().strip(".,!:;*"))
    if action is None:
        return None
    rest = words[1:]
    while rest and rest[0].lower().strip(".,:;") in _FILLER:
        rest = rest[1:]
    number = None
    if rest:
        parsed = parse_order_number(rest[0].strip(".,:;"))
        if parsed is not None:
            number, rest = str(parsed), rest[1:]
    return StaffCommand(action, number, " ".join(rest).strip(" -:,."))


def respond_to_staff(
    session: Session,
    tenant: Tenant,
    phone: str,
    text: str,
    *,
    now: datetime | None = None,
    takeover_minutes: int = 30,
) -> str:
    """Carry out a staff command through the order use cases and say what happened.

    `takeover_minutes`: how long a REPLY keeps the bot quiet in the customer's chat.
    """
    words = text.split(maxsplit=1)
    if words and words[0].lower().strip(".,!:;*") in _TAKEOVER_WORDS:
        return _takeover_command(
            session, tenant, phone, text, now=now or utcnow(), minutes=takeover_minutes
        )
    stock = stock_command(session, tenant, text)
    if stock is not None:
        return stock
    command = parse_staff_command(text)
    if command is None or command.action == "help":
        return replies.staff_help()
    if command.action == "orders":
        return replies.open_orders(open_orders(session, tenant.id))
    order_or_reply = _target_order(session, tenant, command)
    if isinstance(order_or_reply, str):
        return order_or_reply
    order = order_or_reply
    actor = f"staff:{phone}"
    try:
        with session.begin_nested():  # a refusal undoes what the command wrote, only that
            return _apply(session, tenant, order, command, actor, now or utcnow())
    except IllegalTransition as exc:
        return replies.staff_illegal(order, PAST[command.action], exc.details.get("allowed", []))
    except DomainError as exc:
        return f"Order #{order.number}: {exc.message}."


def _takeover_command(
    session: Session, tenant: Tenant, phone: str, text: str, *, now: datetime, minutes: int
) -> str:
    """REPLY <order or phone> <message>, BOT ON <order or phone> (also HANDBACK <...>)."""
    match = _REPLY.match(text) or _BOT_ON.match(text)
    if match is None:
        return staff_replies.staff_reply_usage()
    ref = match.group("ref").strip(".,:;")
    found = _customer_of(session, tenant, ref)
    if isinstance(found, str):
        return found
    customer_phone, order = found
    if match.re is _BOT_ON:
        return staff_replies.staff_handed_back(
            customer_phone, hand_back(session, tenant, customer_phone, now)
        )
    try:
        with session.begin_nested():
            staff_reply(
                session, tenant, customer_phone, match.group("body"),
                by=f"staff:{phone}", minutes=minutes, now=now, order=order,
            )  # fmt: skip
    except ReplyRefused as exc:
        return f"Not sent: {exc}"
    return staff_replies.staff_replied(customer_phone, ref, minutes)


def _customer_of(session: Session, tenant: Tenant, ref: str) -> tuple[str, Order | None] | str:
    """The customer's phone (and the order) a REPLY names, or the reply explaining why not."""
    if parse_order_number(ref) is not None:
        try:
            order = get_order(session, tenant.id, ref)
        except NotFound:
            return replies.staff_no_such_order(ref, open_orders(session, tenant.id))
        if not order.customer_phone:
            return f"Order #{order.number} has no customer phone to write to."
        return order.customer_phone, order
    try:
        return normalize_phone(ref), None
    except ValueError:
        return staff_replies.staff_reply_usage()


def _apply(
    session: Session, tenant: Tenant, order: Order, command: StaffCommand, actor: str, now: datetime
) -> str:
    if command.action == "eta":
        return _eta(session, tenant, order, command.rest, actor, now)
    if command.action == "reject":
        reason = CancelReason.OUT_OF_STOCK if _STOCK.search(command.rest) else CancelReason.OTHER
        cancel_order(
            session, order, CancelIn(reason=reason, note=command.rest or None), actor=actor
        )
        return replies.staff_rejected(order)
    if command.action in ("paid", "unpaid"):  # a transfer proof waiting: approve / reject it
        decided = proof_command(
            session, tenant, order, command.action, command.rest, actor=actor, now=now
        )
        if decided is not None:
            return decided
    if command.action == "paid":
        amount = _paid_amount(command.rest, tenant.currency)
        if amount == 0:
            return (
                f"Say *PAID {order.number}* for the whole balance, "
                f"or *PAID {order.number} 3500* for an amount."
            )
        data = PaymentIn(amount=amount, method="other")
        payment = record_payment(session, order, data, actor=actor)
        return replies.staff_paid(order, payment.amount)
    if command.action == "hold":
        note = command.rest or None
        transition(session, order, OrderStatus.ON_HOLD, actor=actor, note=note)
    elif command.action == "resume":
        resume_order(session, order, actor=actor)
    else:
        transition(session, order, TARGETS[command.action], actor=actor)
        minutes = parse_minutes(command.rest) if command.action == "confirm" else None
        if minutes is not None:
            promise_ready(session, order, minutes, actor=actor, now=now)
            return replies.staff_done(order) + "\n" + staff_replies.staff_eta(order, minutes)
    return replies.staff_done(order)


def _eta(
    session: Session, tenant: Tenant, order: Order, rest: str, actor: str, now: datetime
) -> str:
    """ETA 1042 45: a (new) ready time for an order already confirmed."""
    minutes = parse_minutes(rest)
    if minutes is None:
        return f"Say *ETA {order.number} 30* with the minutes until it is ready."
    if order.status == OrderStatus.PENDING:
        return (
            f"Order #{order.number} is not confirmed yet: say *CONFIRM {order.number} {minutes}*."
        )
    if order.status not in OPEN_STATUSES or order.status == OrderStatus.ON_HOLD:
        return f"Order #{order.number} is {order.status.replace('_', ' ')}: no ready time to give."
    promise_ready(session, order, minutes, actor=actor, now=now)
    return staff_replies.staff_eta(order, minutes)


def _paid_amount(text: str, currency: str) -> int | None:
    """The amount after "PAID 1042" in minor units; None when none is given, 0 when unreadable."""
    cleaned = text.strip(_CURRENCY_MARKS)
    if cleaned.upper().startswith(currency.upper()):
        cleaned = cleaned[len(currency) :].strip(_CURRENCY_MARKS)
    if not text:
        return None
    try:
        return parse_major_amount(cleaned, currency)
    except ValueError:
        return 0


def _target_order(session: Session, tenant: Tenant, command: StaffCommand) -> Order | str:
    """The order the command names (locked), or the reply explaining why there is none."""
    if command.number is None:
        if command.action != "confirm":
            return replies.staff_which_order(
                command.action.upper(), open_orders(session, tenant.id)
            )
        pending = open_orders(session, tenant.id, statuses=[OrderStatus.PENDING])
        if not pending:
            return replies.staff_nothing_pending()
        if len(pending) > 1:
            return replies.staff_which_order("CONFIRM", pending)
        return get_order(session, tenant.id, str(pending[0].number), lock=True)
    try:
        return get_order(session, tenant.id, command.number, lock=True)
    except NotFound:
        return replies.staff_no_such_order(command.number, open_orders(session, tenant.id))


def open_orders(
    session: Session, tenant_id: int, *, statuses: list[OrderStatus] | None = None
) -> list[Order]:
    """The tenant's open orders (or those in `statuses`), oldest first."""
    wanted = [s.value for s in (statuses or OPEN_STATUSES)]
    return list(
        session.scalars(
            select(Order)
            .where(Order.tenant_id == tenant_id, Order.status.in_(wanted))
            .order_by(Order.number)
            .limit(OPEN_LIMIT)
            .options(selectinload(Order.items))
        )
    )


def alert_staff(
    session: Session,
    tenant: Tenant,
    body: str,
    *,
    order_id: int | None = None,
    dedupe: str | None = None,
    template: str | None = None,
    variables: dict[str, str] | None = None,
    now: datetime | None = None,
) -> None:
    """Queue `body` for every staff number (once per `dedupe` key and number, when given).

    `template` names the tenant template sent instead if WhatsApp refuses free text
    because the staff member has not written in 24 hours. `now` is the caller's clock
    (default: the real one). A new-order alert (`template` staff.new_order) goes with
    Confirm / Reject buttons to staff who wrote within 24 hours, when the business has a
    `staff.new_order_buttons` template.
    """
    channel = staff_channel(tenant)
    buttons = _alert_buttons(session, tenant, body, channel, template, variables, now)
    message_staff(
        session, tenant, body, order_id=order_id, dedupe=dedupe, template=template,
        variables=variables, content=buttons, now=now,
    )  # fmt: skip


def _alert_buttons(
    session: Session,
    tenant: Tenant,
    body: str,
    channel: str,
    template: str | None,
    variables: dict[str, str] | None,
    now: datetime | None,
) -> dict[str, Content]:
    """The Confirm / Reject content per staff phone that may get it (inside the window)."""
    if template != NEW_ORDER_TEMPLATE or channel != "whatsapp" or not tenant.staff:
        return {}
    offer = interactive.staff_offer(body, (variables or {}).get("order_number"))
    content = interactive.content_for(tenant_settings(tenant), offer)
    if content is None:
        return {}
    since = (now or utcnow()) - STAFF_WINDOW
    recent = session.scalars(
        select(Conversation.phone).where(
            Conversation.tenant_id == tenant.id,
            Conversation.phone.in_([member.phone for member in tenant.staff]),
            Conversation.last_activity_at > since,
        )
    )
    return {phone: content for phone in recent}
