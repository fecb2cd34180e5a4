"""Reply wording and TwiML: pure functions, no database."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from twilio.twiml.messaging_response import MessagingResponse

from bot.cart import CartLine
from bot.replies import EMPTY_TWIML, MAX_REPLY, split_reply, twiml
from bot.wording import cart_reply as localized_cart_reply


def cart_reply(lines: list[CartLine], currency: str) -> str:
    """The English cart reply with a sample example."""
    return localized_cart_reply(lines, currency, "en", "2 jollof and 1 chapman")


def test_empty_twiml_is_what_twilio_python_makes() -> None:
    assert MessagingResponse().to_xml() == EMPTY_TWIML


def test_a_long_reply_is_split_at_line_breaks_into_several_messages() -> None:
    lines = [f"• line {n:04d} " + "x" * 60 for n in range(60)]
    text = "\n".join(lines)

    parts = split_reply(text)

    assert len(parts) > 1 and all(len(p) <= MAX_REPLY for p in parts)
    assert "\n".join(parts) == text


def test_a_single_overlong_line_is_cut() -> None:
    parts = split_reply("y" * (MAX_REPLY * 2 + 5))

    assert [len(p) for p in parts] == [MAX_REPLY, MAX_REPLY, 5]


def test_twiml_escapes_and_carries_every_part() -> None:
    root = ET.fromstring(twiml("<b>&'\"</b>\n" + "z" * MAX_REPLY))

    assert [m.text for m in root.iter("Message")] == ["<b>&'\"</b>", "z" * MAX_REPLY]


def test_cart_reply_shows_lines_total_and_next_step() -> None:
    lines = [
        CartLine("prod_jollof", "Jollof Rice (Large)", 2, 350000),
        CartLine("prod_chapman", "Chapman", 1, 150000),
    ]

    text = cart_reply(lines, "NGN")

    assert text.splitlines()[:4] == [
        "*Your cart:*",
        "• 2 × Jollof Rice (Large) — ₦7,000",
        "• 1 × Chapman — ₦1,500",
        "*Total: ₦8,500*",
    ]
    assert "Reply *YES* to place the order" in text


def test_cart_reply_in_rupees() -> None:
    assert "*Total: ₹1,299.50*" in cart_reply([CartLine("p", "Thali", 1, 129950)], "INR")
