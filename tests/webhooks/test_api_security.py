"""Tenant isolation, API keys, the rate limit and Idempotency-Key, on a real database."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Blueprint, Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text

from orders_core.db import Database
from orders_core.models import ApiKey, Customer, IdempotencyRecord, Order
from orders_core.services.tenants import create_api_key, revoke_api_key
from tests.conftest import TenantInfo
from tests.webhooks.conftest import PlaceOrder, assert_error, order_body, row_counts
from webhooks.routes import api_route

# --- isolation ----------------------------------------------------------------------------

ORDER_ENDPOINTS = [
    ("GET", "/v1/orders/{id}", None),
    ("PATCH", "/v1/orders/{id}", {"notes": "mine now"}),
    ("PATCH", "/v1/orders/{id}", {"status": "confirmed"}),
    ("POST", "/v1/orders/{id}/cancel", {"reason": "fraud"}),
    ("POST", "/v1/orders/{id}/payments", {"amount": 100}),
    ("POST", "/v1/orders/{id}/refunds", {"amount": 100}),
    ("POST", "/v1/orders/{id}/fulfillments", {}),
    ("GET", "/v1/orders/{id}/timeline", None),
    ("POST", "/v1/orders/{id}/timeline", {"title": "peek"}),
]


@pytest.mark.parametrize(("method", "path", "body"), ORDER_ENDPOINTS)
def test_another_tenants_order_is_not_found(
    client: FlaskClient, database: Database, place: PlaceOrder, tenant: TenantInfo,
    other_tenant: TenantInfo, method: str, path: str, body: dict[str, Any] | None,
) -> None:  # fmt: skip
    theirs = place(as_tenant=other_tenant)
    before = row_counts(database)
    response = client.open(
        path.format(id=theirs["id"]), method=method, json=body, headers=tenant.headers
    )
    assert_error(response, 404, "not_found", "id")
    assert row_counts(database) == before
    unchanged = client.get(f"/v1/orders/{theirs['id']}", headers=other_tenant.headers).json
    assert unchanged == theirs


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/v1/products/{code}", None),
        ("PATCH", "/v1/products/{code}", {"unit_price": 1}),
        ("DELETE", "/v1/products/{code}", None),
    ],
)
def test_another_tenants_product_is_not_found(
    client: FlaskClient, tenant: TenantInfo, other_tenant: TenantInfo, method: str, path: str,
    body: dict[str, Any] | None,
) -> None:  # fmt: skip
    created = client.post(
        "/v1/products", json={"id": "prod_nyama", "name": "Nyama Choma", "unit_price": 90000},
        headers=other_tenant.headers,
    )  # fmt: skip
    assert created.status_code == 201
    response = client.open(
        path.format(code="prod_nyama"), method=method, json=body, headers=tenant.headers
    )
    assert_error(response, 404, "not_found", "id")
    theirs = client.get("/v1/products/prod_nyama", headers=other_tenant.headers).json
    assert theirs["unit_price"] == 90000


def test_another_tenants_customer_is_not_found(
    client: FlaskClient, place: PlaceOrder, database: Database, tenant: TenantInfo,
    other_tenant: TenantInfo,
) -> None:  # fmt: skip
    place(as_tenant=other_tenant, customer={"phone": "+254722000000"})
    with database.read() as session:
        customer_id = session.scalars(select(Customer.id)).one()
    for ref in (f"cus_{customer_id}", "+254722000000"):
        assert_error(client.get(f"/v1/customers/{ref}", headers=tenant.headers), 404, "not_found")
        mine = client.get(f"/v1/customers/{ref}", headers=other_tenant.headers)
        assert mine.status_code == 200 and mine.json["phone"] == "+254722000000"


def test_lists_exports_and_stats_never_leak(
    client: FlaskClient, place: PlaceOrder, tenant: TenantInfo, other_tenant: TenantInfo
) -> None:
    place(as_tenant=other_tenant, customer={"name": "Wanjiru", "phone": "+254733000000"}, notes="x")
    for path in ("/v1/orders", "/v1/orders?q=Wanjiru", "/v1/customers", "/v1/customers?q=Wanjiru"):
        assert client.get(path, headers=tenant.headers).json["data"] == [], path
    export = client.get("/v1/orders/export", headers=tenant.headers).get_data(as_text=True)
    assert "Wanjiru" not in export and len(export.splitlines()) == 1
    assert client.get("/v1/orders/stats", headers=tenant.headers).json["total_orders"] == 0
    products = client.get("/v1/products", headers=tenant.headers).json["data"]
    assert {p["currency"] for p in products} == {"NGN"}
    settings = client.get("/v1/settings", headers=tenant.headers).json
    assert settings["name"] == "Mama Put Lagos"


# --- API keys -------------------------------------------------------------------------------


def test_keys_are_stored_hashed(database: Database, tenant: TenantInfo) -> None:
    with database.engine.connect() as conn:
        dump = "\n".join(str(row) for row in conn.execute(text("SELECT * FROM api_keys")))
    assert tenant.key not in dump
    assert tenant.key[8:] not in dump
    with database.read() as session:
        key = session.scalars(select(ApiKey).where(ApiKey.tenant_id == tenant.id)).one()
        assert key.last4 == tenant.key[-4:]
        assert len(key.key_hash) == 64


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer sk_live_wrong", "Basic dXNlcjpwYXNz", "Token {key}", "Bearer  "],
)
def test_missing_or_wrong_keys_are_401(
    client: FlaskClient, tenant: TenantInfo, header: str | None
) -> None:
    headers = {"Authorization": header.format(key=tenant.key)} if header else {}
    for path in ("/v1/orders", "/v1/products", "/v1/order_statuses", "/v1/nothing-here"):
        assert_error(client.get(path, headers=headers), 401, "unauthorized")


def test_the_key_may_come_in_x_tenant_api_key(
    client: FlaskClient, tenant: TenantInfo, other_tenant: TenantInfo
) -> None:
    mine = client.get("/v1/orders", headers={"X-Tenant-Api-Key": tenant.key})
    assert mine.status_code == 200
    theirs = client.get("/v1/orders", headers={"X-Tenant-Api-Key": other_tenant.key})
    assert theirs.status_code == 200 and theirs.json["data"] == []
    for wrong in ("", "sk_live_wrong", f"Bearer {tenant.key}"):
        assert_error(client.get("/v1/orders", headers={"X-Tenant-Api-Key": wrong}), 401,
                     "unauthorized")  # fmt: skip
    # Authorization wins when both are sent.
    both = {"Authorization": f"Bearer {other_tenant.key}", "X-Tenant-Api-Key": tenant.key}
    assert client.get("/v1/orders", headers=both).json == theirs.json


def test_revoked_key_is_401_and_a_test_key_works(
    client: FlaskClient, database: Database, tenant: TenantInfo
) -> None:
    with database.write() as session:
        test_key = create_api_key(session, tenant.id, mode="test")
        old_id = session.scalars(
            select(ApiKey.id).where(ApiKey.tenant_id == tenant.id).order_by(ApiKey.id)
        ).first()
    assert test_key.secret.startswith("sk_test_")
    test_headers = {"Authorization": f"Bearer {test_key.secret}"}
    assert client.get("/v1/orders", headers=test_headers).status_code == 200
    assert client.get("/v1/orders", headers=tenant.headers).status_code == 200
    with database.write() as session:
        revoke_api_key(session, f"key_{old_id}")
    assert_error(client.get("/v1/orders", headers=tenant.headers), 401, "unauthorized")
    assert client.get("/v1/orders", headers=test_headers).status_code == 200


def test_health_and_openapi_need_no_key(client: FlaskClient) -> None:
    health = client.get("/healthz")
    assert (health.status_code, health.json) == (200, {"status": "ok", "database": "ok"})
    assert client.get("/openapi.json").status_code == 200


# --- idempotency ---------------------------------------------------------------------------


def test_same_key_same_body_replays_the_first_answer(
    client: FlaskClient, database: Database, tenant: TenantInfo
) -> None:
    headers = {**tenant.headers, "Idempotency-Key": "checkout-42"}
    first = client.post("/v1/orders", json=order_body(), headers=headers)
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    before = row_counts(database)
    # The same JSON with its keys in another order is the same request.
    reordered = dict(reversed(list(order_body().items())))
    second = client.post("/v1/orders", json=reordered, headers=headers)
    assert second.status_code == 201
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.json == first.json
    assert row_counts(database) == before


def test_same_key_other_body_is_409(
    client: FlaskClient, database: Database, tenant: TenantInfo
) -> None:
    headers = {**tenant.headers, "Idempotency-Key": "checkout-43"}
    assert client.post("/v1/orders", json=order_body(), headers=headers).status_code == 201
    before = row_counts(database)
    other = client.post("/v1/orders", json=order_body(notes="different"), headers=headers)
    assert_error(other, 409, "idempotency_key_reused", "Idempotency-Key")
    assert row_counts(database) == before


def test_keys_belong_to_one_tenant_and_failures_are_not_stored(
    client: FlaskClient, database: Database, tenant: TenantInfo, other_tenant: TenantInfo
) -> None:
    bad = order_body(items=[{"product_id": "prod_nothing", "quantity": 1}])
    key = {"Idempotency-Key": "shared-key"}
    assert client.post("/v1/orders", json=bad, headers={**tenant.headers, **key}).status_code == 422
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(IdempotencyRecord)) == 0
    mine = client.post("/v1/orders", json=order_body(), headers={**tenant.headers, **key})
    theirs = client.post("/v1/orders", json=order_body(), headers={**other_tenant.headers, **key})
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in theirs.headers


def test_payment_replay_does_not_pay_twice(
    client: FlaskClient, place: PlaceOrder, tenant: TenantInfo
) -> None:
    order = place()
    headers = {**tenant.headers, "Idempotency-Key": "pay-once"}
    url = f"/v1/orders/{order['id']}/payments"
    first = client.post(url, json={"amount": 1000}, headers=headers)
    second = client.post(url, json={"amount": 1000}, headers=headers)
    assert second.headers["Idempotent-Replayed"] == "true" and second.json == first.json
    assert (
        client.get(f"/v1/orders/{order['id']}", headers=tenant.headers).json["amount_paid"] == 1000
    )


@pytest.mark.parametrize("key", ["", " ", "k" * 256])
def test_malformed_idempotency_keys_are_400(
    client: FlaskClient, tenant: TenantInfo, key: str
) -> None:
    response = client.post(
        "/v1/orders", json=order_body(), headers={**tenant.headers, "Idempotency-Key": key}
    )
    assert_error(response, 400, "invalid_request", "Idempotency-Key")


def _race(app: Flask, calls: list[tuple[str, dict[str, Any], dict[str, str]]]) -> list[Any]:
    """Send the calls from one thread each, released together by a barrier."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        path, body, headers = calls[index]
        client = app.test_client()
        barrier.wait()
        response = client.post(path, json=body, headers=headers)
        results[index] = (response.status_code, response.json, dict(response.headers))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_threads_racing_one_key_create_one_order(
    app: Flask, database: Database, tenant: TenantInfo
) -> None:
    headers = {**tenant.headers, "Idempotency-Key": "race-1"}
    results = _race(app, [("/v1/orders", order_body(), headers)] * 2)
    assert [status for status, _, _ in results] == [201, 201]
    assert results[0][1] == results[1][1]
    replayed = sorted(str(h.get("Idempotent-Replayed")) for _, _, h in results)
    assert replayed == ["None", "true"]
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(Order)) == 1


