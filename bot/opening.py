"""Closed hours in the chat: what a customer is told, the cart kept for opening, and the
job that asks them at opening for the one more YES that places it.

A customer who confirms an order while the business is closed (outside its opening hours,
on a closed date, or paused) keeps the cart: the conversation holds it for opening
(`conversation.data["opening_hold"]`: when, on which channel, which checkout). Once the business is open
again, `ask_at_opening` messages them the cart and moves the conversation to the
confirmation step, so their YES places it. NO before that drops the hold (the cart stays).

Exactly once: the job locks the conversation (FOR UPDATE SKIP LOCKED) and records the
message under the dedupe key "opening:<tenant>:<phone>:<held at>" in the same transaction
that drops the hold, so a job run twice, or by two schedulers, messages once. The message
waits out the tenant's quiet hours like the other customer reminders.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.cart import CartLine, load_cart
from bot.intents import CatalogEntry
from bot.language.replies import say
from bot.outbound import queue_message
from bot.recipients import chat_channel
from bot.wording import cart_lines
from orders_core.db import Database
from orders_core.models import Checkout, CheckoutStatus, Conversation, Product, Tenant
from orders_core.opening_hours import in_quiet_hours, is_open, next_opening
from orders_core.services.tenants import tenant_settings
from orders_core.tenant_settings import TenantSettings

HOLD_KEY = "opening_hold"
CHECKOUT_KEY = "checkout"  # conversation.data: the open checkout's public id (bot.conversation)
AWAITING_CONFIRMATION = "awaiting_confirmation"  # bot.chat_step.State's value


def opens_text(opens_at: datetime, now: datetime, timezone: str, lang: str) -> str:
    """When the business opens, as the customer reads it: today / tomorrow / on Monday."""
    zone = ZoneInfo(timezone)
    now = now if now.tzinfo else now.replace(tzinfo=UTC)
    local, today = opens_at.astimezone(zone), now.astimezone(zone).date()
    clock = local.strftime("%H:%M")
    days = (local.date() - today).days
    if days <= 0:
        return say(lang, "opens_today", time=clock)
    if days == 1:
        return say(lang, "opens_tomorrow", time=clock)
    day = say(lang, "weekdays").split(",")[local.weekday()]
    return say(lang, "opens_on", day=day, time=clock)


def closed_text(settings: TenantSettings, now: datetime, timezone: str, lang: str) -> str | None:
    """What a customer is told about ordering now: None while open, else when it opens (or
    the pause and its message)."""
    if is_open(settings, now, timezone):
        return None
    if settings.orders_paused:
        message = f" {settings.paused_message}" if settings.paused_message else ""
        return say(lang, "paused_now") + message
    opens_at = next_opening(settings, now, timezone)
    if opens_at is None:
        return say(lang, "closed_no_opening")
    return say(lang, "closed_now", when=opens_text(opens_at, now, timezone, lang))


def can_hold(settings: TenantSettings, now: datetime, timezone: str) -> bool:
    """Whether a cart can wait for opening: paused (it resumes), or hours open again."""
    return settings.orders_paused or next_opening(settings, now, timezone) is not None


def _held(session: Session) -> dict[int, list[int]]:
    """The conversations holding a cart for opening, by tenant id (one statement, no lock)."""
    rows = session.execute(
        select(Conversation.id, Conversation.tenant_id, Conversation.data)
        .join(Checkout, Checkout.conversation_id == Conversation.id)
        .where(Checkout.status == CheckoutStatus.OPEN.value)
    ).all()
    held: dict[int, list[int]] = {}
    for conversation_id, tenant_id, data in rows:
        if (data or {}).get(HOLD_KEY):
            held.setdefault(tenant_id, []).append(conversation_id)
    return held


def _locked(session: Session, ids: list[int]) -> list[tuple[Conversation, Checkout]]:
    """These conversations and their open checkouts, locked (skipping busy ones)."""
    rows = session.execute(
        select(Conversation, Checkout)
        .join(Checkout, Checkout.conversation_id == Conversation.id)
        .where(Conversation.id.in_(ids), Checkout.status == CheckoutStatus.OPEN.value)
        .order_by(Conversation.id)
        .with_for_update(skip_locked=True, of=Conversation)
        .execution_options(populate_existing=True)
    ).all()
    return [(conversation, checkout) for conversation, checkout in rows]


def _lines(session: Session, tenant: Tenant, items: list[dict[str, Any]]) -> list[CartLine]:
    codes = [str(item.get("product_id")) for item in items]
    products = {
        p.code: p
        for p in session.scalars(
            select(Product).where(Product.tenant_id == tenant.id, Product.code.in_(codes))
        )
    }
    catalog = {
        p.code: CatalogEntry(p.code, p.name, (), p.unit_price, p.available, p.option_groups)
        for p in products.values()
    }
    return load_cart(items, catalog)  # priced with the options, as the chat prices them


def _ask(session: Session, tenant: Tenant, conversation: Conversation, checkout: Checkout,
         now: datetime) -> bool:  # fmt: skip
    """Message one customer their held cart and wait for their YES; False when nothing went."""
    data = dict(conversation.data)
    hold = data.pop(HOLD_KEY)
    lines = _lines(session, tenant, list(checkout.items))
    conversation.data = data
    if not lines or hold.get("checkout") != checkout.public_id:
        return False  # emptied, or expired and started again since: not what was held
    lang = str(data.get("lang") or "en")
    body = "\n\n".join([
        f"*{tenant.name}*: {say(lang, 'opening_now')}",
        cart_lines(lines, tenant.currency, lang),
        say(lang, "checkout_question"),
    ])  # fmt: skip
    items = ", ".join(f"{line.quantity} × {line.name}" for line in lines)
    try:
        with session.begin_nested():
            queued = queue_message(
                session, tenant, to_phone=conversation.phone,
                channel=chat_channel(tenant, on_whatsapp=hold.get("channel") != "sms"),
                kind="reminder", body=body,
                dedupe_key=f"opening:{tenant.id}:{conversation.phone}:{hold.get('at')}",
                not_before=now, now=now, template="reminder.opening",
                variables={"business": tenant.name, "items": items},
            )  # fmt: skip
    except IntegrityError:
        return False
    if queued is None:
        return False
    conversation.state = AWAITING_CONFIRMATION
    # The cart's idle time (and the chat's) counts from this message, not from last night.
    conversation.last_activity_at = checkout.last_activity_at = now
    return True


def ask_at_opening(database: Database, *, now: datetime) -> int:
    """Message each customer holding a cart for opening once the business is open (outside
    quiet hours): their cart and one question, YES places it. Returns how many were queued.

    With no cart held anywhere, one read and nothing else.
    """
    with database.read() as session:
        held = _held(session)
    if not held:
        return 0
    queued = 0
    with database.write() as session:
        tenants = session.scalars(select(Tenant).where(Tenant.id.in_(held)).order_by(Tenant.id))
        for tenant in list(tenants):
            settings = tenant_settings(tenant)
            if not is_open(settings, now, tenant.timezone) or in_quiet_hours(
                now, tenant.timezone, settings.quiet_hours_start, settings.quiet_hours_end
            ):
                continue
            for conversation, checkout in _locked(session, held[tenant.id]):
                if conversation.data.get(HOLD_KEY):  # not dropped since the read
                    queued += _ask(session, tenant, conversation, checkout, now)
    return queued
