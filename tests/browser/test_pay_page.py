"""The demo's payment story in a real browser: the customer orders in the simulator, staff
confirm, the confirmation carries a link on this server, the customer pays on the local
page and is told the payment was received."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import LiveServer
from tests.browser.test_story import DELIVERY_WAIT_MS, expect_in, say, thread

pytestmark = pytest.mark.browser


def test_confirm_link_pay_and_payment_received(
    page: Any, live_server: LiveServer, artifacts: Path
) -> None:
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
    page.screenshot(path=str(artifacts / "pay-1-confirmation.png"))
    text = thread(page, "customer").inner_text()
    link = re.search(rf"{re.escape(live_server.url)}/pay/[\w-]+", text)
    assert link, text

    pay = page.context.new_page()
    pay.goto(link.group(0))
    pay.get_by_role("button", name="Pay ₦8,500").wait_for()
    pay.screenshot(path=str(artifacts / "pay-2-page.png"))
    pay.get_by_role("button", name="Pay ₦8,500").click()
    pay.get_by_text("Paid. Thank you!").wait_for()
    pay.screenshot(path=str(artifacts / "pay-3-paid.png"))

    expect_in(page, "customer", "we received your payment of ₦8,500", timeout=DELIVERY_WAIT_MS)
    page.screenshot(path=str(artifacts / "pay-4-received.png"))
