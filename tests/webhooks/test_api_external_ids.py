"""The integrator's own ids on orders: stored, returned, filtered, searched, exported, unique."""

from __future__ import annotations

import csv
import io
import threading
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from orders_core.db import Database
from tests.conftest import TenantInfo
from tests.webhooks.conftest import PlaceOrder, assert_error, order_body, row_counts

SHOPIFY = {
    "source": "shopify",
    "external_id": "gid://shopify/Order/5501",
    "external_number": "#1188",
}


def test_ids_are_stored_and_returned(
    client: FlaskClient, place: PlaceOrder, tenant: TenantInfo
) -> None:
    order = place(**SHOPIFY)
    assert (order["source"], order["external_id"], order["external_number"]) == (
        "shopify", "gid://shopify/Order/5501", "#1188",
    )  # fmt: skip
    again = client.get(f"/v1/orders/{order['id']}", headers=tenant.headers).json
    assert again["external_id"] == "gid://shopify/Order/5501"
    plain = place()
    assert (plain["source"], plain["external_id"], plain["external_number"]) == ("api", None, None)


def test_the_same_external_id_again_is_409_naming_the_order(
    client: FlaskClient, database: Database, place: PlaceOrder, tenant: TenantInfo
) -> None:
    first = place(**SHOPIFY)
    before = row_counts(database)
    retry = client.post("/v1/orders", json=order_body(**SHOPIFY), headers=tenant.headers)
    error = assert_error(retry, 409, "duplicate_external_id", "external_id")
    assert error["details"] == {"order_id": first["id"]}
    assert row_counts(database) == before


def test_uniqueness_is_per_source_and_per_business(
    client: FlaskClient, place: PlaceOrder, tenant: TenantInfo, other_tenant: TenantInfo
) -> None:
    place(**SHOPIFY)
    place(**{**SHOPIFY, "source": "pos"})
    place(as_tenant=other_tenant, **SHOPIFY)
    # Without a source the channel names it: "api" here, so this is yet another order.
    place(external_id=SHOPIFY["external_id"])
    dup = client.post("/v1/orders", json=order_body(external_id=SHOPIFY["external_id"]),
                      headers=tenant.headers)  # fmt: skip
    assert_error(dup, 409, "duplicate_external_id", "external_id")


def test_bad_ids_are_400(client: FlaskClient, tenant: TenantInfo) -> None:
    for bad in ({"source": "Shop ify"}, {"source": ""}, {"external_id": "  "},
                {"external_id": "x" * 201}, {"external_number": 12}):  # fmt: skip
        response = client.post("/v1/orders", json=order_body(**bad), headers=tenant.headers)
        assert_error(response, 400, "invalid_request", next(iter(bad)))


def test_filters_search_and_export(
    client: FlaskClient, place: PlaceOrder, tenant: TenantInfo
) -> None:
    shop = place(**SHOPIFY)
    pos = place(source="pos", external_id="till-7/0042", external_number="42")
    place()

    def ids(query: str) -> list[str]:
        answer = client.get(f"/v1/orders?{query}", headers=tenant.headers)
        assert answer.status_code == 200, answer.json
        return [o["id"] for o in answer.json["data"]]

    assert ids("source=shopify") == [shop["id"]]
    assert ids("source=pos&external_id=till-7/0042") == [pos["id"]]
    assert ids("external_id=gid://shopify/Order/5501") == [shop["id"]]
    assert ids("external_id=nothing") == []
    assert ids("q=till-7/0042") == [pos["id"]]
    assert ids("q=%231188") == [shop["id"]]  # the external number, "#1188"
    assert ids("q=42") == [pos["id"]]
    export = client.get("/v1/orders/export?source=pos", headers=tenant.headers)
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    assert [(r["source"], r["external_id"], r["external_number"]) for r in rows] == [
        ("pos", "till-7/0042", "42"),
    ]


def test_a_sync_racing_itself_makes_one_order(
    app: Flask, database: Database, tenant: TenantInfo
) -> None:
    body = order_body(**SHOPIFY)
    barrier = threading.Barrier(4)
    results: list[Any] = []

    def post() -> None:
        client = app.test_client()
        barrier.wait()
        results.append(client.post("/v1/orders", json=body, headers=tenant.headers))

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    statuses = sorted(r.status_code for r in results)
    assert statuses == [201, 409, 409, 409], [r.json for r in results]
    created = next(r.json for r in results if r.status_code == 201)
    for r in results:
        if r.status_code == 409:
            assert r.json["error"]["details"] == {"order_id": created["id"]}
    assert row_counts(database)["orders"] == 1
