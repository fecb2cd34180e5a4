"""The simulator does what WhatsApp does, in real Chromium against `serve`'s own parts: reply
buttons and lists drawn from the demo's local templates and tapped through the signed webhook,
a location pin, a picture, a chosen Twilio failure, and the name that follows the number."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from orders_core.models import Customer, Message, Order
from tests.browser.conftest import LiveServer
from tests.browser.test_story import DELIVERY_WAIT_MS, expect_in, say, sign_in, thread

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = Path("/tmp/shots")


def last_theirs(page: Any, role: str) -> Any:
    return thread(page, role).locator(".msg.theirs").last


def test_buttons_list_and_staff_confirm(page: Any, live_server: LiveServer) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.goto(live_server.url + "/simulator/")
    say(page, "customer", "2 rice")
    question = last_theirs(page, "customer")
    question.get_by_text("Did you mean").wait_for()
    question.get_by_role("button", name="☰ Choose").click()
    page.screenshot(path=str(SHOTS / "buttons-list.png"), full_page=True)
    question.get_by_role("button", name=re.compile("Fried Rice")).click()
    expect_in(page, "customer", r"2 × Fried Rice")
    page.locator("#phone-customer .msg.mine.tapped", has_text="Fried Rice").wait_for()

    say(page, "customer", "yes")
    expect_in(page, "customer", "Delivery or pickup|Where should we deliver")
    say(page, "customer", "12 Admiralty Way, Lekki")
    summary = (
        page.locator("#phone-customer .msg.theirs")
        .filter(has=page.get_by_role("button", name="Place order"))
        .last
    )
    summary.wait_for()
    summary.get_by_role("button", name="Edit cart").wait_for()
    page.screenshot(path=str(SHOTS / "buttons-cart-summary.png"), full_page=True)

    say(page, "staff", "orders")  # staff inside the window get Confirm / Reject
    summary.get_by_role("button", name="Place order").click()
    expect_in(page, "customer", r"#1001")
    alert = (
        page.locator("#phone-staff .msg.theirs")
        .filter(has=page.get_by_role("button", name="Confirm"))
        .last
    )
    alert.wait_for(timeout=DELIVERY_WAIT_MS)
    alert.get_by_role("button", name="Confirm").click()
    expect_in(page, "staff", r"1001.*confirmed|confirmed.*1001")
    page.screenshot(path=str(SHOTS / "buttons-staff-confirm.png"), full_page=True)
    with live_server.database.read() as session:
        assert session.scalars(select(Order.status)).one() == "confirmed"
        taps = session.scalars(
            select(Message).where(Message.direction == "inbound").order_by(Message.id)
        ).all()
    assert any(m.payload.get("ListId") == "pick:prod_friedrice" for m in taps)
    assert any(m.payload.get("ButtonPayload", "").startswith("place_order:") for m in taps)
    assert any(m.payload.get("ButtonPayload") == "confirm:1001" for m in taps)


def test_location_picture_failure_and_name(page: Any, live_server: LiveServer) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.goto(live_server.url + "/simulator/")
    say(page, "customer", "2 jollof")
    say(page, "customer", "yes")
    page.get_by_role("button", name="📍 Send location").click()
    page.locator("#phone-customer .msg.mine .pin", has_text="Home").wait_for()
    expect_in(page, "customer", "12 Admiralty Way")

    page.get_by_label("Caption").fill("here is my transfer")
    page.get_by_role("button", name="🖼 Send picture").click()
    picture = page.locator("#phone-customer .msg.mine img.picture").last
    picture.wait_for()
    assert page.evaluate("(img) => img.naturalWidth", picture.element_handle()) == 240
    assert page.evaluate("document.documentElement.scrollWidth") <= 1400
    picture.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / "buttons-location-picture.png"), full_page=True)

    summary = (
        page.locator("#phone-customer .msg.theirs")
        .filter(has=page.get_by_role("button", name="Place order"))
        .last
    )
    summary.and_(page.locator("[data-status='read']")).wait_for(timeout=DELIVERY_WAIT_MS)
    page.get_by_label(re.compile("next message to this number")).select_option("63024")
    summary.get_by_role("button", name="Place order").click()
    expect_in(page, "customer", r"#1001")
    say(page, "staff", "confirm 1001")  # the "confirmed" notice goes by the REST API: it fails
    failed = page.locator("#phone-customer .msg.theirs[data-status='failed']")
    failed.first.wait_for(timeout=DELIVERY_WAIT_MS)
    failed.get_by_text("Twilio error 63024").wait_for()
    assert "confirmed" in failed.first.inner_text()
    page.screenshot(path=str(SHOTS / "buttons-failed.png"), full_page=True)
    sign_in(page, live_server)
    trouble = page.locator(
        "section", has=page.get_by_role("heading", name="Messages that need a look")
    )
    trouble.get_by_text("63024").first.wait_for()
    page.screenshot(path=str(SHOTS / "buttons-board-trouble.png"), full_page=True)

    page.goto(live_server.url + "/simulator/")
    page.get_by_role("button", name="New customer").click()
    page.wait_for_function("document.querySelector('#customer-phone').value !== '+2348012345678'")
    page.locator("#customer-name").fill("Bola")
    say(page, "customer", "hi")
    expect_in(page, "customer", "Bola")
    page.locator("#customer-phone").select_option("+2348012345678")
    page.wait_for_function("document.querySelector('#customer-name').value === 'Amara'")
    say(page, "customer", "hi")
    expect_in(page, "customer", "Amara")
    with live_server.database.read() as session:
        names = dict(session.execute(select(Customer.phone, Customer.name)).all())
    assert names["+2348012345678"] == "Amara" and "Bola" in names.values()
