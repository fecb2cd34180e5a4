"""Paystack and Razorpay end to end with recorded HTTP: the link the customer gets,
callbacks signed as each provider signs (tampered ones refused), the status check before
trusting, one payment whatever the retries, nothing for unknown references or another
business's, refunds at the provider."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from bot.payments.refunds import pass_on_refunds
from orders_core.db import Database
from orders_core.models import PaymentLink, ProviderEvent, TimelineEvent
from orders_core.services.tenants import get_tenant, update_tenant_settings
from orders_core.settings import Settings
from tests.conftest import TenantInfo, make_tenant
from tests.payment_recorders import ENV, HttpRecorder, recorded_wiring, sign
from tests.webhooks.payment_helpers import (
    BASE,
    PAYSTACK,
    RAZORPAY,
    at_once,
    link_of,
    order_of,
    payments,
    payments_app,
    setup,
)


@pytest.fixture
def recorder() -> HttpRecorder:
    return HttpRecorder()


@pytest.fixture
def app(settings: Settings, database: Database, recorder: HttpRecorder) -> Flask:
    return payments_app(settings, database, recorder)


# Paystack ---------------------------------------------------------------------------------


def paystack_charge(reference: str, amount: int, currency: str = "NGN") -> dict[str, Any]:
    """A transaction as Paystack's charge.success event and verify endpoint carry it."""
    return {"id": 4099260516, "domain": "test", "status": "success", "reference": reference,
            "amount": amount, "gateway_response": "Successful", "channel": "card",
            "currency": currency, "customer": {"email": "x@example.com"}}  # fmt: skip


def paystack_ready(recorder: HttpRecorder, link: PaymentLink, amount: int | None = None) -> bytes:
    recorder.on("POST", "/transaction/initialize", 200, {
        "status": True, "message": "Authorization URL created",
        "data": {"authorization_url": "https://checkout.paystack.com/0peioxfhpn",
                 "access_code": "0peioxfhpn", "reference": link.provider_reference},
    })  # fmt: skip
    charge = paystack_charge(str(link.provider_reference), amount or link.amount)
    recorder.on("GET", f"/transaction/verify/{link.provider_reference}", 200,
                {"status": True, "message": "Verification successful", "data": charge})  # fmt: skip
    return json.dumps({"event": "charge.success", "data": charge}).encode()


def paystack_post(client: Any, tenant_id: int, body: bytes, signature: str | None = None) -> Any:
    sig = signature or sign(ENV["PAYSTACK_SECRET_KEY"], body, "sha512")
    return client.post(f"/webhooks/payments/paystack/{tenant_id}", data=body,
                       headers={"x-paystack-signature": sig, "Content-Type": "application/json"})  # fmt: skip


def test_paystack_link_webhook_and_verify(
    app: Flask, database: Database, tenant: TenantInfo, recorder: HttpRecorder
) -> None:
    order_id, link = setup(database, tenant, PAYSTACK)
    body = paystack_ready(recorder, link)
    client = app.test_client()

    opened = client.get(f"/pay/{link.token}")
    assert opened.status_code == 303
    assert opened.headers["Location"] == "https://checkout.paystack.com/0peioxfhpn"
    [init] = recorder.to("/transaction/initialize")
    assert init.url == "https://api.paystack.co/transaction/initialize"
    assert init.headers["authorization"] == f"Bearer {ENV['PAYSTACK_SECRET_KEY']}"
    assert init.json == {
        "email": "2348012345678@customers.chatorders.app", "amount": link.amount,
        "currency": "NGN", "reference": link.provider_reference,
        "callback_url": f"{BASE}/pay/{link.token}",
        "metadata": {"description": "Mama Put Lagos order #1001"},
    }  # fmt: skip
    assert client.get(f"/pay/{link.token}").status_code == 303  # made once
    back = client.get(f"/pay/{link.token}?trxref={link.provider_reference}")
    assert back.status_code == 200 and "confirming your payment" in back.get_data(as_text=True)
    assert len(recorder.to("/transaction/initialize")) == 1

    tampered = body.replace(b'"amount": ', b'"amount": 1')
    refused = paystack_post(
        client, tenant.id, tampered, sign(ENV["PAYSTACK_SECRET_KEY"], body, "sha512")
    )
    assert refused.status_code == 401 and payments(database) == 0
    assert not recorder.to(f"/transaction/verify/{link.provider_reference}")

    answer = paystack_post(client, tenant.id, body)
    assert answer.status_code == 200 and answer.json["outcome"] == "recorded"
    [verify] = recorder.to(f"/transaction/verify/{link.provider_reference}")
    assert verify.headers["authorization"] == f"Bearer {ENV['PAYSTACK_SECRET_KEY']}"
    order = order_of(database, tenant, order_id)
    assert order.payment_status == "paid" and order.payment_reference == link.provider_reference
    assert link_of(database, link.id).status == "paid"
    assert paystack_post(client, tenant.id, body).json["outcome"] == "replay"
    assert payments(database) == 1


