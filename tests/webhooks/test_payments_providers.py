"""Paystack, Razorpay and M-Pesa end to end with recorded HTTP: the link or prompt the
customer gets, callbacks signed as each provider signs (tampered ones refused), the status
check before trusting, one payment whatever the retries, nothing for unknown references or
another business's, refunds at the provider."""

from __future__ import annotations

import base64
import json
import threading
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from bot.payments.asking import prepare_links
from bot.payments.jobs import poll_mpesa, send_mpesa_prompts
from bot.payments.refunds import pass_on_refunds
from orders_core.db import Database
from orders_core.models import Order, Payment, PaymentLink, ProviderEvent, TimelineEvent, utcnow
from orders_core.services.orders import get_order
from orders_core.services.tenants import get_tenant, update_tenant_settings
from orders_core.settings import Settings
from tests.conftest import TenantInfo, make_tenant
from tests.payment_recorders import ENV, HttpRecorder, recorded_wiring, sign
from tests.twilio_recorder import move, place
from webhooks.app import create_app

BASE = "https://chatorders.example.com"
PAYSTACK = {"methods": ["paystack"], "ask": "before_preparing"}
RAZORPAY = {"methods": ["razorpay"], "ask": "before_preparing",
            "razorpay": {"key_id": "rzp_test_1DP5mmOlF5G5ag"}}  # fmt: skip
MPESA = {"methods": ["mpesa"], "ask": "before_preparing", "mpesa": {"shortcode": "174379"}}


@pytest.fixture
def recorder() -> HttpRecorder:
    return HttpRecorder()


@pytest.fixture
def app(settings: Settings, database: Database, recorder: HttpRecorder) -> Flask:
    return create_app(settings, db=database, extras={"payments_wiring": recorded_wiring(recorder)})


def setup(
    database: Database, tenant: TenantInfo, payments: dict[str, Any], **place_args: Any
) -> tuple[str, PaymentLink]:
    """The tenant takes `payments`; an order is placed and confirmed; its link is made."""
    with database.write() as session:
        update_tenant_settings(session, get_tenant(session, tenant.id), {"payments": payments})
    order_id = place(database, tenant.id, **place_args)
    move(database, tenant.id, order_id, "confirmed")
    prepare_links(database, BASE)
    with database.read() as session:
        order = get_order(session, tenant.id, order_id)
        link = session.scalars(select(PaymentLink).where(PaymentLink.order_id == order.id)).one()
    return order_id, link


def payments(database: Database) -> int:
    with database.read() as session:
        return int(session.scalar(select(func.count()).select_from(Payment)) or 0)


def order_of(database: Database, tenant: TenantInfo, order_id: str) -> Order:
    with database.read() as session:
        return get_order(session, tenant.id, order_id)


def link_of(database: Database, link_id: int) -> PaymentLink:
    with database.read() as session:
        link = session.get(PaymentLink, link_id)
        assert link is not None
        return link


def at_once(app: Flask, count: int, post: Any) -> list[int]:
    """`post(client)` from `count` threads released together; their status codes."""
    barrier, codes = threading.Barrier(count), []

    def run() -> None:
        client = app.test_client()
        barrier.wait()
        codes.append(post(client).status_code)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return codes


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


# M-Pesa -----------------------------------------------------------------------------------

CHECKOUT = "ws_CO_191220191020363925"


def mpesa_ready(recorder: HttpRecorder, result_code: str = "0") -> None:
    recorder.on("GET", "/oauth/v1/generate", 200,
                {"access_token": "c9SQxWWhmdVRlyh0zh8gZDTkubVF", "expires_in": "3599"})  # fmt: skip
    recorder.on("POST", "/mpesa/stkpush/v1/processrequest", 200, {
        "MerchantRequestID": "29115-34620561-1", "CheckoutRequestID": CHECKOUT,
        "ResponseCode": "0", "ResponseDescription": "Success. Request accepted for processing",
        "CustomerMessage": "Success. Request accepted for processing",
    })  # fmt: skip
    recorder.on("POST", "/mpesa/stkpushquery/v1/query", 200, {
        "ResponseCode": "0", "ResponseDescription": "The service request has been accepted successsfully",
        "MerchantRequestID": "29115-34620561-1", "CheckoutRequestID": CHECKOUT,
        "ResultCode": result_code, "ResultDesc": "The service request is processed successfully.",
    })  # fmt: skip


