"""bot.interactive without the web: when a reply becomes buttons or a list, and what taps mean."""

from __future__ import annotations

import re

from bot.cart import CartLine
from bot.chat_step import State
from bot.content_templates import CONTENT, VARIABLES
from bot.intents import CatalogEntry
from bot.interactive import (
    Command,
    Offer,
    Tap,
    cart_token,
    content_for,
    customer_command,
    customer_offer,
    local_buttons,
    read_tap,
)
from orders_core.tenant_settings import TenantSettings

JOLLOF = CatalogEntry("prod_jollof", "Jollof Rice (Large)", ("jollof",), 350000)
FRIED = CatalogEntry("prod_friedrice", "Fried Rice", ("fried rice",), 300000)
BY_CODE = {e.code: e for e in (JOLLOF, FRIED)}
CART = [CartLine("prod_jollof", "Jollof Rice (Large)", 2, 350000)]
SETTINGS = TenantSettings.model_validate(
    {"templates": {key: {"content_sid": "HX" + "ab" * 16, "variables": names}
                   for key, names in VARIABLES.items()}}
)  # fmt: skip


def test_every_template_names_exactly_the_placeholders_it_uses() -> None:
    for key, names in VARIABLES.items():
        used = {int(n) for n in re.findall(r"\{\{(\d+)\}\}", str(CONTENT[key]["types"]))}
        assert used == set(range(1, len(names) + 1)), key
        assert set(CONTENT[key]["variables"]) == {str(n) for n in used}, key


def test_the_summary_at_confirmation_gets_buttons_with_the_cart_fingerprint() -> None:
    offer = customer_offer(
        text="Reply YES", state=State.AWAITING_CONFIRMATION, lines=CART, data={},
        by_code=BY_CODE, currency="NGN",
    )  # fmt: skip
    content = content_for(SETTINGS, offer)
    assert content is not None and content.key == "chat.cart_summary"
    assert content.variables == {"1": "Reply YES", "2": cart_token(CART)}
    assert local_buttons(content.key, content.variables) == {
        "buttons": [
            {"title": "Place order", "id": f"place_order:{cart_token(CART)}"},
            {"title": "Edit cart", "id": f"edit_cart:{cart_token(CART)}"},
        ]
    }
    cart = customer_offer(
        text="Your cart", state=State.CART, lines=CART, data={}, by_code=BY_CODE, currency="NGN"
    )
    assert cart is None


def test_a_list_needs_as_many_candidates_as_the_template_has_items() -> None:
    def offer(codes: list[str]) -> Offer | None:
        return customer_offer(
            text="Did you mean?", state=State.BROWSING, lines=[],
            data={"pending": {"codes": codes}}, by_code=BY_CODE, currency="NGN",
        )  # fmt: skip

    two = content_for(SETTINGS, offer(["prod_jollof", "prod_friedrice"]))
    assert two is not None and two.variables["6"] == "prod_friedrice"
    assert two.variables["7"] == "₦3,000"
    assert content_for(SETTINGS, offer(["prod_jollof"])) is None  # item 2 would be empty
    assert content_for(TenantSettings(), offer(["prod_jollof", "prod_friedrice"])) is None


def test_a_body_longer_than_whatsapp_takes_stays_text() -> None:
    long = Offer("chat.cart_summary", {"body": "x" * 1025, "cart": "a"})
    assert content_for(SETTINGS, long) is None
    assert content_for(SETTINGS, Offer("chat.cart_summary", {"body": "x" * 1024, "cart": "a"}))


def test_taps_read_as_typed_words() -> None:
    token = cart_token(CART)

    def command(
        payload: str, state: State = State.AWAITING_CONFIRMATION, **kw: object
    ) -> Command | None:
        return customer_command(
            Tap(payload, "t"), state=state, lines=kw.get("lines", CART),  # type: ignore[arg-type]
            data=kw.get("data", {}), by_code=BY_CODE,  # type: ignore[arg-type]
        )  # fmt: skip

    assert command(f"place_order:{token}") == Command("yes")
    assert command("place_order") == Command("yes")
    assert command("place_order:0000000000") == Command("checkout", "stale_cart_button")
    assert command("place_order:0000000000", lines=[]) == Command("yes")  # "already placed"
    assert command(f"edit_cart:{token}") == Command("no")
    assert command(f"edit_cart:{token}", State.CART) == Command("cart")
    pending = {"pending": {"codes": ["prod_jollof", "prod_friedrice"]}}
    assert command("pick:prod_friedrice", data=pending) == Command("2")
    assert command("pick:prod_friedrice") == Command("Fried Rice")
    assert command("pick:prod_nothing") is None
    assert command("confirm:1001") is None  # a staff payload means nothing to a customer


def test_read_tap_takes_buttons_and_list_items() -> None:
    assert read_tap({"Body": "hi"}) is None
    assert read_tap({"ButtonPayload": "confirm:1001", "ButtonText": "Confirm"}) == Tap(
        "confirm:1001", "Confirm"
    )
    assert read_tap({"ListId": "pick:prod_jollof", "ListTitle": "Jollof", "Body": "x"}) == Tap(
        "pick:prod_jollof", "Jollof"
    )
    assert read_tap({"ButtonPayload": "edit_cart", "Body": "Edit cart"}) == Tap(
        "edit_cart", "Edit cart"
    )
