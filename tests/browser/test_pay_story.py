"""The whole getting-paid demo in a real browser. A link: order in the simulator, staff
confirm, the customer's bubble has the link, open it, Pay, the customer is told and the
board shows the order paid. A transfer: the customer sends the sample picture, staff are
alerted with it, Approve on the board, the customer is told."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from orders_core.demo import DEMO_WHATSAPP
from orders_core.models import Tenant
from orders_core.services.tenants import update_tenant_settings
from tests.browser.conftest import LiveServer
from tests.browser.test_story import DELIVERY_WAIT_MS, column, expect_in, say

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = Path("/tmp/shots")
TRANSFER = {
    "methods": ["local", "bank_transfer", "cash"],
    "ask": "before_preparing",
    "bank_transfer_details": "GTBank 0123456789 · Mama Put Ltd",
}


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"paywire-{name}.png"), full_page=True)


def order_and_confirm(page: Any, live_server: LiveServer) -> None:
    """The customer orders 1001 in the simulator and staff confirm it from their phone."""
    page.goto(live_server.url + "/simulator/")
    say(page, "customer", "2 jollof and a chapman")
    expect_in(page, "customer", "Total: ₦8,500")
    say(page, "customer", "yes")
    expect_in(page, "customer", "deliver")
    say(page, "customer", "12 Admiralty Way, Lekki")
    expect_in(page, "customer", "Deliver to: 12 Admiralty Way, Lekki")
    say(page, "customer", "yes")
    expect_in(page, "customer", r"#1001.*placed|placed.*#1001")
    expect_in(page, "staff", "New order #1001", timeout=DELIVERY_WAIT_MS)
    say(page, "staff", "confirm 1001")
    expect_in(page, "customer", "Please pay ₦8,500 here", timeout=DELIVERY_WAIT_MS)


def board(browser_page: Any, live_server: LiveServer) -> Any:
    """A signed-in board in a new tab of the same browser."""
    tab = browser_page.context.new_page()
    tab.goto(live_server.url + "/dashboard/login")
    tab.get_by_label("API key").fill(live_server.demo_key)
    tab.get_by_role("button", name="Sign in").click()
    tab.wait_for_url(re.compile(r"/dashboard/$"))
    return tab


def card(tab: Any, status: str) -> Any:
    found = column(tab, status).locator("article.card[data-order='1001']")
    found.wait_for()
    return found


def test_the_link_in_the_chat_opens_the_pay_page_and_the_board_shows_it_paid(
    page: Any, live_server: LiveServer
) -> None:
    order_and_confirm(page, live_server)
    link = page.locator("#phone-customer .msg.theirs a[href*='/pay/']").last
    href = link.get_attribute("href")
    assert href and href.startswith(live_server.url + "/pay/") and link.inner_text() == href
    shot(page, "1-link-in-chat")

    tab = board(page, live_server)
    card(tab, "confirmed").locator(".awaiting-payment", has_text="Awaiting payment").wait_for()
    shot(tab, "2-board-awaiting")

    with page.expect_popup() as opened:
        link.click()
    pay = opened.value
    pay.get_by_role("button", name="Pay ₦8,500").click()
    pay.get_by_text("Paid. Thank you!").wait_for()
    shot(pay, "3-paid-page")
    expect_in(page, "customer", "we received your payment of ₦8,500", timeout=DELIVERY_WAIT_MS)
    shot(page, "4-received")

    # A fresh tab: reloading the old one races the board's own reload on the order's change.
    fresh = tab.context.new_page()
    fresh.goto(live_server.url + "/dashboard/")
    paid = column(fresh, "confirmed").locator("article.card[data-order='1001']")
    paid.locator(".money .pay-paid", has_text="Paid").wait_for()
    paid.locator(".awaiting-payment").wait_for(state="detached")
    shot(fresh, "5-board-paid")


def test_a_transfer_picture_is_approved_on_the_board_and_the_customer_told(
    page: Any, live_server: LiveServer
) -> None:
    with live_server.database.write() as session:
        demo = session.scalars(select(Tenant).where(Tenant.whatsapp_number == DEMO_WHATSAPP)).one()
        update_tenant_settings(session, demo, {"payments": TRANSFER})
    order_and_confirm(page, live_server)
    expect_in(page, "customer", "GTBank 0123456789")
    page.get_by_role("button", name="🖼 Send picture").click()
    expect_in(page, "customer", "we got your picture for order #1001")
    expect_in(page, "staff", "sent a picture of a transfer", timeout=DELIVERY_WAIT_MS)
    alert = page.locator("#phone-staff .msg.theirs", has_text="sent a picture").last
    assert "PAID 1001" in alert.inner_text() and "UNPAID 1001" in alert.inner_text()
    assert alert.locator("a[href$='sample-payment-proof.png']").count() == 1
    shot(page, "6-proof-sent")

    tab = board(page, live_server)
    proof = card(tab, "confirmed").get_by_test_id("proof")
    thumb = proof.locator("img.proof-thumb")
    thumb.wait_for()
    assert tab.evaluate("(img) => img.naturalWidth", thumb.element_handle()) > 0
    shot(tab, "7-board-proof")
    proof.get_by_role("button", name="Approve the transfer for order 1001").click()
    tab.get_by_text("transfer approved, ₦8,500 recorded as paid").wait_for()
    assert card(tab, "confirmed").get_by_test_id("proof").count() == 0
    shot(tab, "8-board-approved")
    card(tab, "confirmed").get_by_role("link", name="#1001").click()
    tab.get_by_role("heading", name="Getting paid").wait_for()
    assert "approved" in tab.get_by_test_id("proof-approved").inner_text()
    assert "local" in tab.get_by_test_id("payment-links").inner_text()
    shot(tab, "8b-order-page")

    expect_in(page, "customer", "we received your payment of ₦8,500", timeout=DELIVERY_WAIT_MS)
    shot(page, "9-customer-told")
