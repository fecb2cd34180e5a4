"""Staff accounts in real Chromium: password sign-in, the kitchen role's one screen, the menu's
sold-out switch and the shop's hours form."""

from __future__ import annotations

import json
import re
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from orders_core.models import Order, Tenant
from orders_core.models.base import utcnow
from orders_core.services import staff_accounts as accounts
from orders_core.services.tenants import get_tenant, tenant_settings
from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots")
PASSWORD = "a proper long password"


def shot(page: Any, name: str, artifacts: Path) -> None:
    """A screenshot in the test artifacts and in /tmp/shots/staff-<name>.png."""
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"staff-{name}.png"), full_page=True)
    page.screenshot(path=str(artifacts / f"staff-{name}.png"), full_page=True)


def demo_tenant(server: LiveServer) -> int:
    with server.database.read() as session:
        tenant_id = session.query(Tenant.id).order_by(Tenant.id).first()
        assert tenant_id is not None
        return int(tenant_id[0])


def account(server: LiveServer, role: str, name: str) -> str:
    """A staff account of the demo business; its email."""
    email = f"{role}@mamaput.example"
    with server.database.write() as session:
        accounts.add_account(
            session, demo_tenant(server), email=email, name=name, role=role, password=PASSWORD
        )
    return email


def sign_in(page: Any, server: LiveServer, email: str, lands_on: str) -> None:
    """Open the dashboard and sign in with the email and password."""
    page.goto(server.url + "/dashboard/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(re.compile(re.escape(lands_on) + "$"))


def place(server: LiveServer, **body: Any) -> int:
    """Place an order through the real API with the demo key; its number."""
    order = {
        "customer": {"name": "Amara Obi", "phone": "+2348012345678"},
        "items": [{"product_id": "prod_jollof", "quantity": 2}],
        **body,
    }
    request = urllib.request.Request(
        server.url + "/v1/orders",
        data=json.dumps(order).encode(),
        headers={"Authorization": f"Bearer {server.demo_key}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request) as response:
        return int(json.load(response)["number"])


def product_available(server: LiveServer, code: str) -> bool:
    request = urllib.request.Request(
        f"{server.url}/v1/products/{code}",
        headers={"Authorization": f"Bearer {server.demo_key}"},
    )
    with urllib.request.urlopen(request) as response:
        return bool(json.load(response)["available"])


def test_a_wrong_password_then_the_owner_signs_in_and_sees_every_link(
    page: Any, live_server: LiveServer, artifacts: Path
) -> None:
    email = account(live_server, "owner", "Olu Owner")
    page.goto(live_server.url + "/dashboard/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_text("The email or password is wrong.").wait_for()
    shot(page, "signin-wrong", artifacts)
    sign_in(page, live_server, email, "/dashboard/")
    bar = page.locator("header.topbar")
    for link in ("Order board", "Kitchen", "Menu", "Shop hours", "Staff"):
        assert bar.get_by_role("link", name=link, exact=True).is_visible(), link
    assert "Olu Owner (owner)" in bar.inner_text()
    shot(page, "board-owner", artifacts)
    page.get_by_role("link", name="Staff", exact=True).click()
    page.get_by_role("heading", name="Staff accounts").wait_for()
    assert "olu@" not in page.inner_text("main") and email in page.inner_text("main")
    shot(page, "staff-page", artifacts)


def test_the_kitchen_sees_only_the_kitchen_screen_with_the_ready_time(
    page: Any, live_server: LiveServer, artifacts: Path
) -> None:
    number = place(live_server, status="confirmed")
    with live_server.database.write() as session:
        session.execute(
            update(Order)
            .where(Order.number == number)
            .values(ready_at=utcnow() + timedelta(minutes=20))
        )
    sign_in(page, live_server, account(live_server, "kitchen", "Bayo Cook"), "/dashboard/kitchen")
    bar = page.locator("header.topbar")
    links = bar.get_by_role("link").all_inner_texts()
    assert [t for t in links if t != "Simulator" and "chat" not in t] == ["Kitchen"], links
    ticket = page.locator(f"article.ticket[data-order='{number}']")
    assert re.search(r"ready ~\d\d:\d\d \(in (19|20) min\)", ticket.inner_text())
    shot(page, "kitchen-screen", artifacts)
    page.goto(live_server.url + "/dashboard/")
    page.get_by_role("heading", name="Not for your role").wait_for()
    assert "This is for the owner or counter staff; you are signed in as kitchen." in (
        page.inner_text("main")
    )
    shot(page, "kitchen-forbidden", artifacts)
    page.get_by_role("link", name="Go to your screen").click()
    page.wait_for_url(re.compile(r"/dashboard/kitchen$"))
    ticket.get_by_role("button", name=re.compile("Start preparing")).click()
    page.get_by_text(f"Order {number} is now preparing.").wait_for()


def test_the_counter_marks_a_product_sold_out_and_back_on_the_menu(
    page: Any, live_server: LiveServer, artifacts: Path
) -> None:
    sign_in(page, live_server, account(live_server, "counter", "Ada Counter"), "/dashboard/")
    page.locator("header.topbar").get_by_role("link", name="Menu", exact=True).click()
    row = page.get_by_test_id("product-prod_suya")
    row.get_by_role("button", name="Mark Beef Suya sold out").click()
    page.get_by_text("Beef Suya is sold out: the chat tells customers").wait_for()
    assert "Sold out" in row.locator(".state").inner_text()
    assert product_available(live_server, "prod_suya") is False
    shot(page, "menu-sold-out", artifacts)
    row.get_by_role("button", name="Mark Beef Suya back").click()
    page.get_by_text("Beef Suya is back on").wait_for()
    assert product_available(live_server, "prod_suya") is True
    assert page.locator("header.topbar").get_by_role("link", name="Shop hours").count() == 0


def test_the_owner_edits_the_hours_with_an_inline_error_first(
    page: Any, live_server: LiveServer, artifacts: Path
) -> None:
    sign_in(page, live_server, account(live_server, "owner", "Olu Owner"), "/dashboard/")
    page.goto(live_server.url + "/dashboard/shop")
    page.get_by_text("Change the hours and closed dates").click()
    assert page.get_by_label("Open all day, every day (no hours)").is_checked()
    page.get_by_label("Monday").fill("25:00-26:00")
    assert not page.get_by_label("Open all day, every day (no hours)").is_checked()
    page.get_by_label("Tuesday").fill("11:00-15:00, 17:00-22:00")
    page.get_by_role("button", name="Save hours").click()
    error = page.locator("#hours_mon-error")
    error.wait_for()
    assert "is not a range like 11:00-15:00" in error.inner_text()
    assert page.get_by_label("Tuesday").input_value() == "11:00-15:00, 17:00-22:00"
    shot(page, "shop-hours-error", artifacts)
    page.get_by_label("Monday").fill("09:00-17:00")
    page.get_by_role("button", name="Save hours").click()
    page.get_by_text("Opening hours saved.").wait_for()
    hours = page.get_by_test_id("hours-now").inner_text()
    assert "Monday\t09:00-17:00" in hours and "Wednesday\tClosed" in hours
    with live_server.database.read() as session:
        saved = tenant_settings(get_tenant(session, demo_tenant(live_server))).opening_hours
    assert saved == {"mon": ["09:00-17:00"], "tue": ["11:00-15:00", "17:00-22:00"]}
    shot(page, "shop-hours", artifacts)
