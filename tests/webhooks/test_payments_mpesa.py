"""M-Pesa Daraja end to end with recorded HTTP: the STK prompt, the callback on the
business's secret path checked with a status query, polling when no callback comes, and
refunds left to do by hand."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from bot.payments.jobs import poll_mpesa, send_mpesa_prompts
from bot.payments.refunds import pass_on_refunds
from orders_core.db import Database
from orders_core.models import TimelineEvent, utcnow
from orders_core.settings import Settings
from tests.conftest import TenantInfo
from tests.payment_recorders import ENV, HttpRecorder, recorded_wiring
from tests.webhooks.payment_helpers import (
    BASE,
    MPESA,
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
