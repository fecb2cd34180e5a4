"""The unpaid reminder repeats the payment request of a business that asks before preparing:
the same link the confirmation carried, and the transfer details."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.payments.asking import prepare_links
from bot.reminders import remind_unpaid
from orders_core.db import Database
from orders_core.models import Order, PaymentLink
from orders_core.settings import Settings
from tests.bot.test_reminders import DAYTIME, _run, _set, _to
from tests.conftest import TenantInfo
from tests.twilio_recorder import CUSTOMER, Harness, customer_wrote, make_harness, move, place

BASE = "https://chatorders.example.com"
ASK_FIRST = {
    "methods": ["local", "bank_transfer"],
    "ask": "before_preparing",
    "bank_transfer_details": "GTBank 0123456789 · Mama Put Ltd",
}


@pytest.fixture
def h(database: Database, settings: Settings, tenant: TenantInfo) -> Harness:
    """The harness at noon in Lagos; the customer wrote an hour ago."""
    harness = make_harness(database, settings)
    harness.now = DAYTIME
    customer_wrote(database, tenant.id, DAYTIME - timedelta(hours=1))
    return harness


def confirmed_an_hour_ago(h: Harness, tenant: TenantInfo) -> str:
    order_id = place(h.database, tenant.id)
    move(h.database, tenant.id, order_id, "confirmed")
    prepare_links(h.database, BASE)
    with h.database.write() as session:
        order = session.scalars(select(Order).where(Order.number == int(order_id[4:]))).one()
        order.status_changed_at = h.now - timedelta(minutes=90)
    h.dispatch()
    return order_id


def test_the_reminder_repeats_the_confirmations_link_and_transfer_details(
    h: Harness, tenant: TenantInfo
) -> None:
    _set(h, tenant, unpaid_reminder_minutes=60, payments=ASK_FIRST)
    confirmed_an_hour_ago(h, tenant)
    [confirmation] = [b for b in _to(h, f"whatsapp:{CUSTOMER}") if "confirmed" in b]
    found = re.search(rf"{BASE}/pay/\S+", confirmation)
    assert found, confirmation
    assert _run(h, remind_unpaid) == 1
    [reminder] = [b for b in _to(h, f"whatsapp:{CUSTOMER}") if "reminder" in b]
    assert reminder.startswith("Mama Put Lagos: a reminder that order #1001 is waiting")
    assert f"Please pay ₦7,000 here: {found.group(0)}" in reminder
    assert "GTBank 0123456789 · Mama Put Ltd" in reminder
    with h.database.read() as session:
        assert len(session.scalars(select(PaymentLink)).all()) == 1  # the same link, not a new one


def test_pay_on_delivery_reminders_carry_no_link(h: Harness, tenant: TenantInfo) -> None:
    _set(h, tenant, unpaid_reminder_minutes=60, payments={**ASK_FIRST, "ask": "on_delivery"})
    confirmed_an_hour_ago(h, tenant)
    assert _run(h, remind_unpaid) == 1
    [reminder] = [b for b in _to(h, f"whatsapp:{CUSTOMER}") if "reminder" in b]
    assert "/pay/" not in reminder and "GTBank" not in reminder
