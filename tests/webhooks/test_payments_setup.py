"""Payment settings through the API: the set-up endpoint's URLs and secrets' state, and
bad settings refused with a clear error."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from orders_core.db import Database
from orders_core.services.tenants import get_tenant, update_tenant_settings
from orders_core.settings import Settings
from tests.conftest import TenantInfo
from tests.payment_recorders import ENV, HttpRecorder
from tests.webhooks.payment_helpers import (
    BASE,
    RAZORPAY,
    payments_app,
)


@pytest.fixture
def recorder() -> HttpRecorder:
    return HttpRecorder()


@pytest.fixture
def app(settings: Settings, database: Database, recorder: HttpRecorder) -> Flask:
    return payments_app(settings, database, recorder)


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
