"""The kitchen screen, a printed ticket and the board's cards, in real Chromium."""

from __future__ import annotations

import json
import re
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from orders_core.models import Customer, Order
from orders_core.models.base import utcnow
from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots")
TABLET = {"width": 1280, "height": 800}  # a 10" tablet in landscape


def shot(page: Any, name: str, artifacts: Path, full_page: bool = True) -> None:
    """A screenshot in the test artifacts and in /tmp/shots/kitchen-<name>.png."""
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"kitchen-{name}.png"), full_page=full_page)
    page.screenshot(path=str(artifacts / f"kitchen-{name}.png"), full_page=full_page)


def place(server: LiveServer, **body: Any) -> int:
    """Place an order through the real API with the demo key; its number."""
    order = {
        "customer": {"name": "Amara Obi", "phone": "+2348012345678"},
        "items": [
            {"product_id": "prod_jollof", "quantity": 2, "note": "no pepper"},
            {"product_id": "prod_chapman", "quantity": 1},
        ],
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


def make_older(server: LiveServer, number: int, minutes: int) -> None:
    """Move the order's creation `minutes` into the past."""
    with server.database.write() as session:
        session.execute(
            update(Order)
            .where(Order.number == number)
            .values(created_at=utcnow() - timedelta(minutes=minutes))
        )


def sign_in(page: Any, server: LiveServer, path: str) -> None:
    """Open `path` and sign in with the demo key on the way."""
    page.goto(server.url + path)
    page.get_by_label("API key").fill(server.demo_key)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(path) + "$"))


def ticket(page: Any, number: int) -> Any:
    return page.locator(f"article.ticket[data-order='{number}']")


