"""Returns: reason codes, returnable quantities, requested -> received -> refunded (or
rejected), refunds through the refund machinery, timeline and events, idempotency, tenants."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from orders_core.db import Database
from orders_core.models import OutboxEvent, Refund, Return, TimelineEvent
from orders_core.return_presenters import returnable_quantities
from orders_core.services.orders import get_order
from orders_core.services.returns import returns_of
from tests.conftest import TenantInfo
from tests.webhooks.conftest import PlaceOrder, assert_error

JOLLOF = 350000  # the demo menu's prices, in kobo
CHAPMAN = 150000


class Shop:
    """A tenant's API, as a back office calls it."""

    def __init__(self, client: FlaskClient, tenant: TenantInfo) -> None:
        self.client = client
        self.tenant = tenant

    def post(self, path: str, body: dict[str, Any] | None = None, **headers: str) -> Any:
        return self.client.post(
            path, json={} if body is None else body, headers={**self.tenant.headers, **headers}
        )

    def get(self, path: str) -> Any:
        return self.client.get(path, headers=self.tenant.headers)

    def ok(self, response: Any, status: int = 200) -> dict[str, Any]:
        assert response.status_code == status, response.get_data(as_text=True)
        return response.json

    def deliver(self, order: dict[str, Any], *, pay: bool = True) -> None:
        if pay:
            self.ok(self.post(f"/v1/orders/{order['id']}/payments"), 201)
        patch = self.client.patch(
            f"/v1/orders/{order['id']}", json={"status": "delivered"}, headers=self.tenant.headers
        )
        self.ok(patch)

    def request(self, order: dict[str, Any], *lines: tuple[int, int], **fields: Any) -> Any:
        """POST a return of (line index, quantity) pairs; the raw response."""
        items = [{"item_id": order["items"][i]["id"], "quantity": q} for i, q in lines]
        body = {"items": items, "reason": "damaged", **fields}
        return self.post(f"/v1/orders/{order['id']}/returns", body)


@pytest.fixture
def shop(client: FlaskClient, tenant: TenantInfo) -> Shop:
    """The demo tenant's API."""
    return Shop(client, tenant)


def returnable(database: Database, tenant: TenantInfo, order: dict[str, Any]) -> list[int]:
    """Each line's returnable quantity, in line order, as the service reports it."""
    with database.read() as session:
        row = get_order(session, tenant.id, order["id"])
        left = returnable_quantities(row, returns_of(session, row))
        return [left[item.id] for item in row.items]


def events(database: Database, prefix: str) -> list[OutboxEvent]:
    with database.read() as session:
        query = select(OutboxEvent).where(OutboxEvent.type.startswith(prefix))
        return list(session.scalars(query.order_by(OutboxEvent.id)))


def count(database: Database, model: type) -> int:
    with database.read() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_reason_codes_are_listed_with_labels(shop: Shop) -> None:
    body = shop.ok(shop.get("/v1/return_reasons"))
    assert body["object"] == "list"
    codes = [r["code"] for r in body["data"]]
    assert codes == ["changed_mind", "damaged", "wrong_item", "not_as_described", "other"]
    assert all(r["label"] for r in body["data"])


def test_only_delivered_units_can_be_returned(
    shop: Shop, place: PlaceOrder, database: Database, tenant: TenantInfo
) -> None:
    order = place()
    assert returnable(database, tenant, order) == [0, 0]
    error = assert_error(shop.request(order, (0, 1)), 422, "validation_error", "items[0].quantity")
    assert "Jollof Rice (Large)" in error["message"]
    assert error["details"] == {"item_id": order["items"][0]["id"], "returnable_quantity": 0}
    shop.deliver(order)
    assert returnable(database, tenant, order) == [2, 1]


def test_fulfilled_units_are_returnable_before_delivery(
    shop: Shop, place: PlaceOrder, database: Database, tenant: TenantInfo
) -> None:
    order = place()
    item = order["items"][0]["id"]
    shop.ok(shop.post(f"/v1/orders/{order['id']}/fulfillments",
                      {"items": [{"item_id": item, "quantity": 1}]}), 201)  # fmt: skip
    assert returnable(database, tenant, order) == [1, 0]
    shop.ok(shop.request(order, (0, 1)), 201)
    assert returnable(database, tenant, order) == [0, 0]


