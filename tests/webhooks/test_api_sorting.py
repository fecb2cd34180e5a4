"""Sorted order lists: every sort pages through every order once, in order; total counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import update

from orders_core.db import Database
from orders_core.models import Order
from tests.conftest import TenantInfo
from tests.webhooks.conftest import PlaceOrder, assert_error

SORTS = ["created_at", "-created_at", "updated_at", "-updated_at", "total", "-total"]


def _walk(client: FlaskClient, tenant: TenantInfo, query: str) -> list[dict[str, Any]]:
    """Every order of the list, page by page (3 a page), following next_cursor."""
    seen: list[dict[str, Any]] = []
    cursor = ""
    while True:
        page = client.get(f"/v1/orders?limit=3&{query}{cursor}", headers=tenant.headers).json
        seen += page["data"]
        if not page["has_more"]:
            return seen
        cursor = f"&starting_after={page['next_cursor']}"


@pytest.fixture
def orders(place: PlaceOrder, database: Database) -> list[dict[str, Any]]:
    """Eight orders with totals that tie and times that are not in number order."""
    placed = [place(items=[{"name": "Suya", "unit_price": price, "quantity": 1}])
              for price in (500, 300, 500, 900, 100, 300, 500, 700)]  # fmt: skip
    start = datetime(2026, 11, 1, tzinfo=UTC)
    with database.write() as session:
        for index, order in enumerate(placed):
            when = start + timedelta(hours=(index * 5) % 8)  # created in a shuffled order
            session.execute(update(Order).where(Order.number == order["number"])
                            .values(created_at=when, updated_at=when + timedelta(days=8 - index)))  # fmt: skip
    return placed


@pytest.mark.parametrize("sort", SORTS)
def test_every_sort_pages_through_every_order_once_in_order(
    client: FlaskClient, tenant: TenantInfo, orders: list[dict[str, Any]], sort: str
) -> None:
    walked = _walk(client, tenant, f"sort={sort}")
    assert sorted(o["id"] for o in walked) == sorted(o["id"] for o in orders)
    name, descending = sort.lstrip("-"), sort.startswith("-")
    keys = [(o[name], o["number"]) for o in walked]
    assert keys == sorted(keys, reverse=descending)


def test_the_default_is_newest_first_by_number(
    client: FlaskClient, tenant: TenantInfo, orders: list[dict[str, Any]]
) -> None:
    walked = _walk(client, tenant, "")
    assert [o["number"] for o in walked] == sorted((o["number"] for o in orders), reverse=True)


def test_total_count_counts_every_page_of_the_filter(
    client: FlaskClient, tenant: TenantInfo, orders: list[dict[str, Any]]
) -> None:
    page = client.get("/v1/orders?limit=2&include=total_count", headers=tenant.headers).json
    assert (len(page["data"]), page["total_count"]) == (2, 8)
    filtered = client.get("/v1/orders?limit=2&include=total_count&sort=total&starting_after="
                          f"{orders[0]['id']}", headers=tenant.headers).json  # fmt: skip
    assert filtered["total_count"] == 8  # the cursor moves the page, not the count
    assert client.get("/v1/orders?limit=2", headers=tenant.headers).json["total_count"] is None


def test_bad_sorts_and_cursors_are_400(client: FlaskClient, tenant: TenantInfo) -> None:
    for query in (
        "sort=price",
        "sort=-number",
        "include=everything",
        "sort=total&starting_after=x",
    ):
        assert_error(client.get(f"/v1/orders?{query}", headers=tenant.headers), 400,
                     "invalid_request")  # fmt: skip
    missing = client.get("/v1/orders?sort=total&starting_after=ord_9999", headers=tenant.headers)
    assert_error(missing, 400, "invalid_request", "starting_after")
