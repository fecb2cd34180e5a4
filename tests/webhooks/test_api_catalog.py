"""/v1/products, /v1/customers and /v1/settings."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from orders_core.db import Database
from tests.conftest import TenantInfo
from tests.webhooks.conftest import PlaceOrder, assert_error


def test_products_list_in_menu_order(client: FlaskClient, tenant: TenantInfo) -> None:
    response = client.get("/v1/products", headers=tenant.headers)
    assert response.status_code == 200
    products = response.json["data"]
    assert len(products) == 12
    assert products[0] == {
        "id": "prod_jollof", "object": "product", "name": "Jollof Rice (Large)",
        "unit_price": 350000, "currency": "NGN", "description": None,
        "aliases": ["jollof", "jollof rice", "jellof", "jolof", "party rice"],
        "category": "Mains", "available": True, "option_groups": [],
    }  # fmt: skip


def test_product_create_read_update_delete(
    client: FlaskClient, place: PlaceOrder, tenant: TenantInfo
) -> None:
    created = client.post(
        "/v1/products",
        json={"name": "Asun (Spicy Goat)", "unit_price": 300000, "aliases": ["Asun", "Goat"],
              "category": "Sides"},
        headers=tenant.headers,
    )  # fmt: skip
    assert created.status_code == 201, created.json
    assert created.json["id"] == "prod_asun_spicy_goat"
    assert created.json["aliases"] == ["asun", "goat"]
    url = "/v1/products/prod_asun_spicy_goat"
    assert client.get(url, headers=tenant.headers).json == created.json
    assert client.get("/v1/products", headers=tenant.headers).json["data"][-1]["id"] == (
        "prod_asun_spicy_goat"
    )
    duplicate = client.post("/v1/products", json={"name": "Asun (spicy goat)", "unit_price": 1},
                            headers=tenant.headers)  # fmt: skip
    assert_error(duplicate, 409, "conflict", "id")

    changed = client.patch(
        url, json={"unit_price": 320000, "available": False, "description": "Peppered"},
        headers=tenant.headers,
    )  # fmt: skip
    assert changed.status_code == 200
    assert (changed.json["unit_price"], changed.json["available"]) == (320000, False)
    assert changed.json["description"] == "Peppered"
    assert changed.json["name"] == "Asun (Spicy Goat)"

    client.patch(url, json={"available": True}, headers=tenant.headers)
    order = place(items=[{"product_id": "prod_asun_spicy_goat", "quantity": 1}])
    deleted = client.delete(url, headers=tenant.headers)
    assert deleted.status_code == 200
    assert deleted.json == {"id": "prod_asun_spicy_goat", "object": "product", "deleted": True}
    assert_error(client.get(url, headers=tenant.headers), 404, "not_found", "id")
    assert_error(client.delete(url, headers=tenant.headers), 404, "not_found", "id")
    kept = client.get(f"/v1/orders/{order['id']}", headers=tenant.headers).json
    assert kept["items"][0]["name"] == "Asun (Spicy Goat)"


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"unit_price": 100}, "name"),
        ({"name": "", "unit_price": 100}, "name"),
        ({"name": "Tea", "unit_price": 1.5}, "unit_price"),
        ({"name": "Tea", "unit_price": "100"}, "unit_price"),
        ({"name": "Tea", "unit_price": -1}, "unit_price"),
        ({"name": "Tea", "unit_price": 100, "id": "tea"}, "id"),
        ({"name": "Tea", "unit_price": 100, "category": "c" * 101}, "category"),
        ({"name": "Tea", "unit_price": 100, "available": "yes"}, "available"),
        ({"name": "Tea", "unit_price": 100, "stock": 5}, "stock"),
    ],
)
def test_bad_products_are_400(
    client: FlaskClient, tenant: TenantInfo, body: dict[str, object], param: str
) -> None:
    assert_error(client.post("/v1/products", json=body, headers=tenant.headers), 400,
                 "invalid_request", param)  # fmt: skip
    assert len(client.get("/v1/products", headers=tenant.headers).json["data"]) == 12


def test_customers_list_page_search_and_lookup(
    client: FlaskClient, place: PlaceOrder, tenant: TenantInfo
) -> None:
    for n, name in enumerate(["Ada", "Bayo", "Chioma", "Dayo_x"]):
        place(customer={"name": name, "phone": f"+23480300000{n:02d}"})
    first = client.get("/v1/customers?limit=3", headers=tenant.headers).json
    assert [c["name"] for c in first["data"]] == ["Dayo_x", "Chioma", "Bayo"]
    assert first["has_more"] is True
    rest = client.get(
        f"/v1/customers?limit=3&starting_after={first['data'][-1]['id']}", headers=tenant.headers
    ).json
    assert ([c["name"] for c in rest["data"]], rest["has_more"]) == (["Ada"], False)
    assert [c["name"] for c in client.get(
        "/v1/customers?q=ayo", headers=tenant.headers).json["data"]] == ["Dayo_x", "Bayo"]  # fmt: skip
    assert [c["name"] for c in client.get(
        "/v1/customers?q=o_", headers=tenant.headers).json["data"]] == ["Dayo_x"]  # fmt: skip
    by_id = client.get(f"/v1/customers/{first['data'][0]['id']}", headers=tenant.headers)
    by_phone = client.get("/v1/customers/+2348030000003", headers=tenant.headers)
    assert by_id.status_code == 200 and by_id.json == by_phone.json
    assert by_id.json["phone"] == "+2348030000003" and by_id.json["opted_out"] is False


def test_settings_read_and_merge(client: FlaskClient, tenant: TenantInfo) -> None:
    current = client.get("/v1/settings", headers=tenant.headers)
    assert current.status_code == 200
    assert (current.json["name"], current.json["currency"]) == ("Mama Put Lagos", "NGN")
    assert current.json["staff"] == ["+2348000000001"]
    assert current.json["settings"]["auto_notifications"] is True
    changed = client.patch(
        "/v1/settings",
        json={"settings": {"auto_notifications": False, "pending_reminder_minutes": 25}},
        headers=tenant.headers,
    )
    assert changed.status_code == 200, changed.json
    assert changed.json["settings"]["auto_notifications"] is False
    assert changed.json["settings"]["pending_reminder_minutes"] == 25
    again = client.get("/v1/settings", headers=tenant.headers).json
    assert again == changed.json
    assert again["settings"]["quiet_hours_start"] == current.json["settings"]["quiet_hours_start"]


@pytest.mark.parametrize(
    ("changes", "param"),
    [
        ({"pending_reminder_minutes": 0}, "settings.pending_reminder_minutes"),
        ({"no_such_setting": 1}, "settings.no_such_setting"),
        ({"templates": {"order.confirmed": {"content_sid": "nope"}}},
         "settings.templates.order.confirmed.content_sid"),
    ],
)  # fmt: skip
def test_bad_settings_are_400_and_change_nothing(
    client: FlaskClient, database: Database, tenant: TenantInfo, changes: dict[str, object],
    param: str,
) -> None:  # fmt: skip
    before = client.get("/v1/settings", headers=tenant.headers).json
    response = client.patch("/v1/settings", json={"settings": changes}, headers=tenant.headers)
    assert_error(response, 400, "invalid_request", param)
    assert client.get("/v1/settings", headers=tenant.headers).json == before
    assert_error(client.patch("/v1/settings", json={"settings": {}, "name": "x"}, headers=tenant.headers),
                 400, "invalid_request", "name")  # fmt: skip