def test_a_unit_refunded_before_shipping_does_not_hide_a_shipped_one(
    shop: Shop, place: PlaceOrder, database: Database, tenant: TenantInfo
) -> None:
    order = place()
    jollof = order["items"][0]["id"]
    shop.ok(shop.post(f"/v1/orders/{order['id']}/payments"), 201)
    shop.ok(shop.post(f"/v1/orders/{order['id']}/refunds",
                      {"items": [{"item_id": jollof, "quantity": 1}]}), 201)  # fmt: skip
    shop.ok(shop.post(f"/v1/orders/{order['id']}/fulfillments", {}), 201)  # the rest: 1 + 1
    assert returnable(database, tenant, order) == [1, 1]


def test_a_return_is_requested_received_and_refunded_by_its_items(
    shop: Shop, place: PlaceOrder, database: Database, tenant: TenantInfo
) -> None:
    order = place()
    shop.deliver(order)
    ret = shop.ok(shop.request(order, (0, 1), (1, 1), note="cold and spilled"), 201)
    assert ret["object"] == "return" and ret["id"].startswith("ret_")
    assert (ret["order_id"], ret["status"], ret["reason"]) == (order["id"], "requested", "damaged")
    assert ret["note"] == "cold and spilled"
    assert [(i["item_id"], i["quantity"], i["amount"]) for i in ret["items"]] == [
        (order["items"][0]["id"], 1, JOLLOF), (order["items"][1]["id"], 1, CHAPMAN),
    ]  # fmt: skip
    assert (ret["amount"], ret["refunded_amount"], ret["currency"]) == (JOLLOF + CHAPMAN, 0, "NGN")
    assert returnable(database, tenant, order) == [1, 0]

    received = shop.ok(shop.post(f"/v1/returns/{ret['id']}/receive"))
    assert received["status"] == "received" and received["received_at"]
    refunded = shop.ok(shop.post(f"/v1/returns/{ret['id']}/refund", {"note": "to card"}))
    assert refunded["status"] == "refunded" and refunded["refunded_at"]
    assert refunded["refunded_amount"] == JOLLOF + CHAPMAN
    assert refunded["refund_id"].startswith("re_")
    assert shop.ok(shop.get(f"/v1/returns/{ret['id']}")) == refunded

    after = shop.ok(shop.get(f"/v1/orders/{order['id']}"))
    assert after["amount_refunded"] == JOLLOF + CHAPMAN
    assert after["payment_status"] == "partially_refunded"
    assert [i["refunded_quantity"] for i in after["items"]] == [1, 1]
    with database.read() as session:
        [refund] = session.scalars(select(Refund))
        assert refund.amount == JOLLOF + CHAPMAN
        assert refund.items == [{"item_id": i["item_id"], "quantity": 1} for i in ret["items"]]
        assert f"re_{refund.id}" == refunded["refund_id"]
        titles = session.scalars(
            select(TimelineEvent.title).where(TimelineEvent.kind == "return")
            .order_by(TimelineEvent.id)
        ).all()  # fmt: skip
    assert titles == ["Return requested", "Return received", "Return refunded"]
    assert returnable(database, tenant, order) == [1, 0]  # returned units stay returned
    kinds = [e.type for e in events(database, "re")]
    assert kinds == ["return.requested", "return.received", "refund.created", "return.refunded"]
    last = events(database, "return.refunded")[0].data
    assert last["return"]["status"] == "refunded" and last["return_id"] == ret["id"]
    assert last["order"]["amount_refunded"] == JOLLOF + CHAPMAN


def test_over_returning_names_the_item(
    shop: Shop, place: PlaceOrder, database: Database, tenant: TenantInfo
) -> None:
    order = place()
    shop.deliver(order)
    shop.ok(shop.request(order, (0, 1)), 201)
    error = assert_error(
        shop.request(order, (1, 1), (0, 2)), 422, "validation_error", "items[1].quantity"
    )
    assert "Only 1 of Jollof Rice (Large)" in error["message"]
    assert error["details"]["returnable_quantity"] == 1
    assert count(database, Return) == 1
    shop.ok(shop.request(order, (0, 1)), 201)
    assert returnable(database, tenant, order) == [0, 1]