def test_paystack_unknown_reference_and_another_business_change_nothing(
    app: Flask,
    database: Database,
    tenant: TenantInfo,
    other_tenant: TenantInfo,
    recorder: HttpRecorder,
) -> None:
    _, link = setup(database, tenant, PAYSTACK)
    with database.write() as session:
        update_tenant_settings(
            session, get_tenant(session, other_tenant.id), {"payments": PAYSTACK}
        )
    body = paystack_ready(recorder, link)
    client = app.test_client()
    unknown = json.dumps({"event": "charge.success",
                          "data": paystack_charge("co_not_ours", 500)}).encode()  # fmt: skip
    assert paystack_post(client, tenant.id, unknown).json["outcome"] == "unknown"
    elsewhere = paystack_post(client, other_tenant.id, body)
    assert elsewhere.status_code == 200 and elsewhere.json["outcome"] == "unknown"
    assert paystack_post(client, 999999, body).status_code == 200
    assert payments(database) == 0 and not recorder.sent
    with database.read() as session:
        assert not session.scalars(select(ProviderEvent)).all()


def test_paystack_same_callback_three_times_at_once_is_one_payment(
    app: Flask, database: Database, tenant: TenantInfo, recorder: HttpRecorder
) -> None:
    order_id, link = setup(database, tenant, PAYSTACK)
    body = paystack_ready(recorder, link)
    codes = at_once(app, 3, lambda client: paystack_post(client, tenant.id, body))
    assert codes == [200, 200, 200]
    assert payments(database) == 1
    assert order_of(database, tenant, order_id).amount_paid == link.amount


def test_paystack_underpayment_overpayment_and_wrong_currency(
    app: Flask, database: Database, tenant: TenantInfo, recorder: HttpRecorder
) -> None:
    order_id, link = setup(database, tenant, PAYSTACK)
    client = app.test_client()
    body = paystack_ready(recorder, link, amount=link.amount - 1000)
    assert paystack_post(client, tenant.id, body).json["outcome"] == "recorded"
    order = order_of(database, tenant, order_id)
    assert order.payment_status == "partially_paid" and order.amount_paid == link.amount - 1000

    # the rest, overpaid, under another charge id: recorded up to what is due, flagged
    over = paystack_charge(str(link.provider_reference), 5000) | {"id": 4099260517}
    recorder.answers.clear()
    recorder.on("GET", f"/transaction/verify/{link.provider_reference}", 200,
                {"status": True, "data": over})  # fmt: skip
    body = json.dumps({"event": "charge.success", "data": over}).encode()
    assert paystack_post(client, tenant.id, body).json["outcome"] == "recorded"
    order = order_of(database, tenant, order_id)
    assert order.payment_status == "paid" and order.amount_paid == order.total
    with database.read() as session:
        titles = session.scalars(select(TimelineEvent.title)).all()
    assert "Overpaid by ₦40: refund the difference" in titles

    dollars = paystack_charge(str(link.provider_reference), 100, "USD") | {"id": 4099260518}
    recorder.answers.clear()
    recorder.on("GET", f"/transaction/verify/{link.provider_reference}", 200,
                {"status": True, "data": dollars})  # fmt: skip
    body = json.dumps({"event": "charge.success", "data": dollars}).encode()
    assert paystack_post(client, tenant.id, body).json["outcome"] == "wrong_currency"
    assert payments(database) == 2


# Razorpay ---------------------------------------------------------------------------------


