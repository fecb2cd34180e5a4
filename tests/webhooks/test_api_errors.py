"""Bad input: a 4xx in the one error shape naming the field, and nothing half-written."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from orders_core.db import Database
from tests.conftest import TenantInfo
from tests.webhooks.conftest import PlaceOrder, assert_error, order_body, row_counts

JOLLOF = {"product_id": "prod_jollof", "quantity": 1}

BAD_ORDERS: list[tuple[str, dict[str, Any], int, str, str]] = [
    ("no customer", {"items": [JOLLOF]}, 400, "invalid_request", "customer"),
    ("no items", {"customer": {"phone": "+2348012345678"}}, 400, "invalid_request", "items"),
    ("empty items", order_body(items=[]), 400, "invalid_request", "items"),
    ("zero quantity", order_body(items=[{**JOLLOF, "quantity": 0}]), 400, "invalid_request",
     "items[0].quantity"),
    ("negative quantity", order_body(items=[JOLLOF, {**JOLLOF, "quantity": -2}]), 400,
     "invalid_request", "items[1].quantity"),
    ("fractional quantity", order_body(items=[{**JOLLOF, "quantity": 1.5}]), 400,
     "invalid_request", "items[0].quantity"),
    ("quantity as text", order_body(items=[{**JOLLOF, "quantity": "2"}]), 400,
     "invalid_request", "items[0].quantity"),
    ("price with a fraction", order_body(items=[{**JOLLOF, "unit_price": 3500.5}]), 400,
     "invalid_request", "items[0].unit_price"),
    ("price as text", order_body(items=[{**JOLLOF, "unit_price": "3500"}]), 400,
     "invalid_request", "items[0].unit_price"),
    ("negative price", order_body(items=[{"name": "Gift", "unit_price": -1, "quantity": 1}]), 400,
     "invalid_request", "items[0].unit_price"),
    ("ad-hoc without price", order_body(items=[{"name": "Gift", "quantity": 1}]), 400,
     "invalid_request", "items[0]"),
    ("boolean discount", order_body(discount=True), 400, "invalid_request", "discount"),
    ("unknown field", order_body(coupon="FREE"), 400, "invalid_request", "coupon"),
    ("unknown item field", order_body(items=[{**JOLLOF, "colour": "red"}]), 400, "invalid_request",
     "items[0].colour"),
    ("bad phone", order_body(customer={"phone": "call me"}), 400, "invalid_request",
     "customer.phone"),
    ("bad email", order_body(customer={"email": "not-an-email"}), 400, "invalid_request",
     "customer.email"),
    ("unknown channel", order_body(channel="fax"), 400, "invalid_request", "channel"),
    ("bad webhook url", order_body(webhook_urls=["ftp://x"]), 400, "invalid_request",
     "webhook_urls[0]"),
    ("NUL in notes", order_body(notes="a\x00b"), 400, "invalid_request", "notes"),
    ("NUL in a metadata key", order_body(metadata={"k\x00": 1}), 400, "invalid_request",
     "metadata.k\x00"),
    ("NaN in metadata", order_body(metadata={"score": float("nan")}), 400, "invalid_request",
     "metadata.score"),
    ("Infinity deep in metadata", order_body(metadata={"a": {"b": [1, float("-inf")]}}), 400,
     "invalid_request", "metadata.a.b[1]"),
    ("too much metadata", order_body(metadata={f"k{i}": i for i in range(51)}), 400,
     "invalid_request", "metadata"),
    ("unknown 3rd product", order_body(items=[JOLLOF, JOLLOF, {"product_id": "prod_unicorn",
     "quantity": 1}]), 422, "validation_error", "items[2].product_id"),
    ("discount above the order", order_body(discount=10_000_000), 422, "validation_error",
     "discount"),
    ("line above the largest amount", order_body(items=[{**JOLLOF, "unit_price": 10**15, "quantity": 2}]),
     422,
     "validation_error", "items[0].quantity"),
    ("total above the largest amount", order_body(items=[{**JOLLOF, "unit_price": 6 * 10**14, "quantity": 1}] * 2),
     422,
     "validation_error", "items"),
]  # fmt: skip


# What a 422's message must name (a 400's names its field).
SAID = {
    "unknown 3rd product": "No such product: prod_unicorn",
    "discount above the order": "discount is larger than the order",
    "line above the largest amount": "line total is above the largest amount",
    "total above the largest amount": "order total is above the largest amount",
}


@pytest.mark.parametrize(
    ("case", "body", "status", "code", "param"),
    BAD_ORDERS,
    ids=[case[0] for case in BAD_ORDERS],
)
def test_bad_orders_are_refused_and_nothing_is_written(
    client: FlaskClient, database: Database, tenant: TenantInfo, case: str,
    body: dict[str, Any], status: int, code: str, param: str,
) -> None:  # fmt: skip
    before = row_counts(database)
    response = client.post("/v1/orders", json=body, headers=tenant.headers)
    error = assert_error(response, status, code, param)
    said = SAID[case] if status == 422 else param.split("[")[0].split(".")[0]
    assert said in error["message"]
    assert row_counts(database) == before
    if status == 400:
        assert error["details"]["errors"][0]["param"] == param


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_numbers_json_cannot_store_are_a_400_naming_the_field(
    client: FlaskClient, database: Database, tenant: TenantInfo, number: str
) -> None:
    before = row_counts(database)
    body = (
        '{"customer": {"phone": "+2348012345678"}, "items": [{"product_id": "prod_jollof", '
        f'"quantity": 1}}], "metadata": {{"pos": {{"weight": {number}}}}}}}'
    )
    response = client.post(
        "/v1/orders", data=body, content_type="application/json", headers=tenant.headers
    )
    error = assert_error(response, 400, "invalid_request", "metadata.pos.weight")
    assert "finite" in error["message"]
    assert error["details"]["errors"][0]["type"] == "unstorable_number"
    assert row_counts(database) == before


def test_an_unavailable_product_is_refused(
    client: FlaskClient, database: Database, tenant: TenantInfo
) -> None:
    client.patch("/v1/products/prod_suya", json={"available": False}, headers=tenant.headers)
    before = row_counts(database)
    response = client.post(
        "/v1/orders", json=order_body(items=[JOLLOF, {"product_id": "prod_suya", "quantity": 1}]),
        headers=tenant.headers,
    )  # fmt: skip
    assert_error(response, 422, "validation_error", "items[1].product_id")
    assert row_counts(database) == before


@pytest.mark.parametrize(
    ("path_suffix", "body", "param"),
    [
        ("payments", {"amount": 3500.5}, "amount"),
        ("payments", {"amount": "3500"}, "amount"),
        ("payments", {"amount": 0}, "amount"),
        ("payments", {"method": "cheque"}, "method"),
        ("refunds", {"amount": 3500.5}, "amount"),
        ("refunds", {"amount": "3500"}, "amount"),
        ("refunds", {"amount": -5}, "amount"),
        ("refunds", {"items": [{"item_id": "item_1", "quantity": 0}]}, "items[0].quantity"),
        ("cancel", {"reason": "bored"}, "reason"),
        ("fulfillments", {"tracking_url": "not a url"}, "tracking_url"),
        ("fulfillments", {"notify_customer": "yes"}, "notify_customer"),
        ("timeline", {"description": "no title"}, "title"),
    ],
)
def test_bad_bodies_on_order_actions(
    client: FlaskClient, database: Database, place: PlaceOrder, tenant: TenantInfo,
    path_suffix: str, body: dict[str, Any], param: str,
) -> None:  # fmt: skip
    order = place()
    before = row_counts(database)
    response = client.post(
        f"/v1/orders/{order['id']}/{path_suffix}", json=body, headers=tenant.headers
    )
    assert_error(response, 400, "invalid_request", param)
    assert row_counts(database) == before


def test_metadata_may_not_grow_past_50_keys_by_merging(
    client: FlaskClient, place: PlaceOrder, tenant: TenantInfo
) -> None:
    order = place(metadata={f"a{i}": i for i in range(30)})
    response = client.patch(
        f"/v1/orders/{order['id']}", json={"metadata": {f"b{i}": i for i in range(30)}},
        headers=tenant.headers,
    )  # fmt: skip
    assert_error(response, 422, "validation_error", "metadata")
    assert (
        client.get(f"/v1/orders/{order['id']}", headers=tenant.headers).json["metadata"]
        == (order["metadata"])
    )


def test_broken_json_is_400(client: FlaskClient, database: Database, tenant: TenantInfo) -> None:
    before = row_counts(database)
    for raw in ('{"customer": ', "null", "[1, 2]", '"text"'):
        response = client.post(
            "/v1/orders", data=raw, content_type="application/json", headers=tenant.headers
        )
        assert_error(response, 400, "invalid_request")
    assert row_counts(database) == before


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_wrong_content_type_is_415(
    client: FlaskClient, tenant: TenantInfo, content_type: str | None
) -> None:
    kwargs: dict[str, Any] = {"data": '{"customer": {}}'}
    if content_type:
        kwargs["content_type"] = content_type
    response = client.post("/v1/orders", headers=tenant.headers, **kwargs)
    assert_error(response, 415, "unsupported_media_type")


def test_oversized_body_is_413(client: FlaskClient, database: Database, tenant: TenantInfo) -> None:
    before = row_counts(database)
    body = order_body(notes="x" * 300_000)
    response = client.post("/v1/orders", json=body, headers=tenant.headers)
    assert_error(response, 413, "payload_too_large")
    assert row_counts(database) == before


def test_unknown_order_ids_are_404(client: FlaskClient, tenant: TenantInfo) -> None:
    for ref in ("ord_999999", "ord_abc", "nonsense", "ord_%00", "ord_9999999999999999999999"):
        assert_error(client.get(f"/v1/orders/{ref}", headers=tenant.headers), 404, "not_found")


def test_unknown_customer_ids_are_404(client: FlaskClient, tenant: TenantInfo) -> None:
    for ref in ("cus_1", "cus_x", "cus_99999999999999999999999", "cus_²", "+2348000000000", "bob"):
        assert_error(client.get(f"/v1/customers/{ref}", headers=tenant.headers), 404, "not_found")


@pytest.mark.parametrize("cursor", ["abc", "cus_", "cus_²", "cus_99999999999999999999999"])
def test_bad_customer_cursor_is_400(client: FlaskClient, tenant: TenantInfo, cursor: str) -> None:
    response = client.get(f"/v1/customers?starting_after={cursor}", headers=tenant.headers)
    assert_error(response, 400, "invalid_request", "starting_after")


def test_unknown_routes_and_methods_answer_in_the_error_shape(
    client: FlaskClient, tenant: TenantInfo
) -> None:
    assert_error(client.get("/v1/nothing", headers=tenant.headers), 404, "not_found")
    wrong = client.delete("/v1/orders", headers=tenant.headers)
    assert_error(wrong, 405, "method_not_allowed")
    assert set(wrong.headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_deeply_nested_json_is_a_400_not_a_crash(client: FlaskClient, tenant: TenantInfo) -> None:
    body = "[" * 5000 + "]" * 5000
    headers = {**tenant.headers, "Content-Type": "application/json", "Idempotency-Key": "deep"}

    response = client.post("/v1/orders", data=body, headers=headers)

    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_request"


@pytest.mark.parametrize("endpoint_id", ["we_²", "we_99999999999999999999", "we_-1"])
def test_odd_webhook_endpoint_ids_are_not_found(
    client: FlaskClient, tenant: TenantInfo, endpoint_id: str
) -> None:
    response = client.get(f"/v1/webhook_endpoints/{endpoint_id}", headers=tenant.headers)

    assert response.status_code == 404


def test_a_huge_delivery_fee_setting_is_refused(client: FlaskClient, tenant: TenantInfo) -> None:
    response = client.patch(
        "/v1/settings", json={"settings": {"delivery_fee": 2**70}}, headers=tenant.headers
    )

    assert response.status_code == 400
    assert response.json["error"]["param"] == "settings.delivery_fee"


def test_a_length_limit_holds_before_trimming(
    client: FlaskClient, database: Database, tenant: TenantInfo
) -> None:
    """The document says maxLength 200 for a line's name: 201 characters are refused even
    when the extra one is a space that trimming would remove."""
    before = row_counts(database)
    line = {"name": "x" * 200 + " ", "unit_price": 100, "quantity": 1}
    response = client.post("/v1/orders", json=order_body(items=[line]), headers=tenant.headers)
    assert_error(response, 400, "invalid_request", "items[0].name")
    assert row_counts(database) == before
    line["name"] = "  " + "x" * 198
    created = client.post("/v1/orders", json=order_body(items=[line]), headers=tenant.headers)
    assert created.status_code == 201 and created.json["items"][0]["name"] == "x" * 198


@pytest.mark.parametrize("key", ["   ", "é-not-ascii", "tab\tinside", "k" * 256])
def test_an_idempotency_key_outside_its_declared_format_is_refused(
    client: FlaskClient, database: Database, tenant: TenantInfo, key: str
) -> None:
    before = row_counts(database)
    response = client.post(
        "/v1/orders", json=order_body(), headers={**tenant.headers, "Idempotency-Key": key}
    )
    assert_error(response, 400, "invalid_request", "Idempotency-Key")
    assert row_counts(database) == before


@pytest.mark.parametrize(
    ("path", "cursor"),
    [("/v1/orders", "cus_1"), ("/v1/customers", "ord_1"), ("/v1/returns", "x"),
     ("/v1/checkouts", "chk_short")],
)  # fmt: skip
def test_a_cursor_in_another_lists_format_is_a_400(
    client: FlaskClient, tenant: TenantInfo, path: str, cursor: str
) -> None:
    response = client.get(f"{path}?starting_after={cursor}", headers=tenant.headers)
    assert_error(response, 400, "invalid_request", "starting_after")
