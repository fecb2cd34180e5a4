"""Asking the customer to pay: payment links made when an order is confirmed (before its
message is planned), and the lines the "order confirmed" message carries.

`prepare_links` runs in the delivery job just before the outbox is planned: it makes the
link row (database only, no provider call: the link is a page on this server that calls the
provider when opened, and the M-Pesa prompt is sent by `bot.payments.jobs`), so planning
stays free of HTTP and holds no lock across a provider's answer.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.language.replies import say
from bot.notifications import Notice
from orders_core.db import Database
from orders_core.domain import format_money
from orders_core.models import Order, OutboxEvent, PaymentLink, Tenant
from orders_core.payment_settings import PaymentSettings
from orders_core.services.payment_links import open_link, payment_link_for
from orders_core.services.tenants import tenant_settings

UNPAID = ("unpaid", "partially_paid")
BATCH = 200


def _confirmed(event: OutboxEvent) -> bool:
    order = event.data.get("order") or {}
    return event.type == "order.status_changed" and order.get("status") == "confirmed"


def prepare_links(database: Database, base_url: str, *, limit: int = BATCH) -> int:
    """Make the payment link of every just-confirmed, unpaid order whose business asks
    before preparing, before its confirmation is planned. Returns how many were made."""
    made = 0
    with database.write() as session:
        events = session.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.processed_at.is_(None), OutboxEvent.type == "order.status_changed")
            .order_by(OutboxEvent.id)
            .limit(limit)
        ).all()
        asks: dict[int, PaymentSettings | None] = {}
        for event in events:
            if not _confirmed(event) or event.order_id is None:
                continue
            if event.tenant_id not in asks:
                tenant = session.get(Tenant, event.tenant_id)
                asks[event.tenant_id] = tenant_settings(tenant).payments if tenant else None
            payments = asks[event.tenant_id]
            if not payments or not payments.asks_before_preparing or not payments.provider:
                continue
            order = session.get(Order, event.order_id)
            if order is None or order.payment_status not in UNPAID:
                continue
            before = open_link(session, order.id)
            link = payment_link_for(session, order, provider=payments.provider, base_url=base_url)
            made += int(link is not None and link is not before)
    return made


def request_lines(
    payments: PaymentSettings, link: PaymentLink | None, amount: str, lang: str
) -> list[str]:
    """What to tell the customer about paying `amount`: the link, the M-Pesa prompt, and
    the transfer details, in the order the business offers them."""
    lines: list[str] = []
    for method in payments.methods:
        if method == "mpesa" and link is not None and link.provider == "mpesa":
            lines.append(say(lang, "pay_mpesa_prompt", amount=amount))
        elif link is not None and method == link.provider:
            lines.append(say(lang, "pay_link", amount=amount, url=link.url))
        elif method == "bank_transfer" and payments.bank_transfer_details:
            lines.append(say(lang, "pay_transfer", details=payments.bank_transfer_details))
    return lines


def payment_lines(
    session: Session, order_id: int, payments: PaymentSettings, order: dict[str, Any], lang: str
) -> tuple[list[str], str]:
    """The payment request for an unpaid order (its outbox/presenter dict) and the link URL
    ("" without one): the open link, so an unpaid reminder repeats the confirmation's."""
    due = int(order.get("total") or 0) - int(order.get("amount_paid") or 0)
    if due <= 0:
        return [], ""
    link = open_link(session, order_id) if payments.provider else None
    lines = request_lines(payments, link, format_money(due, str(order.get("currency"))), lang)
    return lines, link.url if link else ""


def with_payment_request(
    session: Session, event: OutboxEvent, payments: PaymentSettings, notice: Notice, lang: str
) -> Notice:
    """The confirmation notice with the payment request added when the business asks
    before preparing and the order is unpaid; else the notice unchanged."""
    if not payments.asks_before_preparing or not _confirmed(event) or event.order_id is None:
        return notice
    order = event.data.get("order") or {}
    if order.get("payment_status") not in UNPAID:
        return notice
    lines, url = payment_lines(session, event.order_id, payments, order, lang)
    if not lines:
        return notice
    body = "\n\n".join([notice.body, *lines])
    return Notice(notice.template, body, {**notice.variables, "payment_link": url})