def test_refunded_units_are_not_returnable(
    shop: Shop, place: PlaceOrder, database: Database, tenant: TenantInfo
) -> None:
    order = place()
    jollof = order["items"][0]["id"]
    shop.ok(shop.post(f"/v1/orders/{order['id']}/payments"), 201)
    # One jollof refunded before it left (never delivered), then the rest delivered.
    shop.ok(shop.post(f"/v1/orders/{order['id']}/refunds",
                      {"items": [{"item_id": jollof, "quantity": 1}]}), 201)  # fmt: skip
    shop.deliver(order, pay=False)
    assert returnable(database, tenant, order) == [1, 1]
    # The delivered jollof refunded without a return (a goodwill refund): nothing left.
    shop.ok(shop.post(f"/v1/orders/{order['id']}/refunds",
                      {"items": [{"item_id": jollof, "quantity": 1}]}), 201)  # fmt: skip
    assert returnable(database, tenant, order) == [0, 1]
    assert_error(shop.request(order, (0, 1)), 422, "validation_error", "items[0].quantity")


def test_rejecting_gives_the_units_back_and_final_states_are_final(
    shop: Shop, place: PlaceOrder, database: Database, tenant: TenantInfo
) -> None:
    order = place()
    shop.deliver(order)
    ret = shop.ok(shop.request(order, (0, 2)), 201)
    error = assert_error(shop.post(f"/v1/returns/{ret['id']}/refund"), 409, "illegal_transition")
    assert error["details"] == {
        "current": "requested", "requested": "refunded", "allowed": ["received", "rejected"],
    }  # fmt: skip
    rejected = shop.ok(shop.post(f"/v1/returns/{ret['id']}/reject", {"note": "used"}))
    assert (rejected["status"], rejected["rejection_note"]) == ("rejected", "used")
    assert rejected["rejected_at"]
    assert returnable(database, tenant, order) == [2, 1]
    for action in ("receive", "refund", "reject"):
        error = assert_error(shop.post(f"/v1/returns/{ret['id']}/{action}"), 409,
                             "illegal_transition")  # fmt: skip
        assert error["details"]["allowed"] == []
    assert count(database, Refund) == 0
    assert [e.type for e in events(database, "return.")] == ["return.requested", "return.rejected"]
    # A received return can be rejected too; a refunded one cannot.
    second = shop.ok(shop.request(order, (0, 1)), 201)
    shop.ok(shop.post(f"/v1/returns/{second['id']}/receive"))
    assert shop.ok(shop.post(f"/v1/returns/{second['id']}/reject"))["status"] == "rejected"


def test_an_unpaid_order_cannot_refund_its_return(
    shop: Shop, place: PlaceOrder, database: Database
) -> None:
    order = place()
    shop.deliver(order, pay=False)
    ret = shop.ok(shop.request(order, (0, 1)), 201)
    shop.ok(shop.post(f"/v1/returns/{ret['id']}/receive"))
    error = assert_error(shop.post(f"/v1/returns/{ret['id']}/refund"), 409, "conflict", "id")
    assert error["details"] == {"refundable": 0, "amount": JOLLOF}
    assert shop.ok(shop.get(f"/v1/returns/{ret['id']}"))["status"] == "received"
    assert count(database, Refund) == 0
    # Once the payment is recorded, the same return refunds.
    shop.ok(shop.post(f"/v1/orders/{order['id']}/payments"), 201)
    assert shop.ok(shop.post(f"/v1/returns/{ret['id']}/refund"))["refunded_amount"] == JOLLOF


def test_the_refund_is_capped_at_what_is_left_to_refund(shop: Shop, place: PlaceOrder) -> None:
    order = place()
    shop.deliver(order)
    total = order["total"]
    shop.ok(shop.post(f"/v1/orders/{order['id']}/refunds", {"amount": total - 100000}), 201)
    ret = shop.ok(shop.request(order, (0, 1)), 201)
    shop.ok(shop.post(f"/v1/returns/{ret['id']}/receive"))
    refunded = shop.ok(shop.post(f"/v1/returns/{ret['id']}/refund"))
    assert (refunded["amount"], refunded["refunded_amount"]) == (JOLLOF, 100000)
    after = shop.ok(shop.get(f"/v1/orders/{order['id']}"))
    assert (after["amount_refunded"], after["payment_status"]) == (total, "refunded")


