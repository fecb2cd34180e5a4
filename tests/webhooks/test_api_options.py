"""Products with option groups (sizes, extras) and orders whose lines choose options."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from flask.testing import FlaskClient

from orders_core.db import Database
from orders_core.models import OrderItem
from tests.conftest import TenantInfo
from tests.webhooks.conftest import PlaceOrder, assert_error, order_body, row_counts

SIZE = {"name": "Size", "min": 1, "max": 1,
        "options": [{"name": "Small", "price": 0}, {"name": "Large", "price": 50000}]}  # fmt: skip
EXTRAS = {"name": "Extras", "min": 0, "max": 2,
          "options": [{"name": "Chicken", "price": 150000}, {"name": "Plantain", "price": 30000},
                      {"name": "Egg", "price": 20000}]}  # fmt: skip


@pytest.fixture
def bowl(client: FlaskClient, tenant: TenantInfo) -> dict[str, Any]:
    """A product with a required size and optional extras, made through the API."""
    response = client.post(
        "/v1/products",
        json={"id": "prod_bowl", "name": "Rice Bowl", "unit_price": 200000,
              "option_groups": [SIZE, EXTRAS]},
        headers=tenant.headers,
    )  # fmt: skip
    assert response.status_code == 201, response.json
    return response.json


def _line(**overrides: Any) -> dict[str, Any]:
    return {"product_id": "prod_bowl", "quantity": 2, **overrides}


def test_option_groups_are_stored_and_returned(
    client: FlaskClient, tenant: TenantInfo, bowl: dict[str, Any]
) -> None:
    assert bowl["option_groups"] == [SIZE, EXTRAS]
    again = client.get("/v1/products/prod_bowl", headers=tenant.headers).json
    assert again["option_groups"] == [SIZE, EXTRAS]
    listed = client.get("/v1/products", headers=tenant.headers).json["data"]
    assert [p["option_groups"] for p in listed if p["id"] == "prod_bowl"] == [[SIZE, EXTRAS]]
    # Defaults: an optional single choice with free options.
    plain = client.post(
        "/v1/products",
        json={"name": "Tea", "unit_price": 500,
              "option_groups": [{"name": "Milk", "options": [{"name": "Oat milk"}]}]},
        headers=tenant.headers,
    )  # fmt: skip
    assert plain.json["option_groups"] == [
        {"name": "Milk", "min": 0, "max": 1, "options": [{"name": "Oat milk", "price": 0}]}
    ]


def test_patch_replaces_or_removes_them_and_leaves_them_otherwise(
    client: FlaskClient, tenant: TenantInfo, bowl: dict[str, Any]
) -> None:
    renamed = client.patch("/v1/products/prod_bowl", json={"name": "Big Bowl"},
                           headers=tenant.headers)  # fmt: skip
    assert renamed.status_code == 200 and renamed.json["option_groups"] == [SIZE, EXTRAS]
    only_size = client.patch("/v1/products/prod_bowl", json={"option_groups": [SIZE]},
                             headers=tenant.headers)  # fmt: skip
    assert only_size.json["option_groups"] == [SIZE]
    cleared = client.patch("/v1/products/prod_bowl", json={"option_groups": []},
                           headers=tenant.headers)  # fmt: skip
    assert cleared.json["option_groups"] == []


@pytest.mark.parametrize(
    ("groups", "needle"),
    [
        ([{**SIZE, "min": 2, "max": 1}], "min <= max"),
        ([{**SIZE, "max": 3}], "larger than the number of options"),
        ([{**SIZE, "max": 0, "min": 0}], "max >= 1"),
        ([SIZE, {**EXTRAS, "name": "size"}], "two option groups are named size"),
        ([SIZE, {**EXTRAS, "max": 1, "options": [{"name": "LARGE", "price": 1}]}], "two options"),
        ([{**SIZE, "options": [{"name": "Small", "price": -1}]}], "greater than or equal"),
        ([{**SIZE, "options": []}], "at least 1"),
        ([{**SIZE, "name": ""}], "at least 1"),
        ([{**SIZE, "min": "1"}], "valid integer"),
        ([{**SIZE, "name": f"G{i}"} for i in range(11)], "at most 10"),
        ([{**SIZE, "colour": "red"}], "Extra inputs"),
    ],
)
def test_bad_option_groups_are_400(
    client: FlaskClient, tenant: TenantInfo, groups: list[dict[str, Any]], needle: str
) -> None:
    for method, url, body in (
        ("post", "/v1/products", {"name": "Bowl", "unit_price": 100, "option_groups": groups}),
        ("patch", "/v1/products/prod_jollof", {"option_groups": groups}),
    ):
        response = getattr(client, method)(url, json=body, headers=tenant.headers)
        error = assert_error(response, 400, "invalid_request")
        assert needle in error["message"], error
        assert error["param"].startswith("option_groups"), error
    jollof = client.get("/v1/products/prod_jollof", headers=tenant.headers).json
    assert jollof["option_groups"] == []


def test_an_order_line_is_priced_with_its_options(
    client: FlaskClient, place: PlaceOrder, tenant: TenantInfo, bowl: dict[str, Any]
) -> None:
    order = place(items=[
        _line(options=["large", "Chicken"], note="no pepper"),
        {"product_id": "prod_jollof", "quantity": 1},
    ])  # fmt: skip
    line = order["items"][0]
    assert line["unit_price"] == 200000  # the product's own price
    assert line["options"] == [
        {"group": "Size", "name": "Large", "price": 50000},
        {"group": "Extras", "name": "Chicken", "price": 150000},
    ]
    assert line["subtotal"] == (200000 + 50000 + 150000) * 2
    assert line["note"] == "no pepper"
    assert order["items"][1]["options"] == [] and order["items"][1]["note"] is None
    assert order["subtotal"] == 800000 + 350000
    assert order["total"] == order["subtotal"]
    again = client.get(f"/v1/orders/{order['id']}", headers=tenant.headers).json
    assert again["items"] == order["items"]
    listed = client.get("/v1/orders", headers=tenant.headers).json["data"][0]
    assert listed["items"][0]["options"] == line["options"]


def test_options_priced_with_an_overridden_unit_price_and_all_extras(
    place: PlaceOrder, bowl: dict[str, Any]
) -> None:
    order = place(
        items=[_line(quantity=3, unit_price=100000, options=["Egg", "Small", "Plantain"])]
    )
    line = order["items"][0]
    assert [o["name"] for o in line["options"]] == ["Small", "Plantain", "Egg"]  # menu order
    assert line["unit_price"] == 100000
    assert line["subtotal"] == (100000 + 30000 + 20000) * 3


@pytest.mark.parametrize(
    ("line", "needle"),
    [
        (_line(), "Rice Bowl needs a choice of Size (Small, Large)"),
        (_line(options=["Chicken"]), "needs a choice of Size"),
        (_line(options=["Small", "Large"]), "choose at most 1 of Size"),
        (_line(options=["Small", "Chicken", "Egg", "Plantain"]), "at most 2 of Extras"),
        (_line(options=["Large", "Beef"]), "Rice Bowl has no option Beef (options: Small,"),
        (_line(options=["Large", "large"]), "large is given twice"),
        ({"product_id": "prod_jollof", "quantity": 1, "options": ["Large"]}, "it has no options"),
    ],
)
def test_a_wrong_choice_is_422_naming_it_and_nothing_is_written(
    client: FlaskClient,
    database: Database,
    tenant: TenantInfo,
    bowl: dict[str, Any],
    line: dict[str, Any],
    needle: str,
) -> None:
    before = row_counts(database)
    body = order_body(items=[{"product_id": "prod_chapman", "quantity": 1}, line])
    response = client.post("/v1/orders", json=body, headers=tenant.headers)
    error = assert_error(response, 422, "validation_error", "items[1].options")
    assert needle in error["message"], error
    assert row_counts(database) == before


def test_options_need_a_product_and_are_names(client: FlaskClient, tenant: TenantInfo) -> None:
    adhoc = {"name": "Special", "unit_price": 100, "quantity": 1, "options": ["Large"]}
    error = assert_error(
        client.post("/v1/orders", json=order_body(items=[adhoc]), headers=tenant.headers),
        400, "invalid_request",
    )  # fmt: skip
    assert "product_id" in error["message"]
    for bad in ([""], [3], "Large", ["x"] * 31, ["x" * 101]):
        line = {"product_id": "prod_jollof", "quantity": 1, "options": bad}
        response = client.post("/v1/orders", json=order_body(items=[line]), headers=tenant.headers)
        assert_error(response, 400, "invalid_request")
    long_note = {"product_id": "prod_jollof", "quantity": 1, "note": "x" * 201}
    response = client.post("/v1/orders", json=order_body(items=[long_note]), headers=tenant.headers)
    assert_error(response, 400, "invalid_request", "items[0].note")


def test_the_line_total_with_options_is_capped(
    client: FlaskClient, tenant: TenantInfo, bowl: dict[str, Any]
) -> None:
    # 10^11 + 2*10^11... per unit, times 10,000 units, is past the largest amount (10^15).
    client.patch(
        "/v1/products/prod_bowl",
        json={"option_groups": [{**SIZE, "options": [{"name": "Small", "price": 10**11}]}]},
        headers=tenant.headers,
    )
    line = _line(quantity=10_000, options=["Small"])
    response = client.post("/v1/orders", json=order_body(items=[line]), headers=tenant.headers)
    assert_error(response, 422, "validation_error", "items[0].quantity")


def test_changed_options_price_the_next_order(
    client: FlaskClient, place: PlaceOrder, tenant: TenantInfo, bowl: dict[str, Any]
) -> None:
    first = place(items=[_line(quantity=1, options=["Large"])])
    assert first["items"][0]["subtotal"] == 250000
    dearer = [
        {**SIZE, "options": [{"name": "Small", "price": 0}, {"name": "Large", "price": 90000}]}
    ]
    client.patch("/v1/products/prod_bowl", json={"option_groups": dearer}, headers=tenant.headers)
    second = place(items=[_line(quantity=1, options=["Large"])])
    assert second["items"][0]["subtotal"] == 290000
    # The first order keeps the price it was placed at.
    kept = client.get(f"/v1/orders/{first['id']}", headers=tenant.headers).json
    assert kept["items"][0]["options"][0]["price"] == 50000


def test_options_and_notes_are_stored_and_exported(
    client: FlaskClient,
    database: Database,
    place: PlaceOrder,
    tenant: TenantInfo,
    bowl: dict[str, Any],
) -> None:
    order = place(items=[
        _line(options=["Large", "Chicken"]),
        {"product_id": "prod_jollof", "quantity": 1, "note": "less pepper"},
    ])  # fmt: skip
    with database.read() as session:
        stored = session.query(OrderItem).order_by(OrderItem.position).all()
        assert stored[0].options == order["items"][0]["options"]
        assert stored[0].unit_total * stored[0].quantity == stored[0].subtotal
        assert stored[1].note == "less pepper"
    export = client.get("/v1/orders/export", headers=tenant.headers)
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    assert rows[0]["items"] == "2x Rice Bowl (Large, Chicken); 1x Jollof Rice (Large) [less pepper]"


def test_another_business_cannot_order_the_options(
    client: FlaskClient, other_tenant: TenantInfo, bowl: dict[str, Any]
) -> None:
    body = order_body(items=[_line(options=["Large"])])
    response = client.post("/v1/orders", json=body, headers=other_tenant.headers)
    assert_error(response, 422, "validation_error", "items[0].product_id")
    assert client.get("/v1/products/prod_bowl", headers=other_tenant.headers).status_code == 404


def test_refunds_and_returns_by_item_give_back_the_options_too(
    client: FlaskClient, tenant: TenantInfo, bowl: dict[str, Any]
) -> None:
    # (2000 + 500 Large + 1500 Chicken) x 2 = ₦8,000
    body = order_body(items=[_line(options=["Large", "Chicken"])], status="delivered",
                      payment={"amount": 800000})  # fmt: skip
    order = client.post("/v1/orders", json=body, headers=tenant.headers).json
    item_id = order["items"][0]["id"]
    refund = client.post(f"/v1/orders/{order['id']}/refunds", headers=tenant.headers,
                         json={"items": [{"item_id": item_id, "quantity": 1}]})  # fmt: skip
    assert refund.json["amount"] == 400000
    back = client.post(f"/v1/orders/{order['id']}/returns", headers=tenant.headers,
                       json={"items": [{"item_id": item_id, "quantity": 1}], "reason": "other"})  # fmt: skip
    assert back.status_code == 201, back.json
    assert back.json["amount"] == 400000


def test_a_checkout_shows_its_options_priced_like_its_order(
    client: FlaskClient, tenant: TenantInfo, bowl: dict[str, Any]
) -> None:
    body = {"customer": {"phone": "+2348012345678"}, "items": [_line(options=["Large", "Egg"])]}
    checkout = client.post("/v1/checkouts", json=body, headers=tenant.headers)
    assert checkout.status_code == 201, checkout.json
    [line] = checkout.json["items"]
    assert [o["name"] for o in line["options"]] == ["Large", "Egg"]
    assert line["subtotal"] == (200000 + 50000 + 20000) * 2 == checkout.json["total"]
    order = client.post(f"/v1/checkouts/{checkout.json['id']}/complete", headers=tenant.headers)
    assert order.json["total"] == checkout.json["total"]
