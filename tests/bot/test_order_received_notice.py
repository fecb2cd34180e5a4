"""A web/API order's customer is told it was received, in the language they chat in."""

from __future__ import annotations

import pytest

from bot.notifications import received_notice
from bot.planning import customer_notice
from orders_core.models import OutboxEvent

ORDER = {
    "id": "ord_1001",
    "number": 1001,
    "status": "pending",
    "channel": "web",
    "currency": "NGN",
    "total": 700000,
    "customer": {"name": "Amara", "phone": "+2348012345678"},
    "items": [{"quantity": 2, "name": "Jollof Rice", "subtotal": 700000}],
}


@pytest.mark.parametrize(
    ("lang", "head"),
    [
        ("en", "Mama Put: your order #1001 was received 🧾"),
        ("pcm", "Mama Put: your order #1001 don reach us 🧾"),
        ("hi", "Mama Put: aapka order #1001 mil gaya hai 🧾"),
        ("sw", "Mama Put: oda yako #1001 imepokelewa 🧾"),
    ],
)
def test_received_is_said_in_each_language(lang: str, head: str) -> None:
    notice = received_notice(ORDER, "Mama Put", lang)
    assert notice.body == f"{head}\n2 × Jollof Rice — ₦7,000\nTotal: ₦7,000"
    assert notice.template == "order.created"
    assert notice.variables["order_number"] == "1001"


def test_the_planner_says_received_for_a_web_order_and_nothing_for_a_chat_order() -> None:
    event = OutboxEvent(type="order.created", data={"order": ORDER}, tenant_id=1)
    notice = customer_notice(event, "Mama Put", "sw")
    assert notice is not None and notice.body.startswith("Mama Put: oda yako #1001 imepokelewa")
    chat = OutboxEvent(type="order.created", data={"order": {**ORDER, "channel": "whatsapp"}})
    assert customer_notice(chat, "Mama Put", "sw") is None
