"""Order list filters a back office combines: several statuses, active, totals, update times,
email, fulfillment status, channel; and the export's new columns."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

from flask.testing import FlaskClient

from tests.conftest import TenantInfo
from tests.webhooks.conftest import PlaceOrder, assert_error

ONE_JOLLOF = [{"product_id": "prod_jollof", "quantity": 1}]  # 350000


def _ids(client: FlaskClient, tenant: TenantInfo, **query: Any) -> list[str]:
    response = client.get("/v1/orders", query_string=query, headers=tenant.headers)
    assert response.status_code == 200, response.json
    return [o["id"] for o in response.json["data"]]


def test_several_statuses_and_active(
    client: FlaskClient, place: PlaceOrder, tenant: TenantInfo
) -> None:
    pending = place()
    confirmed = place(status="confirmed")
    held = place(status="on_hold")
    delivered = place(status="delivered")
    cancelled = place(status="cancelled")
    refunded = place(status="confirmed", payment={"amount": 850000})
    client.post(f"/v1/orders/{refunded['id']}/refunds", json={"amount": 850000},
                headers=tenant.headers)  # fmt: skip
    assert _ids(client, tenant, status="pending,confirmed") == [
        refunded["id"], confirmed["id"], pending["id"],
    ]  # fmt: skip
    assert _ids(client, tenant, active="true") == [held["id"], confirmed["id"], pending["id"]]
    assert _ids(client, tenant, active="false") == [
        refunded["id"], cancelled["id"], delivered["id"],
    ]  # fmt: skip
    assert _ids(client, tenant, status="confirmed", active="true") == [confirmed["id"]]
    counted = client.get("/v1/orders", query_string={"active": "true", "include": "total_count"},
                         headers=tenant.headers).json  # fmt: skip
    assert counted["total_count"] == 3
    repeated = client.get("/v1/orders?status=pending&status=confirmed", headers=tenant.headers)
    assert_error(repeated, 400, "invalid_request", "status")
    brackets = client.get("/v1/orders?status[]=pending&status[]=on_hold", headers=tenant.headers)
    assert [o["id"] for o in brackets.json["data"]] == [held["id"], pending["id"]]


def test_totals_channel_email_and_update_time(
    client: FlaskClient, place: PlaceOrder, tenant: TenantInfo
) -> None:
    small = place(items=ONE_JOLLOF, customer={"email": "Ngozi@Example.com"}, channel="web")
    big = place()  # 850000
    till = place(items=ONE_JOLLOF, customer={}, channel="pos")
    assert _ids(client, tenant, total_gte=400000) == [big["id"]]
    assert _ids(client, tenant, total_lte=350000) == [till["id"], small["id"]]
    assert _ids(client, tenant, total_gte=350000, total_lte=350000) == [till["id"], small["id"]]
    assert _ids(client, tenant, channel="web,pos") == [till["id"], small["id"]]
    assert _ids(client, tenant, customer_email="ngozi@example.com") == [small["id"]]
    later = datetime.now(UTC) + timedelta(seconds=1)
    assert _ids(client, tenant, updated_after=later.isoformat()) == []
    client.patch(f"/v1/orders/{small['id']}", json={"status": "confirmed"}, headers=tenant.headers)
    assert _ids(client, tenant, updated_after=big["updated_at"]) == [till["id"], small["id"]]
    assert _ids(client, tenant, updated_before=big["updated_at"]) == []
    assert _ids(client, tenant, updated_before=later.isoformat()) == [
        till["id"], big["id"], small["id"],
    ]  # fmt: skip
    bad = client.get("/v1/orders", query_string={"total_gte": -1}, headers=tenant.headers)
    assert_error(bad, 400, "invalid_request", "total_gte")


def test_the_export_has_the_new_columns(
    client: FlaskClient, place: PlaceOrder, tenant: TenantInfo
) -> None:
    order = place(
        source="website", external_id="WEB-9", status="confirmed",
        payment={"amount": 500000, "reference": "PSK-1"}, customer={"email": "a@b.co"},
    )  # fmt: skip
    export = client.get("/v1/orders/export", headers=tenant.headers).get_data(as_text=True)
    [row] = list(csv.DictReader(io.StringIO(export)))
    assert row["id"] == order["id"]
    assert (row["source"], row["external_id"]) == ("website", "WEB-9")
    assert (row["payment_status"], row["fulfillment_status"]) == ("partially_paid", "unfulfilled")
    assert (row["amount_paid"], row["amount_refunded"], row["amount_due"]) == (
        "500000", "0", "350000",
    )  # fmt: skip
    assert (row["payment_reference"], row["customer_email"]) == ("PSK-1", "a@b.co")
    assert row["confirmed_at"] and row["delivered_at"] == "" and row["cancelled_at"] == ""