def test_units_refunded_outside_the_return_block_its_refund(
    shop: Shop, place: PlaceOrder, database: Database
) -> None:
    order = place()
    shop.deliver(order)
    ret = shop.ok(shop.request(order, (0, 2)), 201)
    jollof = order["items"][0]["id"]
    shop.ok(shop.post(f"/v1/orders/{order['id']}/refunds",
                      {"items": [{"item_id": jollof, "quantity": 1}]}), 201)  # fmt: skip
    shop.ok(shop.post(f"/v1/returns/{ret['id']}/receive"))
    error = assert_error(shop.post(f"/v1/returns/{ret['id']}/refund"), 409, "conflict")
    assert error["details"] == {"item_id": jollof, "refundable_quantity": 1}
    assert count(database, Refund) == 1


def test_idempotency_key_replays_every_post(
    shop: Shop, place: PlaceOrder, database: Database
) -> None:
    order = place()
    shop.deliver(order)
    body = {"items": [{"item_id": order["items"][0]["id"], "quantity": 1}], "reason": "other"}
    path = f"/v1/orders/{order['id']}/returns"
    first = shop.post(path, body, **{"Idempotency-Key": "ret-1"})
    again = shop.post(path, body, **{"Idempotency-Key": "ret-1"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert count(database, Return) == 1
    other = shop.post(path, {**body, "reason": "damaged"}, **{"Idempotency-Key": "ret-1"})
    assert_error(other, 409, "idempotency_key_reused")
    ret_id = first.json["id"]
    for action in ("receive", "refund"):
        once = shop.post(f"/v1/returns/{ret_id}/{action}", **{"Idempotency-Key": action})
        twice = shop.post(f"/v1/returns/{ret_id}/{action}", **{"Idempotency-Key": action})
        assert once.status_code == twice.status_code == 200
        assert twice.json == once.json and twice.headers["Idempotent-Replayed"] == "true"
    assert count(database, Refund) == 1
    assert len(events(database, "return.refunded")) == 1
    # Without a key, doing it again is a conflict, not a second refund.
    assert_error(shop.post(f"/v1/returns/{ret_id}/refund"), 409, "illegal_transition")


def test_list_filters_and_pages(shop: Shop, place: PlaceOrder) -> None:
    first, second = place(), place()
    shop.deliver(first)
    shop.deliver(second)
    a = shop.ok(shop.request(first, (0, 1)), 201)
    b = shop.ok(shop.request(second, (0, 1)), 201)
    c = shop.ok(shop.request(second, (1, 1)), 201)
    shop.ok(shop.post(f"/v1/returns/{b['id']}/receive"))

    def ids(query: str) -> list[str]:
        return [r["id"] for r in shop.ok(shop.get(f"/v1/returns?{query}"))["data"]]

    assert ids("") == [c["id"], b["id"], a["id"]]
    assert ids("status=received") == [b["id"]]
    assert ids("status=requested") == [c["id"], a["id"]]
    assert ids(f"order_id={second['id']}") == [c["id"], b["id"]]
    assert ids(f"order_id={second['number']}&status=requested") == [c["id"]]
    assert ids("order_id=ord_999999") == []
    page = shop.ok(shop.get("/v1/returns?limit=2"))
    assert page["has_more"] and page["next_cursor"] == b["id"]
    rest = shop.ok(shop.get(f"/v1/returns?limit=2&starting_after={page['next_cursor']}"))
    assert [r["id"] for r in rest["data"]] == [a["id"]] and not rest["has_more"]
    assert rest["next_cursor"] is None
    assert_error(shop.get("/v1/returns?starting_after=ord_1"), 400, "invalid_request",
                 "starting_after")  # fmt: skip
    assert_error(shop.get("/v1/returns?status=lost"), 400, "invalid_request", "status")
    assert_error(shop.get("/v1/returns?order_id=abc"), 400, "invalid_request", "order_id")


def test_tenants_see_only_their_own_returns(
    client: FlaskClient, shop: Shop, place: PlaceOrder, other_tenant: TenantInfo
) -> None:
    order = place()
    shop.deliver(order)
    ret = shop.ok(shop.request(order, (0, 1)), 201)
    other = Shop(client, other_tenant)
    assert_error(other.get(f"/v1/returns/{ret['id']}"), 404, "not_found")
    for action in ("receive", "refund", "reject"):
        assert_error(other.post(f"/v1/returns/{ret['id']}/{action}"), 404, "not_found")
    assert other.ok(other.get("/v1/returns"))["data"] == []
    assert other.ok(other.get(f"/v1/returns?order_id={order['id']}"))["data"] == []
    body = {"items": [{"item_id": order["items"][0]["id"], "quantity": 1}], "reason": "other"}
    assert_error(other.post(f"/v1/orders/{order['id']}/returns", body), 404, "not_found")
    assert shop.ok(shop.get(f"/v1/returns/{ret['id']}"))["status"] == "requested"


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"items": [], "reason": "damaged"}, "items"),
        ({"items": [{"item_id": "item_1", "quantity": 1}]}, "reason"),
        ({"items": [{"item_id": "item_1", "quantity": 1}], "reason": "stopped_working"}, "reason"),
        ({"items": [{"item_id": "item_1", "quantity": 0}], "reason": "other"}, "items.0.quantity"),
        ({"items": [{"item_id": "item_1", "quantity": 1}] * 2, "reason": "other"}, "items"),
        ({"items": [{"item_id": "item_1", "quantity": 1}], "reason": "other", "x": 1}, "x"),
    ],
)
def test_bad_bodies_are_400(
    shop: Shop, place: PlaceOrder, body: dict[str, Any], param: str
) -> None:
    order = place()
    error = assert_error(shop.post(f"/v1/orders/{order['id']}/returns", body), 400,
                         "invalid_request")  # fmt: skip
    assert error["param"] in (param, param.replace(".0.", "[0]."))


