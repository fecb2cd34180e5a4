"""Periodic chasers: pending orders (staff, then auto-cancel), unpaid orders, abandoned carts,
feedback after delivery. Each job takes `now` and returns how many messages it queued.

Exactly once: a job locks the rows it looks at (FOR UPDATE SKIP LOCKED on PostgreSQL; the
single SQLite writer otherwise) and records each message under a unique dedupe_key such as
"pending-reminder:1:ord_1042:1", in the same transaction. A second scheduler process, or a
restart, finds the key taken and sends nothing. The dispatcher sends what was queued.

Customer reminders wait out the tenant's quiet hours (in the tenant's timezone): the job
sends nothing then, and the next run after quiet_hours_end does. Staff reminders do not wait.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from bot import notifications as wording
from bot.chat_languages import chat_languages, conversation_language
from bot.language.lexicon import BASE
from bot.notifications import Notice
from bot.opening import HOLD_KEY
from bot.outbound import queue_message
from bot.payments.unpaid_reminder import UnpaidReminderWording
from bot.recipients import chat_channel_of, message_staff, order_channels
from bot.staff import alert_staff
from orders_core.db import Database
from orders_core.domain import CancelReason, OrderStatus, PaymentStatus
from orders_core.models import (
    Checkout,
    CheckoutStatus,
    Conversation,
    Message,
    Order,
    Product,
    Tenant,
)
from orders_core.opening_hours import in_quiet_hours
from orders_core.presenters import order_payload
from orders_core.schemas import CancelIn
from orders_core.services.orders import cancel_order
from orders_core.services.tenants import tenant_settings
from orders_core.tenant_settings import TenantSettings

CART_NUDGE_GAP = timedelta(hours=24)
MAX_CART_NUDGES = 2
FEEDBACK_LOOKBACK = timedelta(days=7)  # turning feedback on does not ask about old orders
AUTO_CANCEL_NOTE = "It was not confirmed in time."


def _tenants(session: Session) -> Iterator[tuple[Tenant, TenantSettings]]:
    for tenant in session.scalars(select(Tenant).order_by(Tenant.id)):
        yield tenant, tenant_settings(tenant)


def _customer_quiet(tenant: Tenant, settings: TenantSettings, now: datetime) -> bool:
    return in_quiet_hours(
        now, tenant.timezone, settings.quiet_hours_start, settings.quiet_hours_end
    )


def _queue_once(session: Session, **fields: object) -> bool:
    """queue_message under a savepoint: False when the dedupe_key is (or just got) taken."""
    try:
        with session.begin_nested():
            return queue_message(session, **fields) is not None  # type: ignore[arg-type]
    except IntegrityError:
        return False


def _locked_orders(session: Session, *conditions: object) -> list[Order]:
    query = (
        select(Order)
        .where(*conditions)  # type: ignore[arg-type]
        .order_by(Order.id)
        .options(selectinload(Order.items))
        .with_for_update(skip_locked=True, of=Order)
    )
    return list(session.scalars(query))


def remind_pending(database: Database, *, now: datetime) -> int:
    """Alert staff about orders pending N minutes (again after 2N); auto-cancel after M."""
    queued = 0
    with database.write() as session:
        for tenant, settings in list(_tenants(session)):
            n = settings.pending_reminder_minutes
            orders = _locked_orders(
                session,
                Order.tenant_id == tenant.id,
                Order.status == OrderStatus.PENDING,
                Order.status_changed_at <= now - timedelta(minutes=n),
            )
            for order in orders:
                waited = int((now - order.status_changed_at).total_seconds() // 60)
                cancel_after = settings.auto_cancel_minutes
                if cancel_after is not None and waited >= cancel_after:
                    note = CancelIn(reason=CancelReason.OTHER, note=AUTO_CANCEL_NOTE)
                    cancel_order(session, order, note, actor="scheduler")
                    alert_staff(
                        session,
                        tenant,
                        f"Order #{order.number} was cancelled automatically: "
                        f"not confirmed within {cancel_after} minutes.",
                        order_id=order.id,
                        dedupe=f"auto-cancel:{order.id}",
                        now=now,
                    )
                    continue
                round_ = 2 if waited >= 2 * n else 1
                queued += message_staff(
                    session,
                    tenant,
                    wording.staff_pending_reminder(order_payload(order), waited),
                    order_id=order.id,
                    dedupe=f"pending-reminder:{tenant.id}:{order.public_id}:{round_}",
                    now=now,
                )
    return queued


def _remind_customers(
    database: Database,
    *,
    now: datetime,
    minutes_of: Callable[[TenantSettings], int | None],
    conditions: Callable[[Tenant, int], list[ColumnElement[bool]]],
    notice_of: Callable[[dict[str, Any], str, str], Notice],
    dedupe_of: Callable[[Tenant, Order], str],
) -> int:
    """Queue one customer message per matching order, in the customer's language, once,
    outside quiet hours and not while staff have taken the customer's conversation over
    (it waits for the bot). `notice_of(order, business, lang)` words it; the languages of a
    business's customers are read in one query."""
    queued = 0
    with database.write() as session:
        for tenant, settings in list(_tenants(session)):
            minutes = minutes_of(settings)
            if minutes is None or _customer_quiet(tenant, settings, now):
                continue
            talking = _taken_over(tenant, now)
            orders = _locked_orders(session, *conditions(tenant, minutes), ~talking)
            channels = order_channels(session, tenant, settings, orders)
            told = [order for order in orders if order.id in channels]
            languages = chat_languages(session, tenant.id, {o.customer_phone for o in told})
            for order in told:  # the others are not told of the order either (bot.recipients)
                lang = languages.get(order.customer_phone, BASE)
                notice = notice_of(order_payload(order), tenant.name, lang)
                queued += _queue_once(
                    session,
                    tenant=tenant,
                    to_phone=order.customer_phone,
                    channel=channels[order.id],
                    kind="reminder",
                    body=notice.body,
                    order_id=order.id,
                    dedupe_key=dedupe_of(tenant, order),
                    not_before=now,
                    now=now,
                    template=notice.template,
                    variables=notice.variables,
                )
    return queued