def razorpay_link(
    status: str, amount: int, payments_: list[dict[str, Any]] | None
) -> dict[str, Any]:
    return {"id": "plink_ExjpAUN3gVHrPJ", "amount": amount, "amount_paid": amount if payments_ else 0,
            "currency": "INR", "reference_id": "x", "status": status,
            "short_url": "https://rzp.io/i/nxrHnLJ", "payments": payments_}  # fmt: skip


def test_razorpay_link_webhook_fetch_and_refund(
    app: Flask, database: Database, recorder: HttpRecorder
) -> None:
    shop = make_tenant(database, name="Chaat Corner Mumbai", currency="INR",
                       timezone="Asia/Kolkata", whatsapp_number="+919800000000",
                       staff=["+919800000001"])  # fmt: skip
    order_id, link = setup(database, shop, RAZORPAY, phone="+919812345678")
    recorder.on("POST", "/v1/payment_links", 200, razorpay_link("created", link.amount, None))
    client = app.test_client()
    opened = client.get(f"/pay/{link.token}")
    assert opened.headers["Location"] == "https://rzp.io/i/nxrHnLJ"
    [create] = recorder.to("/v1/payment_links")
    assert create.url == "https://api.razorpay.com/v1/payment_links"
    expected = "Basic " + base64.b64encode(b"rzp_test_1DP5mmOlF5G5ag:rzp_key_secret").decode()
    assert create.headers["Authorization"] == expected
    assert create.json["amount"] == link.amount and create.json["currency"] == "INR"
    assert create.json["reference_id"] == link.provider_reference
    assert create.json["customer"] == {"contact": "+919812345678"}
    assert link_of(database, link.id).provider_reference == "plink_ExjpAUN3gVHrPJ"

    paid = [{"amount": link.amount, "method": "upi", "payment_id": "pay_FHfAvJOmBmY2Jx",
             "plink_id": "plink_ExjpAUN3gVHrPJ", "status": "captured"}]  # fmt: skip
    recorder.on("GET", "/v1/payment_links/plink_ExjpAUN3gVHrPJ", 200,
                razorpay_link("paid", link.amount, paid))  # fmt: skip
    event = {"entity": "event", "event": "payment_link.paid", "contains": ["payment_link", "payment"],
             "payload": {"payment_link": {"entity": razorpay_link("paid", link.amount, None)},
                         "payment": {"entity": {"id": "pay_FHfAvJOmBmY2Jx", "amount": link.amount,
                                                "currency": "INR", "status": "captured",
                                                "method": "upi"}}}}  # fmt: skip
    body = json.dumps(event).encode()
    good = sign(ENV["RAZORPAY_WEBHOOK_SECRET"], body, "sha256")
    url = f"/webhooks/payments/razorpay/{shop.id}"
    bad = client.post(url, data=body, headers={"X-Razorpay-Signature": "f" * 64})
    assert bad.status_code == 401 and payments(database) == 0
    codes = at_once(
        app, 3, lambda c: c.post(url, data=body, headers={"X-Razorpay-Signature": good})
    )
    assert codes == [200, 200, 200] and payments(database) == 1
    assert len(recorder.to("/v1/payment_links/plink_ExjpAUN3gVHrPJ")) == 3  # checked each time
    assert order_of(database, shop, order_id).payment_status == "paid"

    recorder.on("POST", "/v1/payments/pay_FHfAvJOmBmY2Jx/refund", 200,
                {"id": "rfnd_FP8QHiV938haTz", "entity": "refund", "amount": 500,
                 "currency": "INR", "payment_id": "pay_FHfAvJOmBmY2Jx", "status": "processed"})  # fmt: skip
    refunded = client.post(f"/v1/orders/{order_id}/refunds", json={"amount": 500},
                           headers=shop.headers)  # fmt: skip
    assert refunded.status_code == 201
    wiring = recorded_wiring(recorder)
    assert pass_on_refunds(database, wiring) == 1
    assert pass_on_refunds(database, wiring) == 0  # once
    [sent] = recorder.to("/v1/payments/pay_FHfAvJOmBmY2Jx/refund")
    assert sent.json == {"amount": 500}
    with database.read() as session:
        titles = session.scalars(select(TimelineEvent.description)).all()
    assert "₹5 (rfnd_FP8QHiV938haTz)" in titles