def test_unknown_ids_are_404_or_422(shop: Shop, place: PlaceOrder) -> None:
    order = place()
    shop.deliver(order)
    body = {"items": [{"item_id": "item_999999", "quantity": 1}], "reason": "other"}
    assert_error(shop.post(f"/v1/orders/{order['id']}/returns", body), 422, "validation_error",
                 "items[0].item_id")  # fmt: skip
    assert_error(shop.post("/v1/orders/ord_999999/returns", body), 404, "not_found")
    for bad in ("ret_999999", "re_1", "12"):
        assert_error(shop.get(f"/v1/returns/{bad}"), 404, "not_found")
        assert_error(shop.post(f"/v1/returns/{bad}/receive"), 404, "not_found")


def test_returns_of_an_order_oldest_first(
    shop: Shop, place: PlaceOrder, database: Database, tenant: TenantInfo
) -> None:
    order = place()
    shop.deliver(order)
    a = shop.ok(shop.request(order, (0, 1)), 201)
    b = shop.ok(shop.request(order, (1, 1)), 201)
    shop.ok(shop.post(f"/v1/returns/{a['id']}/reject"))
    with database.read() as session:
        row = get_order(session, tenant.id, order["id"])
        loaded = returns_of(session, row)
        assert [r.public_id for r in loaded] == [a["id"], b["id"]]
        left = returnable_quantities(row, loaded)
        assert [left[item.id] for item in row.items] == [2, 0]


def test_the_routes_are_in_the_openapi_document(client: FlaskClient) -> None:
    paths = client.get("/openapi.json").json["paths"]
    assert set(paths["/v1/orders/{order_id}/returns"]) == {"post"}
    assert set(paths["/v1/returns"]) == {"get"}
    assert set(paths["/v1/returns/{return_id}"]) == {"get"}
    assert set(paths["/v1/return_reasons"]) == {"get"}
    for action in ("receive", "refund", "reject"):
        operation = paths[f"/v1/returns/{{return_id}}/{action}"]["post"]
        assert "Idempotency-Key" in {p["name"] for p in operation["parameters"]}


def test_returns_racing_for_the_same_units_never_over_return(
    app: Flask, shop: Shop, place: PlaceOrder, database: Database, tenant: TenantInfo
) -> None:
    order = place()
    shop.deliver(order)
    body = {"items": [{"item_id": order["items"][0]["id"], "quantity": 2}], "reason": "other"}
    barrier = threading.Barrier(3)
    results: list[Any] = []

    def post() -> None:
        client = app.test_client()
        barrier.wait()
        results.append(
            client.post(f"/v1/orders/{order['id']}/returns", json=body, headers=tenant.headers)
        )

    threads = [threading.Thread(target=post) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(r.status_code for r in results) == [201, 422, 422]
    assert count(database, Return) == 1
    assert returnable(database, tenant, order) == [0, 1]
