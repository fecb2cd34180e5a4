"""Who is messaged, and on which channel: the one place every sender asks.

Customers about an order (`customer_channel`: order notices, unpaid and feedback reminders):
- nobody when the order has no phone or the business turned auto_notifications off;
- a chat order's customer on the channel they ordered on (WhatsApp or SMS);
- a web/API order's customer on WhatsApp, only when the business turned
  notify_web_orders_on_whatsapp on AND the customer has written to it on WhatsApp before
  (`Customer.whatsapp`); otherwise nobody: such a customer gave a number on a form, not a
  chat, and WhatsApp refuses free text to someone who never wrote. A reminder follows the
  same rule as the confirmation, so nobody is reminded of an order they were never told of.

Customers in a conversation (`chat_channel`: staff replies, abandoned carts, the cart kept
for opening): WhatsApp when they wrote on it (or the business has no SMS number), else SMS.
An answer to something a customer did about an order (`answer_channel`: a transfer proof
rejected) goes to the chat the order came from, else the same way.

Staff (`message_staff`): every staff member (or the ones named), on the business's WhatsApp
number when it has one, else SMS, as `alert` messages.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.outbound import MessageFields, queue_message
from orders_core.models import Customer, Order, Tenant
from orders_core.tenant_settings import TenantSettings

if TYPE_CHECKING:
    from bot.interactive import Content

CHAT_CHANNELS = frozenset({"whatsapp", "sms"})


def customer_channel(
    order_channel: str | None, phone: str | None, settings: TenantSettings, *, on_whatsapp: bool
) -> str | None:
    """The channel to tell an order's customer on, or None when they are not to be messaged.

    `order_channel` is the channel the order came in on (whatsapp, sms, web, api, ...);
    `on_whatsapp`: the customer has written to the business on WhatsApp (see
    `whatsapp_customers`; it matters only for a web/API order).
    """
    if not phone or not settings.auto_notifications:
        return None
    if order_channel in CHAT_CHANNELS:
        return order_channel
    if settings.notify_web_orders_on_whatsapp and on_whatsapp:
        return "whatsapp"
    return None


def needs_whatsapp_check(order_channel: str | None, settings: TenantSettings) -> bool:
    """Whether `customer_channel` depends on `on_whatsapp` for an order from `order_channel`."""
    return order_channel not in CHAT_CHANNELS and settings.notify_web_orders_on_whatsapp


def whatsapp_customers(session: Session, tenant_id: int, phones: Iterable[str]) -> set[str]:
    """Of `phones`, the customers who have written to the tenant on WhatsApp (one query)."""
    wanted = set(phones)
    if not wanted:
        return set()
    return set(
        session.scalars(
            select(Customer.phone).where(
                Customer.tenant_id == tenant_id,
                Customer.phone.in_(wanted),
                Customer.whatsapp.is_(True),
            )
        )
    )


def order_channels(
    session: Session, tenant: Tenant, settings: TenantSettings, orders: Iterable[Order]
) -> dict[int, str]:
    """Per order id, the channel to tell its customer on (orders nobody is told left out).

    At most one query, for the web/API orders' customers.
    """
    orders = list(orders)
    web = {
        o.customer_phone
        for o in orders
        if o.customer_phone and needs_whatsapp_check(o.channel, settings)
    }
    on_whatsapp = whatsapp_customers(session, tenant.id, web)
    found: dict[int, str] = {}
    for order in orders:
        channel = customer_channel(
            order.channel,
            order.customer_phone,
            settings,
            on_whatsapp=order.customer_phone in on_whatsapp,
        )
        if channel is not None:
            found[order.id] = channel
    return found


def chat_channel(tenant: Tenant, *, on_whatsapp: bool) -> str:
    """The channel to message a customer who chats with the business: WhatsApp when they
    wrote on it (or the business has no SMS number), else SMS."""
    if tenant.whatsapp_number and (on_whatsapp or not tenant.sms_number):
        return "whatsapp"
    return "sms"


def chat_channel_of(session: Session, tenant: Tenant, phone: str) -> str:
    """`chat_channel` for `phone`, looking up whether they wrote on WhatsApp (one query)."""
    on_whatsapp = session.scalar(
        select(Customer.whatsapp).where(Customer.tenant_id == tenant.id, Customer.phone == phone)
    )
    return chat_channel(tenant, on_whatsapp=bool(on_whatsapp))


def answer_channel(session: Session, tenant: Tenant, order: Order) -> str:
    """The channel to answer an order's customer about something they did (a transfer proof):
    the chat the order came from, else where they chat with the business."""
    if order.channel in CHAT_CHANNELS:
        return str(order.channel)
    assert order.customer_phone is not None
    return chat_channel_of(session, tenant, order.customer_phone)


def staff_channel(tenant: Tenant) -> str:
    """The channel staff are messaged on: the business's WhatsApp number if any, else SMS."""
    return "whatsapp" if tenant.whatsapp_number else "sms"


def staff_recipients(tenant: Tenant) -> list[str]:
    """The phone numbers of every staff member of `tenant`."""
    return [member.phone for member in tenant.staff]


def message_staff(
    session: Session,
    tenant: Tenant,
    body: str,
    *,
    to: Iterable[str] | None = None,
    order_id: int | None = None,
    dedupe: str | None = None,
    template: str | None = None,
    variables: dict[str, str] | None = None,
    content: Mapping[str, Content] | None = None,
    now: datetime | None = None,
) -> int:
    """Queue `body` as an alert for every staff member (or the numbers `to`); how many queued.

    With `dedupe`, each number gets it once ever (key "<dedupe>:<phone>"): a key already
    taken, even by a concurrent transaction, is skipped inside a savepoint without
    disturbing the caller's transaction. `template` is sent instead when WhatsApp refuses
    free text; `content` gives some numbers buttons or a list (by phone).
    """
    channel = staff_channel(tenant)
    phones = staff_recipients(tenant) if to is None else list(to)
    queued = 0
    for phone in phones:
        button = (content or {}).get(phone)
        fields: MessageFields = {
            "body": body,
            "order_id": order_id,
            "dedupe_key": f"{dedupe}:{phone}" if dedupe else None,
            "template": template,
            "variables": variables,
            "not_before": now,
            "now": now,
            "content_sid": button.content_sid if button else None,
            "content_variables": button.variables if button else None,
            "interactive": button.key if button else None,
        }
        if dedupe is None:
            queue_message(session, tenant, to_phone=phone, channel=channel, kind="alert", **fields)
            queued += 1
            continue
        try:
            with session.begin_nested():
                message = queue_message(
                    session, tenant, to_phone=phone, channel=channel, kind="alert", **fields
                )
        except IntegrityError:
            continue
        queued += message is not None
    return queued
