"""The first minute of a new user, in a real browser: order in the simulator, confirm it as
staff, see the customer notified, then move the order across the board."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser

# The dispatcher runs every few seconds on the scheduler; give a notification time to arrive.
DELIVERY_WAIT_MS = 20_000


def say(page: Any, role: str, text: str) -> None:
    """Type `text` into one phone's composer and send it with Enter."""
    box = page.locator(f"#input-{role}")
    box.fill(text)
    box.press("Enter")
    page.locator(f"#phone-{role} .msg.mine", has_text=text).last.wait_for()


def thread(page: Any, role: str) -> Any:
    """One phone's chat thread."""
    return page.locator(f"#phone-{role} .thread")


def expect_in(page: Any, role: str, pattern: str, timeout: int = 15_000) -> None:
    """Wait until a message from the business in that phone matches `pattern`."""
    message = page.locator(f"#phone-{role} .msg.theirs", has_text=re.compile(pattern))
    message.last.wait_for(timeout=timeout)


def column(page: Any, status: str) -> Any:
    """The board's column of one status."""
    return page.locator(f"section.column[data-status='{status}']")


def test_order_confirm_notify_and_board(
    page: Any, live_server: LiveServer, artifacts: Path
) -> None:
    page.goto(live_server.url + "/")
    assert page.url.endswith("/simulator/")

    say(page, "customer", "hi")
    expect_in(page, "customer", "Welcome")
    say(page, "customer", "2 jollof and a chapman")
    expect_in(page, "customer", "Total: ₦8,500")
    assert thread(page, "customer").locator("strong", has_text="Total: ₦8,500").count() >= 1
    say(page, "customer", "yes")
    expect_in(page, "customer", "deliver")
    say(page, "customer", "12 Admiralty Way, Lekki")
    expect_in(page, "customer", "Deliver to: 12 Admiralty Way, Lekki")
    say(page, "customer", "yes")
    expect_in(page, "customer", r"#1001.*placed|placed.*#1001")

    expect_in(page, "staff", "New order #1001", timeout=DELIVERY_WAIT_MS)
    say(page, "staff", "confirm 1001")
    expect_in(page, "staff", "confirmed")
    expect_in(page, "customer", "confirmed", timeout=DELIVERY_WAIT_MS)
    # The simulator reports what it shows as read through the signed status callback.
    page.locator("#phone-customer .msg.theirs .ticks-read").first.wait_for(timeout=DELIVERY_WAIT_MS)
    page.screenshot(path=str(artifacts / "simulator.png"), full_page=True)

    page.goto(live_server.url + "/dashboard/")
    assert "/dashboard/login" in page.url
    page.screenshot(path=str(artifacts / "dashboard-login.png"), full_page=True)
    page.get_by_label("API key").fill("sk_test_not-a-real-key")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("That key is not valid").wait_for()
    page.get_by_label("API key").fill(live_server.demo_key)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/dashboard/$"))

    card = column(page, "confirmed").locator("article.card[data-order='1001']")
    card.wait_for()
    assert "Amara" in card.inner_text()
    assert "₦8,500" in card.inner_text()
    assert page.get_by_test_id("today-orders").inner_text() == "1"

    card.locator("summary").click()
    card.get_by_label("Cancel because").wait_for()
    page.screenshot(path=str(artifacts / "dashboard-actions.png"), full_page=True)
    card.locator("summary").click()
    card.get_by_role("button", name="Preparing: order 1001").click()
    column(page, "preparing").locator("article.card[data-order='1001']").wait_for()
    assert column(page, "confirmed").locator("article.card").count() == 0
    page.screenshot(path=str(artifacts / "dashboard.png"), full_page=True)

    moved = column(page, "preparing").locator("article.card[data-order='1001']")
    moved.get_by_role("button", name="Mark order 1001 paid").click()
    page.get_by_text("₦8,500 received").wait_for()
    moved = column(page, "preparing").locator("article.card[data-order='1001']")
    assert "Paid" in moved.inner_text()
    moved.get_by_role("button", name="Out for delivery: order 1001").click()
    out = column(page, "out_for_delivery").locator("article.card[data-order='1001']")
    out.get_by_role("button", name="Delivered: order 1001").click()
    delivered = column(page, "delivered").locator("article.card[data-order='1001']")
    delivered.wait_for()
    assert delivered.get_by_role("button").count() == 0

    delivered.get_by_role("link", name="#1001").click()
    page.get_by_role("heading", name="Order #1001").wait_for()
    timeline = page.locator("ol.timeline").first
    for title in ("Order placed", "Order confirmed", "Order being prepared", "Payment received",
                  "Order out for delivery", "Order delivered"):  # fmt: skip
        assert title in timeline.inner_text()
    assert "by dashboard" in timeline.inner_text()
    page.screenshot(path=str(artifacts / "order-timeline.png"), full_page=True)

    page.goto(live_server.url + "/simulator/")
    expect_in(page, "customer", "delivered", timeout=DELIVERY_WAIT_MS)


def test_phone_sized_screens(browser: Any, live_server: LiveServer, artifacts: Path) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(live_server.url + "/simulator/")
    say(page, "customer", "menu")
    expect_in(page, "customer", "Jollof")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"the simulator scrolls sideways on a phone ({width}px)"
    page.screenshot(path=str(artifacts / "simulator-phone.png"), full_page=True)

    page.goto(live_server.url + "/dashboard/login")
    page.get_by_label("API key").fill(live_server.demo_key)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/dashboard/$"))
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"the board scrolls sideways on a phone ({width}px)"
    page.screenshot(path=str(artifacts / "dashboard-phone.png"), full_page=True)
    context.close()


def test_customer_switching_keeps_threads_apart(page: Any, live_server: LiveServer) -> None:
    page.goto(live_server.url + "/simulator/")
    say(page, "customer", "hi")
    expect_in(page, "customer", "Welcome")
    page.get_by_role("button", name="New customer").click()
    page.wait_for_function("document.querySelector('#customer-phone').value !== '+2348012345678'")
    assert thread(page, "customer").locator(".msg").count() == 0
    new_number = page.locator("#customer-phone").input_value()
    say(page, "customer", "menu")
    expect_in(page, "customer", "Jollof")
    page.locator("#customer-phone").select_option("+2348012345678")
    expect_in(page, "customer", "Welcome")
    assert thread(page, "customer").get_by_text("menu", exact=True).count() == 0
    page.reload()
    options = page.locator("#customer-phone option").all_inner_texts()
    assert new_number in options


def sign_in(page: Any, server: LiveServer) -> None:
    """Sign in to the board with the demo key."""
    page.goto(server.url + "/dashboard/login")
    page.get_by_label("API key").fill(server.demo_key)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/dashboard/$"))


def test_the_board_shows_new_orders_by_itself(page: Any, live_server: LiveServer) -> None:
    sign_in(page, live_server)
    assert column(page, "pending").locator("article.card").count() == 0
    sender = page.context.new_page()
    sender.goto(live_server.url + "/simulator/")
    for text, reply in (
        ("6 suya", "Total"),
        ("yes", "deliver"),
        ("4 Allen Avenue, Ikeja", "Deliver to"),
        ("yes", "placed"),
    ):
        say(sender, "customer", text)
        expect_in(sender, "customer", reply)
    sender.close()
    card = column(page, "pending").locator("article.card[data-order='1001']")
    card.wait_for(timeout=10_000)
    assert "6× Beef Suya" in card.inner_text()
    page.get_by_text("Board updated.").wait_for()
