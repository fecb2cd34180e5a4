"""The staff tools' pages: the menu's sold-out switch, the shop's hours form, the staff list,
and the promised ready time on the board and the kitchen screen."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient
from sqlalchemy import update

from orders_core.db import Database
from orders_core.domain import OrderStatus
from orders_core.models import Order, StaffAccount
from orders_core.services.tenants import get_tenant, tenant_settings
from orders_core.tenant_settings import TenantSettings
from tests.conftest import TenantInfo, tenant_row
from tests.webhooks.staff_helpers import (  # noqa: F401
    act_as,
    add_account,
    cheap_hashes,
    password_sign_in,
)
from tests.webhooks.test_pages import move, place
from webhooks.pages.kitchen_tickets import ready_text


@pytest.fixture
def owner(client: FlaskClient, database: Database, tenant: TenantInfo) -> str:
    """The client signed in as the owner's account; the CSRF token."""
    return act_as(client, tenant.id, add_account(database, tenant.id, "owner", name="Olu"))


@pytest.fixture
def counter(client: FlaskClient, database: Database, tenant: TenantInfo) -> str:
    """The client signed in as a counter account; the CSRF token."""
    return act_as(client, tenant.id, add_account(database, tenant.id, "counter"))


def settings_of(database: Database, tenant: TenantInfo) -> TenantSettings:
    with database.read() as session:
        return tenant_settings(get_tenant(session, tenant.id))


# The menu's one-tap sold out


def test_the_counter_marks_a_product_sold_out_and_back(
    client: FlaskClient, database: Database, tenant: TenantInfo, counter: str
) -> None:
    page = client.get("/dashboard/menu").get_data(as_text=True)
    assert "Beef Suya" in page and 'aria-label="Mark Beef Suya sold out"' in page
    version = tenant_row(database, tenant.id).version
    response = client.post(
        "/dashboard/menu/prod_suya/available", data={"available": "0", "csrf_token": counter}
    )
    assert response.status_code == 303
    api = client.get("/v1/products/prod_suya", headers=tenant.headers).json
    assert api["available"] is False
    assert tenant_row(database, tenant.id).version > version  # the chat reloads the menu
    page = client.get("/dashboard/menu").get_data(as_text=True)
    assert "Beef Suya is sold out" in page and 'aria-label="Mark Beef Suya back"' in page
    client.post(
        "/dashboard/menu/prod_suya/available", data={"available": "1", "csrf_token": counter}
    )
    assert client.get("/v1/products/prod_suya", headers=tenant.headers).json["available"] is True


def test_the_sold_out_switch_needs_the_csrf_token_and_a_known_product(
    client: FlaskClient, tenant: TenantInfo, counter: str
) -> None:
    no_token = client.post("/dashboard/menu/prod_suya/available", data={"available": "0"})
    assert no_token.status_code == 400
    assert client.get("/v1/products/prod_suya", headers=tenant.headers).json["available"] is True
    unknown = client.post(
        "/dashboard/menu/prod_nope/available", data={"available": "0", "csrf_token": counter}
    )
    assert unknown.status_code == 404
    odd = client.post(
        "/dashboard/menu/prod_suya/available", data={"available": "maybe", "csrf_token": counter}
    )
    assert odd.status_code == 303
    assert client.get("/v1/products/prod_suya", headers=tenant.headers).json["available"] is True


# The shop's hours


def test_the_owner_sets_hours_per_weekday(
    client: FlaskClient, database: Database, tenant: TenantInfo, owner: str
) -> None:
    response = client.post(
        "/dashboard/shop/hours",
        data={"csrf_token": owner, "hours_mon": "11:00 - 15:00, 17:00-22:00",
              "hours_sat": "18:00-02:00", "hours_sun": ""},
    )  # fmt: skip
    assert response.status_code == 303
    assert settings_of(database, tenant).opening_hours == {
        "mon": ["11:00-15:00", "17:00-22:00"],
        "sat": ["18:00-02:00"],
    }
    page = client.get("/dashboard/shop").get_data(as_text=True)
    assert re.search(r'<th scope="row">Monday</th><td>11:00-15:00, 17:00-22:00</td>', page)
    assert 'value="11:00-15:00, 17:00-22:00"' in page
    client.post("/dashboard/shop/hours", data={"csrf_token": owner, "always_open": "1"})
    assert settings_of(database, tenant).opening_hours is None