def _taken_over(tenant: Tenant, now: datetime) -> ColumnElement[bool]:
    """The order's customer is talking with staff right now: reminders wait for the bot."""
    return (
        select(Conversation.id)
        .where(
            Conversation.tenant_id == tenant.id,
            Conversation.phone == Order.customer_phone,
            Conversation.taken_over_until > now,
        )
        .exists()
    )


def remind_unpaid(database: Database, *, now: datetime) -> int:
    """Remind customers once about confirmed orders still unpaid after unpaid_reminder_minutes;
    a business asking before preparing has the payment request (the same link) repeated."""
    with database.read() as links:
        words = UnpaidReminderWording(links)
        return _remind_customers(
            database,
            now=now,
            minutes_of=lambda settings: settings.unpaid_reminder_minutes,
            conditions=lambda tenant, minutes: words.for_tenant(
                tenant,
                [
                    Order.tenant_id == tenant.id,
                    Order.status == OrderStatus.CONFIRMED,
                    Order.payment_status.in_((PaymentStatus.UNPAID, PaymentStatus.PARTIALLY_PAID)),
                    Order.status_changed_at <= now - timedelta(minutes=minutes),
                ],
            ),
            notice_of=words.notice,
            dedupe_of=lambda tenant, order: f"unpaid-reminder:{tenant.id}:{order.public_id}:1",
        )


