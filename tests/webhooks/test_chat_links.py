"""Web addresses in chat bubbles are links (the simulator opens the local pay page); all else
stays escaped, and an address cannot carry markup or another scheme into the page."""

from __future__ import annotations

import re

import pytest

from webhooks.pages.chat_format import whatsapp_html

ATTRS = 'target="_blank" rel="noopener noreferrer"'


def links(html: str) -> list[str]:
    return re.findall(r'<a href="([^"]*)"', html)


def test_a_payment_link_is_clickable_and_the_sentence_keeps_its_full_stop() -> None:
    html = str(whatsapp_html("Please pay ₦8,500 here: http://127.0.0.1:5000/pay/ab_cd_ef."))
    url = "http://127.0.0.1:5000/pay/ab_cd_ef"
    assert html == f'Please pay ₦8,500 here: <a href="{url}" {ATTRS}>{url}</a>.'


def test_formatting_around_an_address_does_not_enter_it() -> None:
    html = str(whatsapp_html("*Pay now* (see https://x.org/a_b_c) _soon_"))
    assert "<strong>Pay now</strong>" in html and "<em>soon</em>" in html
    assert links(html) == ["https://x.org/a_b_c"]
    assert html.count("<em>") == 1


def test_query_strings_keep_their_ampersands_escaped() -> None:
    html = str(whatsapp_html("https://pay.example/?a=1&b=2"))
    assert links(html) == ["https://pay.example/?a=1&amp;b=2"]


@pytest.mark.parametrize(
    "text",
    [
        'https://e.com/"><img src=x onerror=alert(1)>',
        "https://e.com/'onmouseover='alert(1)",
        "https://e.com/<script>alert(1)</script>",
        'see "https://e.com/x" now',
    ],
)
def test_an_address_cannot_break_out_of_its_link(text: str) -> None:
    html = str(whatsapp_html(text))
    assert "<img" not in html and "<script" not in html
    [href] = links(html)
    assert href.startswith("https://e.com/") and not re.search(r"[\"'<>]", href)
    assert re.fullmatch(r"https://e\.com/x?", href), href  # stops at the quote or the tag


@pytest.mark.parametrize(
    "text", ["javascript:alert(1)", "data:text/html,<b>x</b>", "ftp://files.example/x"]
)
def test_only_web_addresses_become_links(text: str) -> None:
    html = str(whatsapp_html(text))
    assert links(html) == [] and "<b>" not in html