@pytest.mark.parametrize(
    ("fields", "shown"),
    [
        ({"hours_tue": "25:00-26:00"}, "is not a range like 11:00-15:00"),
        ({"hours_wed": "9-5"}, "is not a range like 11:00-15:00"),
        ({}, "Every day is closed"),
    ],
)
def test_wrong_hours_are_shown_beside_the_field_and_nothing_is_saved(
    client: FlaskClient,
    database: Database,
    tenant: TenantInfo,
    owner: str,
    fields: dict[str, str],
    shown: str,
) -> None:
    response = client.post("/dashboard/shop/hours", data={"csrf_token": owner, **fields})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert shown in page and 'class="field-error"' in page
    for name, value in fields.items():
        assert f'value="{value}"' in page  # what was typed stays in the form
        assert f'id="{name}" name="{name}" value="{value}" placeholder="Closed"\n' in page
        assert 'aria-invalid="true"' in page
    assert settings_of(database, tenant).opening_hours is None


def test_the_owner_sets_closed_dates_and_a_wrong_one_is_shown(
    client: FlaskClient, database: Database, tenant: TenantInfo, owner: str
) -> None:
    bad = client.post(
        "/dashboard/shop/dates", data={"csrf_token": owner, "closed_dates": "2026-12-25\n25/12"}
    )
    assert bad.status_code == 422 and "is not a date like 2026-12-25" in bad.get_data(as_text=True)
    assert settings_of(database, tenant).closed_dates == []
    good = client.post(
        "/dashboard/shop/dates",
        data={"csrf_token": owner, "closed_dates": "2027-01-01\n2026-12-25, 2026-12-25"},
    )
    assert good.status_code == 303
    assert settings_of(database, tenant).closed_dates == ["2026-12-25", "2027-01-01"]


def test_the_counter_cannot_change_the_hours(
    client: FlaskClient, database: Database, tenant: TenantInfo, counter: str
) -> None:
    response = client.post("/dashboard/shop/hours", data={"csrf_token": counter, "hours_mon": ""})
    assert response.status_code == 403 and "This is for the owner" in response.get_data(
        as_text=True
    )
    assert settings_of(database, tenant).opening_hours is None


# Staff accounts on the dashboard


def test_the_owner_adds_a_kitchen_account_that_can_sign_in(
    client: FlaskClient, database: Database, tenant: TenantInfo, owner: str
) -> None:
    response = client.post(
        "/dashboard/staff",
        data={"csrf_token": owner, "email": "Chef@Example.com", "name": "Chef Bayo",
              "role": "kitchen", "password": "kitchen password", "password_again": "kitchen password"},
    )  # fmt: skip
    assert response.status_code == 303
    page = client.get("/dashboard/staff").get_data(as_text=True)
    assert "Chef Bayo" in page and "chef@example.com" in page and "Olu <small>(you)</small>" in page
    chef = client.application.test_client()
    assert password_sign_in(chef, "chef@example.com", "kitchen password").status_code == 303
    assert chef.get("/dashboard/kitchen").status_code == 200


