"""The unpaid reminder's wording with the payment request repeated: a business that asks
for payment before preparing gets the order's open link (the one the confirmation carried)
and its transfer details in the reminder, not just "waiting for payment". The reminder and
its request are in the customer's language."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from bot import notifications as wording
from bot.notifications import Notice
from bot.payments.asking import payment_lines
from orders_core.models import Order, Tenant
from orders_core.payment_settings import PaymentSettings
from orders_core.services.tenants import tenant_settings


class UnpaidReminderWording:
    """The words of one run of the unpaid reminder job. The job names each business before
    its orders (`for_tenant`); links are read through `session`, a reading session."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.tenant_id: int | None = None
        self.payments: PaymentSettings | None = None

    def for_tenant(
        self, tenant: Tenant, conditions: list[ColumnElement[bool]]
    ) -> list[ColumnElement[bool]]:
        """Note the business whose orders come next; returns `conditions` unchanged."""
        self.tenant_id, self.payments = tenant.id, tenant_settings(tenant).payments
        return conditions

    def notice(self, order: dict[str, Any], business: str, lang: str = "en") -> Notice:
        """The reminder for `order` (its outbox dict) in `lang`, with the payment link and
        transfer details, in the same language, when the business asks before preparing."""
        notice = wording.unpaid_reminder(order, business, lang)
        payments = self.payments
        if payments is None or not payments.asks_before_preparing:
            return notice
        order_id = self.session.scalar(
            select(Order.id).where(
                Order.tenant_id == self.tenant_id, Order.number == order["number"]
            )
        )
        if order_id is None:
            return notice
        lines, url = payment_lines(self.session, order_id, payments, order, lang)
        if not lines:
            return notice
        body = "\n\n".join([notice.body, *lines])
        return Notice(notice.template, body, {**notice.variables, "payment_link": url})