def test_kitchen_screen_new_order_one_tap_and_colours(
    browser: Any, live_server: LiveServer, artifacts: Path
) -> None:
    context = browser.new_context(viewport=TABLET, locale="en-GB", has_touch=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    late = place(live_server, status="confirmed", notes="Ring the bell twice")
    waiting = place(live_server, status="preparing", delivery={"method": "pickup"})
    fresh = place(live_server, status="confirmed")
    make_older(live_server, late, 24)
    make_older(live_server, waiting, 13)
    sign_in(page, live_server, "/dashboard/kitchen")

    order = page.locator("article.ticket").evaluate_all("ts => ts.map(t => +t.dataset.order)")
    assert order == [late, waiting, fresh]
    assert "level-red" in ticket(page, late).get_attribute("class")
    assert "level-amber" in ticket(page, waiting).get_attribute("class")
    assert "level-ok" in ticket(page, fresh).get_attribute("class")
    red_badge = ticket(page, late).locator(".elapsed")
    assert red_badge.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(198, 40, 40)"
    assert "Ring the bell twice" in ticket(page, late).inner_text()
    assert "no pepper" in ticket(page, fresh).locator(".line-note").first.inner_text()
    size = ticket(page, fresh).locator(".ticket-lines li").first
    assert float(size.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 22
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= TABLET["width"], f"the kitchen screen scrolls sideways ({width}px)"

    page.get_by_role("button", name="Turn on the new-order sound").click()
    assert page.locator("#kitchen-sound").get_attribute("aria-pressed") == "true"
    shot(page, "screen", artifacts)

    # A new order arrives while the screen is open: it appears, chimes and flashes the title.
    newest = place(live_server, status="confirmed", notes="Birthday: candle on top")
    ticket(page, newest).wait_for()
    page.get_by_text(f"New order #{newest}").wait_for()
    page.wait_for_function("document.title.indexOf('New order') !== -1")
    assert "is-new" in ticket(page, newest).get_attribute("class")
    shot(page, "new-order", artifacts, full_page=False)

    # One tap each: to preparing, then ready (out for delivery: it leaves the screen).
    ticket(page, fresh).get_by_role("button", name=f"Start preparing: order {fresh}").tap()
    page.get_by_text(f"Order {fresh} is now preparing.").wait_for()
    ticket(page, fresh).get_by_role("button", name=f"Ready: order {fresh}").tap()
    page.get_by_text(f"Order {fresh} is now out for delivery.").wait_for()
    assert ticket(page, fresh).count() == 0
    # The taps did not reload the page: the sound is still on.
    assert page.locator("#kitchen-sound").get_attribute("aria-pressed") == "true"
    # A pickup not paid for asks before it is handed over.
    ticket(page, waiting).get_by_role("button", name=f"Ready: order {waiting}").tap()
    page.get_by_role("heading", name=f"Order #{waiting} is not fully paid").wait_for()
    shot(page, "ask-unpaid", artifacts)
    page.get_by_role("button", name="Yes, delivered unpaid").tap()
    page.wait_for_url(re.compile(r"/dashboard/kitchen$"))
    assert ticket(page, waiting).count() == 0
    shot(page, "after-taps", artifacts)
    # A smaller 7" tablet in landscape: still no sideways scrolling.
    page.set_viewport_size({"width": 1024, "height": 600})
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1024, f"the kitchen screen scrolls sideways on a small tablet ({width}px)"
    shot(page, "small-tablet", artifacts, full_page=False)
    context.close()


def test_printable_ticket_at_58_and_80_mm(
    page: Any, live_server: LiveServer, artifacts: Path
) -> None:
    number = place(
        live_server,
        status="confirmed",
        notes="Extra napkins",
        delivery={"address": "12 Admiralty Way, Lekki"},
    )
    sign_in(page, live_server, "/dashboard/kitchen")
    for width in (58, 80):
        page.goto(f"{live_server.url}/dashboard/orders/ord_{number}/ticket?width={width}")
        page.emulate_media(media="print")
        assert not page.locator(".tools").is_visible()
        receipt = page.locator(".receipt")
        box = receipt.bounding_box()
        mm = 96 / 25.4  # CSS pixels per millimetre
        assert box is not None and abs(box["width"] - width * mm) < 2, (width, box)
        text = receipt.inner_text()
        assert f"#{number}" in text and "Extra napkins" in text and "no pepper" in text
        page.set_viewport_size({"width": round(width * mm) + 2, "height": 700})
        shot(page, f"ticket-{width}", artifacts)
        page.pdf(path=str(artifacts / f"kitchen-ticket-{width}.pdf"), width=f"{width}mm")
        page.emulate_media(media="screen")
        page.set_viewport_size({"width": 1400, "height": 900})


def test_board_cards_flag_silent_customers_and_ask_before_unpaid_delivered(
    page: Any, live_server: LiveServer, artifacts: Path
) -> None:
    quiet = place(
        live_server,
        status="out_for_delivery",
        channel="whatsapp",
        customer={"name": "Bola Silent", "phone": "+2348011111111"},
        delivery={"address": "4 Bourdillon Rd, Ikoyi", "instructions": "Leave at the gate"},
    )
    with live_server.database.write() as session:
        session.execute(
            update(Customer).where(Customer.phone == "+2348011111111").values(opted_out=True)
        )
    sign_in(page, live_server, "/dashboard/")
    card = page.locator(
        f"section.column[data-status='out_for_delivery'] article.card[data-order='{quiet}']"
    )
    assert "Opted out: will not be told" in card.get_by_test_id("not-told").inner_text()
    assert "4 Bourdillon Rd, Ikoyi" in card.inner_text()
    assert "Leave at the gate" in card.inner_text()
    assert "(no pepper)" in card.inner_text()
    shot(page, "board", artifacts)
    card.get_by_role("button", name=f"Delivered: order {quiet}").click()
    page.get_by_role("heading", name=f"Order #{quiet} is not fully paid").wait_for()
    page.get_by_role("link", name="No, go back").click()
    page.wait_for_url(re.compile(r"/dashboard/$"))
    assert card.count() == 1
    card.get_by_role("button", name=f"Delivered: order {quiet}").click()
    page.get_by_role("button", name="Yes, delivered unpaid").click()
    page.get_by_text(f"Order {quiet} is now delivered.").wait_for()