@pytest.mark.parametrize(
    ("fields", "shown", "status"),
    [
        ({"password_again": "something else"}, "The two passwords are not the same.", 422),
        ({"password": "short", "password_again": "short"}, "at least 10 characters", 422),
        ({"email": "owner@example.com"}, "has an account at this business already", 409),
        ({"role": "boss"}, "The role is one of owner, counter, kitchen", 422),
    ],
)
def test_a_wrong_new_account_is_shown_on_the_form(
    client: FlaskClient,
    database: Database,
    tenant: TenantInfo,
    owner: str,
    fields: dict[str, str],
    shown: str,
    status: int,
) -> None:
    data = {"csrf_token": owner, "email": "new@example.com", "name": "New Person",
            "role": "counter", "password": "long enough pw", "password_again": "long enough pw",
            **fields}  # fmt: skip
    response = client.post("/dashboard/staff", data=data)
    assert response.status_code == status
    page = response.get_data(as_text=True)
    assert shown in page and 'value="New Person"' in page
    with database.read() as session:
        assert session.query(StaffAccount).count() == 1  # the owner alone


def test_disabling_signs_the_account_out_and_the_owner_cannot_disable_itself(
    client: FlaskClient, database: Database, tenant: TenantInfo, owner: str
) -> None:
    cook_id = add_account(database, tenant.id, "kitchen", name="Cook")
    cook = client.application.test_client()
    assert password_sign_in(cook, "kitchen@example.com").status_code == 303
    assert cook.get("/dashboard/kitchen").status_code == 200
    client.post(f"/dashboard/staff/{cook_id}/disable", data={"csrf_token": owner})
    assert cook.get("/dashboard/kitchen").status_code == 302
    with database.read() as session:
        me = session.query(StaffAccount).filter_by(role="owner").one()
    refused = client.post(f"/dashboard/staff/{me.id}/disable", data={"csrf_token": owner})
    assert refused.status_code == 303
    assert "cannot disable your own account" in client.get("/dashboard/staff").get_data(
        as_text=True
    )
    assert client.get("/dashboard/staff").status_code == 200
    client.post(f"/dashboard/staff/{cook_id}/enable", data={"csrf_token": owner})
    assert password_sign_in(cook, "kitchen@example.com").status_code == 303


def test_another_business_account_is_not_found(
    client: FlaskClient, database: Database, other_tenant: TenantInfo, owner: str
) -> None:
    theirs = add_account(database, other_tenant.id, "counter")
    response = client.post(f"/dashboard/staff/{theirs}/disable", data={"csrf_token": owner})
    assert response.status_code == 404
    with database.read() as session:
        assert session.get(StaffAccount, theirs).disabled_at is None  # type: ignore[union-attr]


# The promised ready time


@pytest.mark.parametrize(
    ("minutes", "text"),
    [
        (12, "ready ~19:45 (in 12 min)"),
        (0, "ready ~19:45 (now)"),
        (-5, "ready ~19:45 (5 min late)"),
    ],
)
def test_ready_text_in_the_business_zone(minutes: int, text: str) -> None:
    ready = datetime(2026, 12, 3, 18, 45, tzinfo=UTC)  # 19:45 in Lagos
    assert ready_text(ready, ready - timedelta(minutes=minutes), "Africa/Lagos") == text
    assert ready_text(None, ready, "Africa/Lagos") is None


def test_board_cards_and_kitchen_tickets_show_the_ready_time(
    client: FlaskClient, database: Database, tenant: TenantInfo, counter: str
) -> None:
    order_id = place(database, tenant)
    move(database, tenant, order_id, OrderStatus.CONFIRMED)
    ready = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=30)
    with database.write() as session:
        session.execute(update(Order).values(ready_at=ready))
    local = ready.astimezone(ZoneInfo(tenant_row(database, tenant.id).timezone)).strftime("%H:%M")
    board = client.get("/dashboard/").get_data(as_text=True)
    kitchen = client.get("/dashboard/kitchen").get_data(as_text=True)
    for page in (board, kitchen):
        found = re.search(r'data-testid="ready-at">ready ~(\d\d:\d\d) \(in (\d+) min\)<', page)
        assert found and found.group(1) == local and int(found.group(2)) in (29, 30)