def test_concurrent_first_orders_of_one_new_customer_all_succeed(
    app: Flask, database: Database, tenant: TenantInfo
) -> None:
    calls = [("/v1/orders", order_body(customer={"phone": "+2348055555555"}), tenant.headers)] * 4
    results = _race(app, calls)
    assert [status for status, _, _ in results] == [201] * 4, results
    assert sorted(body["number"] for _, body, _ in results) == [1001, 1002, 1003, 1004]
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == 1


def test_an_expired_key_starts_afresh(
    client: FlaskClient, database: Database, tenant: TenantInfo
) -> None:
    headers = {**tenant.headers, "Idempotency-Key": "yesterday"}
    first = client.post("/v1/orders", json=order_body(), headers=headers)
    with database.write() as session:
        session.execute(
            IdempotencyRecord.__table__.update().values(
                created_at=datetime.now(UTC) - timedelta(hours=25)
            )
        )
    second = client.post("/v1/orders", json=order_body(notes="another day"), headers=headers)
    assert second.status_code == 201 and "Idempotent-Replayed" not in second.headers
    # A new order (its number may skip one: the attempt that met the stale key rolled back).
    assert first.json["id"] == "ord_1001" and second.json["id"] in ("ord_1002", "ord_1003")
    assert second.json["notes"] == "another day"


