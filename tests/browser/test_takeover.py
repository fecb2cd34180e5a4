"""Staff take a chat over from the order page in a real browser: the reply reaches the
customer's phone in the simulator, the bot stays quiet, and "Hand back to the bot" ends it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import LiveServer
from tests.browser.test_story import DELIVERY_WAIT_MS, expect_in, say, thread

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots")
RIDER = "Your rider is at the gate"


def test_reply_from_the_order_page_and_hand_back(
    page: Any, live_server: LiveServer, artifacts: Path
) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.goto(live_server.url + "/simulator/")
    say(page, "customer", "2 jollof")
    expect_in(page, "customer", "Total")
    say(page, "customer", "yes")
    expect_in(page, "customer", "deliver")
    say(page, "customer", "12 Admiralty Way, Lekki")
    expect_in(page, "customer", "Deliver to")
    say(page, "customer", "yes")
    expect_in(page, "customer", r"#1001.*placed|placed.*#1001")

    page.goto(live_server.url + "/dashboard/orders/1001")
    page.get_by_label("API key").fill(live_server.demo_key)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Order #1001").wait_for()
    page.get_by_text("The bot answers this customer").wait_for()
    page.get_by_label("Message to Amara").fill(RIDER)
    page.get_by_role("button", name="Send from the business number").click()
    page.get_by_text("Sent. The bot stays quiet in this chat for 30 minutes.").wait_for()
    page.get_by_role("button", name="Hand back to the bot").wait_for()
    assert page.locator("ol.messages li", has_text=RIDER).count() == 1
    page.screenshot(path=str(SHOTS / "takeover-order-page.png"), full_page=True)

    page.goto(live_server.url + "/simulator/")
    expect_in(page, "customer", RIDER, timeout=DELIVERY_WAIT_MS)
    with page.expect_response(re.compile(r"/simulator/api/send$")) as sent:
        say(page, "customer", "ok coming down now")
    assert sent.value.json()["replies"] == []  # the bot's answer would be the webhook's reply
    assert thread(page, "customer").locator(".msg.theirs").last.inner_text().startswith(RIDER)
    page.screenshot(path=str(SHOTS / "takeover-simulator-quiet.png"), full_page=True)

    page.goto(live_server.url + "/dashboard/orders/1001")
    assert page.locator("ol.messages li", has_text="ok coming down now").count() == 1
    page.get_by_role("button", name="Hand back to the bot").click()
    page.get_by_text("The bot answers this customer again.").wait_for()
    assert page.get_by_role("button", name="Hand back to the bot").count() == 0
    page.screenshot(path=str(SHOTS / "takeover-handed-back.png"), full_page=True)

    page.goto(live_server.url + "/simulator/")
    say(page, "customer", "status")
    expect_in(page, "customer", re.escape("#1001"))
    page.screenshot(path=str(SHOTS / "takeover-bot-back.png"), full_page=True)