def ask_feedback(database: Database, *, now: datetime) -> int:
    """Ask customers once for feedback feedback_after_minutes after delivery."""
    return _remind_customers(
        database,
        now=now,
        minutes_of=lambda settings: settings.feedback_after_minutes,
        conditions=lambda tenant, minutes: [
            Order.tenant_id == tenant.id,
            Order.status == OrderStatus.DELIVERED,
            Order.status_changed_at <= now - timedelta(minutes=minutes),
            Order.status_changed_at > now - FEEDBACK_LOOKBACK,
        ],
        notice_of=wording.feedback_request,
        dedupe_of=lambda tenant, order: f"feedback:{tenant.id}:{order.public_id}",
    )


def _nudge_number(session: Session, key_prefix: str, now: datetime) -> int | None:
    """Which nudge (1 or 2) this cart is due for now, or None."""
    sent = list(
        session.scalars(
            select(Message.created_at)
            .where(
                Message.dedupe_key.in_([f"{key_prefix}:{i}" for i in range(1, MAX_CART_NUDGES + 1)])
            )
            .order_by(Message.created_at)
        )
    )
    if len(sent) >= MAX_CART_NUDGES:
        return None
    if sent and now - sent[-1] < CART_NUDGE_GAP:
        return None
    return len(sent) + 1


def _cart_items(session: Session, tenant: Tenant, checkouts: list[Checkout]) -> list[list[Any]]:
    """Each checkout's lines as the nudge names them: quantity and product name."""
    if not checkouts:
        return []
    rows = session.execute(select(Product.code, Product.name).where(Product.tenant_id == tenant.id))
    names = {code: name for code, name in rows}
    return [
        [
            {"quantity": item.get("quantity", 1),
             "name": item.get("name") or names.get(item.get("product_id"), "")}
            for item in checkout.items
        ]
        for checkout in checkouts
    ]  # fmt: skip


def nudge_abandoned_carts(database: Database, *, now: datetime) -> int:
    """Nudge customers about chat carts (open checkouts of a conversation) idle for
    abandoned_cart_minutes: at most two, 24 h apart.

    The first nudge is inside WhatsApp's window (the customer wrote recently); a second one,
    a day later, goes by the tenant's template or is held as `needs_template`. A
    conversation being answered right now is skipped (its row is locked) until the next run;
    one staff have taken over, or a cart kept for opening, is not nudged.
    """
    queued = 0
    with database.write() as session:
        for tenant, settings in list(_tenants(session)):
            minutes = settings.abandoned_cart_minutes
            if minutes is None or not settings.auto_notifications:
                continue
            if _customer_quiet(tenant, settings, now):
                continue
            rows = session.execute(
                select(Checkout, Conversation.phone, Conversation.data)
                .join(Conversation, Conversation.id == Checkout.conversation_id)
                .where(
                    Checkout.tenant_id == tenant.id,
                    Checkout.status == CheckoutStatus.OPEN.value,
                    Checkout.last_activity_at <= now - timedelta(minutes=minutes),
                    or_(
                        Conversation.taken_over_until.is_(None),
                        Conversation.taken_over_until <= now,
                    ),
                )
                .order_by(Checkout.id)
                .with_for_update(skip_locked=True, of=Conversation)
            ).all()
            # A cart kept for opening is asked about at opening (bot.opening), not nudged.
            rows = [row for row in rows if HOLD_KEY not in (row.data or {})]
            carts = _cart_items(session, tenant, [checkout for checkout, _, _ in rows])
            for (checkout, phone, data), cart in zip(rows, carts, strict=True):
                prefix = (
                    f"abandoned-cart:{tenant.id}:{phone}:"
                    f"{int(checkout.last_activity_at.timestamp())}"
                )
                number = _nudge_number(session, prefix, now)
                if number is None:
                    continue
                notice = wording.cart_nudge(cart, tenant.name, conversation_language(data))
                queued += _queue_once(
                    session,
                    tenant=tenant,
                    to_phone=phone,
                    channel=chat_channel_of(session, tenant, phone),
                    kind="reminder",
                    body=notice.body,
                    dedupe_key=f"{prefix}:{number}",
                    not_before=now,
                    now=now,
                    template=notice.template,
                    variables=notice.variables,
                )
    return queued