def test_every_write_route_replays_by_its_key_as_the_document_says(
    client: FlaskClient, database: Database, tenant: TenantInfo
) -> None:
    """The route declaration is the one place idempotency is said: the OpenAPI document lists
    the header on each write, and each replays (here: PATCH an order, delete an endpoint)."""
    spec = client.get("/openapi.json").json
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in ("post", "patch", "put", "delete"):
                names = {p["name"] for p in op.get("parameters", [])}
                assert "Idempotency-Key" in names, (method, path)
    order = client.post("/v1/orders", json=order_body(), headers=tenant.headers).json
    headers = {**tenant.headers, "Idempotency-Key": "note-1"}
    first = client.patch(f"/v1/orders/{order['id']}", json={"notes": "gate 2"}, headers=headers)
    again = client.patch(f"/v1/orders/{order['id']}", json={"notes": "gate 2"}, headers=headers)
    assert again.headers["Idempotent-Replayed"] == "true" and again.json == first.json
    endpoint = client.post("/v1/webhook_endpoints", headers=tenant.headers,
                           json={"url": "https://erp.example.com/h", "events": ["order.created"]})  # fmt: skip
    headers = {**tenant.headers, "Idempotency-Key": "drop-1"}
    gone = client.delete(f"/v1/webhook_endpoints/{endpoint.json['id']}", headers=headers)
    replayed = client.delete(f"/v1/webhook_endpoints/{endpoint.json['id']}", headers=headers)
    assert gone.status_code == replayed.status_code == 200 and replayed.json == gone.json


def test_a_write_route_cannot_be_declared_without_idempotency() -> None:
    with pytest.raises(ValueError, match="Idempotency-Key"):
        api_route(Blueprint("probe", __name__), "/probe", "POST", summary="probe")