def stk_callback(amount_shillings: int) -> bytes:
    return json.dumps({"Body": {"stkCallback": {
        "MerchantRequestID": "29115-34620561-1", "CheckoutRequestID": CHECKOUT,
        "ResultCode": 0, "ResultDesc": "The service request is processed successfully.",
        "CallbackMetadata": {"Item": [
            {"Name": "Amount", "Value": amount_shillings},
            {"Name": "MpesaReceiptNumber", "Value": "NLJ7RT61SV"},
            {"Name": "TransactionDate", "Value": 20191219102115},
            {"Name": "PhoneNumber", "Value": 254712345678},
        ]},
    }}}).encode()  # fmt: skip


def test_mpesa_prompt_callback_on_the_secret_path_and_status_query(
    app: Flask, database: Database, other_tenant: TenantInfo, recorder: HttpRecorder
) -> None:
    order_id, link = setup(database, other_tenant, MPESA, phone="+254712345678")
    mpesa_ready(recorder)
    wiring = recorded_wiring(recorder)
    assert send_mpesa_prompts(database, wiring, now=utcnow()) == 1
    assert send_mpesa_prompts(database, wiring, now=utcnow()) == 0  # claimed once
    [token] = recorder.to("/oauth/v1/generate")
    assert token.url.endswith("/oauth/v1/generate?grant_type=client_credentials")
    assert token.url.startswith("https://sandbox.safaricom.co.ke/")
    expected = base64.b64encode(b"mpesa-consumer-key:mpesa-consumer-secret").decode()
    assert token.headers["authorization"] == f"Basic {expected}"
    [push] = recorder.to("/mpesa/stkpush/v1/processrequest")
    sent = push.json
    assert push.headers["authorization"] == "Bearer c9SQxWWhmdVRlyh0zh8gZDTkubVF"
    assert (
        base64.b64decode(sent["Password"]).decode()
        == "174379" + ENV["MPESA_PASSKEY"] + sent["Timestamp"]
    )
    assert sent["PhoneNumber"] == sent["PartyA"] == "254712345678"
    assert sent["Amount"] == -(-link.amount // 100) and sent["BusinessShortCode"] == "174379"
    path = wiring.keys.mpesa_callback_path(other_tenant.id)
    assert sent["CallBackURL"] == f"{BASE}/webhooks/payments/mpesa/{path}"
    assert link_of(database, link.id).provider_reference == CHECKOUT

    client = app.test_client()
    body = stk_callback(-(-link.amount // 100))
    guessed = client.post(f"/webhooks/payments/mpesa/{other_tenant.id}.{'0' * 40}", data=body)
    assert guessed.status_code == 404 and payments(database) == 0
    codes = at_once(app, 3, lambda c: c.post(f"/webhooks/payments/mpesa/{path}", data=body))
    assert codes == [200, 200, 200] and payments(database) == 1
    assert recorder.to("/mpesa/stkpushquery/v1/query")  # asked before trusting
    order = order_of(database, other_tenant, order_id)
    assert order.payment_status == "paid" and order.payment_reference == CHECKOUT


def test_mpesa_without_callback_is_polled_after_the_delay(
    database: Database, other_tenant: TenantInfo, recorder: HttpRecorder
) -> None:
    order_id, _ = setup(database, other_tenant, MPESA, phone="+254712345678")
    mpesa_ready(recorder)
    wiring = recorded_wiring(recorder)
    now = utcnow()
    send_mpesa_prompts(database, wiring, now=now)
    assert poll_mpesa(database, wiring, now=now + timedelta(seconds=30)) == 0
    assert not recorder.to("/mpesa/stkpushquery/v1/query")
    assert poll_mpesa(database, wiring, now=now + timedelta(minutes=3)) == 1
    assert order_of(database, other_tenant, order_id).payment_status == "paid"
    assert poll_mpesa(database, wiring, now=now + timedelta(minutes=6)) == 0
    assert payments(database) == 1


def test_an_mpesa_refund_is_left_to_do_by_hand(
    app: Flask, database: Database, other_tenant: TenantInfo, recorder: HttpRecorder
) -> None:
    order_id, _ = setup(database, other_tenant, MPESA, phone="+254712345678")
    mpesa_ready(recorder)
    wiring = recorded_wiring(recorder)
    now = utcnow()
    send_mpesa_prompts(database, wiring, now=now)
    poll_mpesa(database, wiring, now=now + timedelta(minutes=3))
    cancelled = app.test_client().post(
        f"/v1/orders/{order_id}/cancel",
        json={"reason": "out_of_stock"},
        headers=other_tenant.headers,
    )  # a paid order cancelled is refunded
    assert cancelled.status_code == 200, cancelled.json
    sent_before = len(recorder.sent)
    assert pass_on_refunds(database, wiring) == 1
    assert len(recorder.sent) == sent_before  # no reversal API call
    with database.read() as session:
        titles = session.scalars(select(TimelineEvent.title)).all()
    assert "Refund by hand" in titles


def test_the_setup_endpoint_gives_urls_and_says_only_whether_secrets_are_set(
    app: Flask, database: Database, tenant: TenantInfo, other_tenant: TenantInfo
) -> None:
    with database.write() as session:
        update_tenant_settings(session, get_tenant(session, tenant.id), {"payments": {
            **RAZORPAY, "methods": ["razorpay", "paystack"],
            "razorpay": {"key_id": "rzp_test_1", "webhook_secret_env": "UNSET_SECRET"}}})  # fmt: skip
    client = app.test_client()
    setup_ = client.get("/v1/payments/setup", headers=tenant.headers)
    assert setup_.status_code == 200
    data = setup_.json
    assert data["provider"] == "razorpay" and data["ask"] == "before_preparing"
    assert data["webhook_urls"]["paystack"] == f"{BASE}/webhooks/payments/paystack/{tenant.id}"
    assert data["webhook_urls"]["mpesa"].startswith(f"{BASE}/webhooks/payments/mpesa/{tenant.id}.")
    assert data["secrets"] == {
        "paystack": {"PAYSTACK_SECRET_KEY": "set"},
        "razorpay": {"RAZORPAY_KEY_SECRET": "set", "UNSET_SECRET": "not set"},
    }
    assert not any(value in setup_.get_data(as_text=True) for value in ENV.values())
    other = client.get("/v1/payments/setup", headers=other_tenant.headers).json
    assert other["webhook_urls"]["mpesa"] != data["webhook_urls"]["mpesa"]
    assert client.get("/v1/payments/setup").status_code == 401
    settings = client.get("/v1/settings", headers=tenant.headers).json["settings"]["payments"]
    assert settings["razorpay"]["webhook_secret_env"] == "UNSET_SECRET"


@pytest.mark.parametrize(
    ("payments", "words"),
    [
        ({"methods": ["razorpay"]}, "payments.razorpay"),
        ({"methods": ["bank_transfer"]}, "payments.bank_transfer_details"),
        ({"methods": ["cash", "cash"]}, "each method once"),
        ({"methods": ["paystack"], "paystack": {"secret_key_env": "sk_live_oops"}}, "pattern"),
        ({"methods": ["bitcoin"]}, "methods"),
    ],
)
def test_bad_payment_settings_are_refused_with_a_clear_error(
    app: Flask, tenant: TenantInfo, payments: dict[str, Any], words: str
) -> None:
    response = app.test_client().patch(
        "/v1/settings", json={"settings": {"payments": payments}}, headers=tenant.headers
    )
    assert response.status_code in (400, 422)
    assert words in response.json["error"]["message"]
