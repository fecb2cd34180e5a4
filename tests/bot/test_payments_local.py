"""Pay before preparing with the local provider: the confirmation carries a link on this
server, the page's Pay button goes through the signed callback path, the customer is told."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from bot.payments.asking import payment_lines, prepare_links
from orders_core.db import Database
from orders_core.models import Order, OutboxEvent, Payment, PaymentLink, TimelineEvent
from orders_core.payment_settings import PaymentSettings
from orders_core.services.orders import get_order
from orders_core.services.payment_links import payment_link_for
from orders_core.services.tenants import get_tenant, update_tenant_settings
from tests.conftest import TenantInfo
from tests.payment_recorders import HttpRecorder, recorded_wiring
from tests.twilio_recorder import Harness, move, place
from webhooks.app import create_app

BASE = "https://chatorders.example.com"
LOCAL = {"methods": ["local", "cash"], "ask": "before_preparing"}


@pytest.fixture
def client(h: Harness) -> FlaskClient:
    wiring = recorded_wiring(HttpRecorder())
    app = create_app(h.settings, db=h.database, extras={"payments_wiring": wiring})
    return app.test_client()


def set_payments(database: Database, tenant_id: int, payments: dict[str, Any]) -> None:
    with database.write() as session:
        update_tenant_settings(session, get_tenant(session, tenant_id), {"payments": payments})


def confirmed_order(h: Harness, tenant: TenantInfo) -> str:
    order_id = place(h.database, tenant.id)
    move(h.database, tenant.id, order_id, "confirmed")
    prepare_links(h.database, BASE)
    h.dispatch()
    return order_id


def order_row(database: Database, tenant: TenantInfo, order_id: str) -> Order:
    with database.read() as session:
        return get_order(session, tenant.id, order_id)


def count(database: Database, model: type) -> int:
    with database.read() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def press_sig(page: str) -> str:
    found = re.search(r'name="sig" value="([0-9a-f]+)"', page)
    assert found
    return found.group(1)


def test_the_confirmation_carries_a_link_and_paying_on_the_page_is_told(
    h: Harness, tenant: TenantInfo, client: FlaskClient
) -> None:
    set_payments(h.database, tenant.id, LOCAL)
    order_id = confirmed_order(h, tenant)
    confirmation = h.recorder.sent[-1]["Body"]
    assert "is confirmed" in confirmation
    found = re.search(rf"Please pay ₦[\d,.]+ here: {BASE}/pay/(\S+)", confirmation)
    assert found, confirmation
    token = found.group(1)

    page = client.get(f"/pay/{token}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Mama Put Lagos" in text and "Pay ₦" in text
    pressed = client.post(f"/pay/{token}", data={"action": "pay", "sig": press_sig(text)})
    assert pressed.status_code == 303

    order = order_row(h.database, tenant, order_id)
    assert order.payment_status == "paid" and order.amount_paid == order.total
    with h.database.read() as session:
        kinds = session.scalars(select(OutboxEvent.type).order_by(OutboxEvent.id)).all()
        titles = session.scalars(select(TimelineEvent.title)).all()
    assert kinds[-1] == "payment.recorded" and "Payment received" in titles
    h.dispatch()
    assert "we received your payment" in h.recorder.sent[-1]["Body"]
    assert "Paid. Thank you" in client.get(f"/pay/{token}").get_data(as_text=True)

    again = client.post(f"/pay/{token}", data={"action": "pay", "sig": press_sig(text)})
    assert again.status_code == 303 and count(h.database, Payment) == 1


def test_a_forged_press_changes_nothing(
    h: Harness, tenant: TenantInfo, client: FlaskClient
) -> None:
    set_payments(h.database, tenant.id, LOCAL)
    confirmed_order(h, tenant)
    with h.database.read() as session:
        token = session.scalars(select(PaymentLink.token)).one()
    forged = client.post(f"/pay/{token}", data={"action": "pay", "sig": "0" * 64})
    assert forged.status_code == 403
    assert count(h.database, Payment) == 0
    assert client.get("/pay/no-such-token").status_code == 404


def test_fail_closes_the_link_and_the_next_ask_makes_a_new_one(
    h: Harness, tenant: TenantInfo, client: FlaskClient
) -> None:
    set_payments(h.database, tenant.id, LOCAL)
    order_id = confirmed_order(h, tenant)
    with h.database.read() as session:
        token = session.scalars(select(PaymentLink.token)).one()
    text = client.get(f"/pay/{token}").get_data(as_text=True)
    client.post(f"/pay/{token}", data={"action": "fail", "sig": press_sig(text)})
    assert "no longer open" in client.get(f"/pay/{token}").get_data(as_text=True)
    assert count(h.database, Payment) == 0
    with h.database.write() as session:
        order = get_order(session, tenant.id, order_id)
        link = payment_link_for(session, order, provider="local", base_url=BASE)
        assert link is not None and link.token != token and link.attempt == 2


def test_a_reminder_reuses_the_link_until_the_amount_due_changes(
    h: Harness, tenant: TenantInfo
) -> None:
    set_payments(h.database, tenant.id, LOCAL)
    order_id = confirmed_order(h, tenant)
    assert prepare_links(h.database, BASE) == 0  # made once
    with h.database.read() as session:
        order = get_order(session, tenant.id, order_id)
        payments = PaymentSettings.model_validate(LOCAL)
        as_sent = {"total": order.total, "amount_paid": 0, "currency": "NGN"}
        lines, url = payment_lines(session, order.id, payments, as_sent, "sw")
    assert url and url in h.recorder.sent[-1]["Body"]  # the reminder repeats the link
    assert lines == [f"Tafadhali lipa ₦{order.total // 100:,} hapa: {url}"]
    with h.database.write() as session:
        order = get_order(session, tenant.id, order_id)
        first = payment_link_for(session, order, provider="local", base_url=BASE)
        again = payment_link_for(session, order, provider="local", base_url=BASE)
        assert first is not None and again is first
        order.amount_paid = 100  # a part paid by hand: the link asks for the rest
        other = payment_link_for(session, order, provider="local", base_url=BASE)
        assert other is not None and other is not first and other.amount == order.total - 100


def test_pay_on_delivery_asks_nothing_up_front(h: Harness, tenant: TenantInfo) -> None:
    set_payments(h.database, tenant.id, {"methods": ["local", "cash"], "ask": "on_delivery"})
    confirmed_order(h, tenant)
    assert count(h.database, PaymentLink) == 0
    assert "/pay/" not in h.recorder.sent[-1]["Body"]


def test_mpesa_and_transfer_are_asked_in_the_confirmation(h: Harness, tenant: TenantInfo) -> None:
    set_payments(h.database, tenant.id, {
        "methods": ["mpesa", "bank_transfer"], "ask": "before_preparing",
        "bank_transfer_details": "GTBank 0123456789 Mama Put Ltd",
        "mpesa": {"shortcode": "174379"},
    })  # fmt: skip
    confirmed_order(h, tenant)
    body = h.recorder.sent[-1]["Body"]
    assert "Check your phone for the M-Pesa prompt to pay ₦" in body
    assert "GTBank 0123456789 Mama Put Ltd" in body and "send a picture of the receipt" in body
    with h.database.read() as session:
        link = session.scalars(select(PaymentLink)).one()
    assert link.provider == "mpesa" and link.status == "created" and link.phone


def test_transfer_only_gives_the_details_without_a_link(h: Harness, tenant: TenantInfo) -> None:
    set_payments(h.database, tenant.id, {
        "methods": ["bank_transfer"], "ask": "before_preparing",
        "bank_transfer_details": "GTBank 0123456789",
    })  # fmt: skip
    confirmed_order(h, tenant)
    body = h.recorder.sent[-1]["Body"]
    assert "GTBank 0123456789" in body and "/pay/" not in body
    assert count(h.database, PaymentLink) == 0
