"""Every dashboard route for every role (owner, counter, kitchen, and the API key as owner):
allowed ones work, others answer 403 saying who they are for and change nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from orders_core.db import Database
from orders_core.domain import OrderStatus
from orders_core.models import Order, Product, StaffAccount, Tenant
from tests.conftest import TenantInfo
from tests.webhooks.staff_helpers import act_as, add_account, cheap_hashes  # noqa: F401
from tests.webhooks.test_pages import move, place, sign_in
from webhooks.pages.access import OPEN

ALL = ("owner", "counter", "kitchen")
FRONT = ("owner", "counter")
OWNER = ("owner",)


@dataclass(frozen=True)
class Case:
    """One route: the request to make and the roles that may make it."""

    endpoint: str
    method: str
    path: str
    roles: tuple[str, ...]
    data: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.endpoint.removeprefix("pages.")


CASES = [
    Case("pages.dashboard.board", "GET", "/dashboard/", FRONT),
    Case("pages.dashboard.order_page", "GET", "/dashboard/orders/{pending}", FRONT),
    Case("pages.dashboard.change_status", "POST", "/dashboard/orders/{pending}/status", FRONT,
         {"status": "confirmed"}),
    Case("pages.dashboard.cancel", "POST", "/dashboard/orders/{pending}/cancel", FRONT,
         {"reason": "other"}),
    Case("pages.dashboard.mark_paid", "POST", "/dashboard/orders/{pending}/pay", FRONT,
         {"method": "cash"}),
    Case("pages.proofs.approve", "POST", "/dashboard/orders/{pending}/proof/approve", FRONT),
    Case("pages.proofs.reject", "POST", "/dashboard/orders/{pending}/proof/reject", FRONT,
         {"reason": "No money received"}),
    Case("pages.dashboard.reply", "POST", "/dashboard/orders/{pending}/reply", FRONT,
         {"body": "On its way"}),
    Case("pages.dashboard.hand_back", "POST", "/dashboard/orders/{pending}/handback", FRONT),
    Case("pages.dashboard.version", "GET", "/dashboard/api/version", FRONT),
    Case("pages.dashboard.logout", "POST", "/dashboard/logout", ALL),
    Case("pages.kitchen.screen", "GET", "/dashboard/kitchen", ALL),
    Case("pages.kitchen.tickets_version", "GET", "/dashboard/api/kitchen", ALL),
    Case("pages.kitchen.advance", "POST", "/dashboard/kitchen/{preparing}/advance", ALL,
         {"status": "ready"}),
    Case("pages.kitchen.confirm_delivered", "GET", "/dashboard/orders/{preparing}/deliver", ALL),
    Case("pages.kitchen.print_ticket", "GET", "/dashboard/orders/{preparing}/ticket", ALL),
    Case("pages.menu.page", "GET", "/dashboard/menu", FRONT),
    Case("pages.menu.toggle", "POST", "/dashboard/menu/prod_suya/available", FRONT,
         {"available": "0"}),
    Case("pages.shop.page", "GET", "/dashboard/shop", OWNER),
    Case("pages.shop.pause", "POST", "/dashboard/shop/pause", OWNER, {"message": "Busy"}),
    Case("pages.shop.resume", "POST", "/dashboard/shop/resume", OWNER),
    Case("pages.shop.save_hours", "POST", "/dashboard/shop/hours", OWNER,
         {"hours_mon": "09:00-17:00"}),
    Case("pages.shop.save_dates", "POST", "/dashboard/shop/dates", OWNER,
         {"closed_dates": "2026-12-25"}),
    Case("pages.staff.page", "GET", "/dashboard/staff", OWNER),
    Case("pages.staff.add", "POST", "/dashboard/staff", OWNER,
         {"email": "new@example.com", "name": "New", "role": "kitchen",
          "password": "a long password", "password_again": "a long password"}),
    Case("pages.staff.disable", "POST", "/dashboard/staff/{kitchen}/disable", OWNER),
    Case("pages.staff.enable", "POST", "/dashboard/staff/{kitchen}/enable", OWNER),
]  # fmt: skip


def test_every_dashboard_route_is_in_the_matrix(app: Flask) -> None:
    routes = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/dashboard") and rule.endpoint not in OPEN
    }
    assert routes == {case.endpoint for case in CASES}


def snapshot(database: Database, tenant_id: int) -> tuple[Any, ...]:
    """What a refused request must leave alone: orders, menu, settings, accounts."""
    with database.read() as session:
        return (
            sorted(session.execute(select(Order.number, Order.status, Order.amount_paid)).all()),
            sorted(session.execute(select(Product.code, Product.available)).all()),
            session.scalar(select(Tenant.settings).where(Tenant.id == tenant_id)),
            session.scalar(select(func.count()).select_from(StaffAccount)),
            sorted(session.execute(select(StaffAccount.id, StaffAccount.disabled_at)).all()),
        )


def request(client: FlaskClient, case: Case, token: str, ids: dict[str, str]) -> Any:
    return client.open(
        case.path.format(**ids),
        method=case.method,
        data={**case.data, "csrf_token": token} if case.method == "POST" else None,
    )


@pytest.mark.parametrize("role", [*ALL, "api key"])
def test_role_matrix(
    client: FlaskClient, database: Database, tenant: TenantInfo, role: str
) -> None:
    accounts = {r: add_account(database, tenant.id, r) for r in ALL}
    key_token = ""
    for case in CASES:
        pending = place(database, tenant)
        preparing = place(database, tenant)
        move(database, tenant, preparing, OrderStatus.CONFIRMED, OrderStatus.PREPARING)
        ids = {"pending": pending, "preparing": preparing, "kitchen": str(accounts["kitchen"])}
        if role == "api key":  # signed in again only after signing out (sign-ins are limited)
            token = key_token = key_token or sign_in(client, tenant.key)
        else:
            token = act_as(client, tenant.id, accounts[role])
        before = snapshot(database, tenant.id)
        response = request(client, case, token, ids)
        if case.endpoint == "pages.dashboard.logout":
            key_token = ""
        body = response.get_data(as_text=True)
        where = (str(case), role, response.status_code, body[:300])
        if role == "api key" or role in case.roles:
            assert response.status_code in (200, 302, 303), where
            if case.endpoint != "pages.dashboard.logout":
                assert "/dashboard/login" not in response.headers.get("Location", ""), where
            continue
        assert response.status_code == 403, where
        if case.path.startswith("/dashboard/api/"):
            assert response.json["error"]["code"] == "forbidden", where
        else:
            assert "Not for your role" in body and f"you are signed in as {role}" in body, where
            needed = {"owner": "the owner", "counter": "counter staff", "kitchen": "the kitchen"}
            assert all(needed[r] in body for r in case.roles), where
        assert snapshot(database, tenant.id) == before, where
