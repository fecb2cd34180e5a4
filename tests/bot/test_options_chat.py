"""Menu options in whole chats through the signed Twilio webhook, on the demo business.

The demo menu's Moi Moi needs a Type (Plain ₦700, Egg +₦200, Fish +₦300); its Egusi has
optional Extras (Assorted meat +₦1,000, Fish +₦800).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.opening import ask_at_opening
from orders_core.db import Database
from orders_core.models import Checkout, Conversation, Message, Order
from orders_core.services.catalog import import_menu
from orders_core.services.tenants import get_tenant, update_tenant_settings
from tests.bot.chat_cart import open_cart
from tests.conftest import TenantInfo
from tests.statements import counting
from tests.webhooks.twilio_helpers import WhatsApp

SHAWARMA = {
    "id": "prod_shawarma", "name": "Shawarma", "unit_price": 300000,
    "option_groups": [
        {"name": "Type", "min": 1, "max": 1,
         "options": [{"name": "Chicken", "price": 0}, {"name": "Beef", "price": 50000}]},
        {"name": "Extras", "min": 0, "max": 2,
         "options": [{"name": "Sausage", "price": 50000}, {"name": "Cheese", "price": 70000}]},
    ],
}  # fmt: skip


def lines(database: Database) -> list[tuple[str, int, list[str], str]]:
    """The cart as (code, quantity, options, note)."""
    with database.read() as session:
        checkout = session.scalars(select(Checkout).where(Checkout.status == "open")).first()
        items = checkout.items if checkout else []
    return [
        (i["product_id"], i["quantity"], i.get("options", []), i.get("note", "")) for i in items
    ]


def pending(database: Database) -> dict:
    with database.read() as session:
        return dict(session.scalars(select(Conversation)).one().data.get("pending") or {})


def add_shawarma(database: Database, tenant: TenantInfo) -> None:
    with database.write() as session:
        import_menu(session, tenant.id, [SHAWARMA])


def test_an_order_with_options_is_priced_shown_and_placed_with_them(
    whatsapp: WhatsApp, database: Database
) -> None:
    added = whatsapp.send("2 moi moi with egg no pepper").text
    assert "• 2 × Moi Moi (Egg) _(no pepper)_ — ₦1,800" in added
    assert lines(database) == [("prod_moimoi", 2, ["Egg"], "no pepper")]
    summary = whatsapp.send("yes").text
    assert "Moi Moi (Egg)" in summary
    whatsapp.send("12 Allen Avenue, Ikeja")
    placed = whatsapp.send("yes").text
    assert "• 2 × Moi Moi (Egg) _(no pepper)_ — ₦1,800" in placed
    assert "📝" not in placed  # the line's note is shown on the line, not again below
    with database.read() as session:
        order = session.scalars(select(Order)).one()
        (item,) = order.items
        assert item.options == [{"group": "Type", "name": "Egg", "price": 20000}]
        assert (item.note, item.subtotal, order.subtotal) == ("no pepper", 180000, 180000)
        alert = session.scalars(select(Message).where(Message.kind == "alert")).one()
    assert "• 2 × Moi Moi (Egg) — no pepper — ₦1,800" in alert.body


def test_a_missing_required_choice_is_asked_and_answered_by_name_number_or_ordinal(
    whatsapp: WhatsApp, database: Database
) -> None:
    asked = whatsapp.send("3 moi moi and 1 egusi with fish").text
    assert "*3 × Moi Moi*: 1. Plain (₦700) or 2. Egg (₦900) or 3. Fish (₦1,000)?" in asked
    assert "• 1 × Egusi Soup with Pounded Yam (Fish) — ₦5,300" in asked
    assert lines(database) == [("prod_egusi", 1, ["Fish"], "")]
    again = whatsapp.send("show my cart").text  # not an answer: the question stays, asked again
    assert "*3 × Moi Moi*:" in again
    assert "*3 × Moi Moi*:" in whatsapp.send("help").text
    answered = whatsapp.send("the third one").text
    assert "Added 3 × Moi Moi (Fish)." in answered
    assert lines(database)[-1] == ("prod_moimoi", 3, ["Fish"], "")
    assert pending(database) == {}
    whatsapp.send("moi moi")
    whatsapp.send("2")
    whatsapp.send("1 moi moi")
    whatsapp.send("plain pls")
    assert lines(database)[1:] == [("prod_moimoi", 3, ["Fish"], ""), ("prod_moimoi", 1, ["Egg"], ""),
                                   ("prod_moimoi", 1, ["Plain"], "")]  # fmt: skip


def test_waiting_lines_are_asked_one_at_a_time_keeping_quantity_extras_and_note(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    add_shawarma(database, tenant)
    first = whatsapp.send("2 shawarma with cheese less pepper and 1 moi moi").text
    assert "*2 × Shawarma*: 1. Chicken (₦3,700) or 2. Beef (₦4,200)?" in first
    assert "Moi Moi" not in first.split("Shawarma*:")[1]  # one question at a time
    second = whatsapp.send("beef").text  # a product's word too, but it answers the question
    assert "*Moi Moi*: 1. Plain" in second
    assert lines(database) == [("prod_shawarma", 2, ["Beef", "Cheese"], "less pepper")]
    assert "• 2 × Shawarma (Beef, +Cheese) _(less pepper)_ — ₦8,400" in second
    whatsapp.send("no")
    assert lines(database) == [("prod_shawarma", 2, ["Beef", "Cheese"], "less pepper")]
    assert pending(database) == {}


def test_checkout_waits_for_the_answer_and_clearing_forgets_the_question(
    whatsapp: WhatsApp, database: Database
) -> None:
    whatsapp.send("1 suya and moi moi")
    reply = whatsapp.send("yes").text
    assert "*Moi Moi*: 1. Plain" in reply
    with database.read() as session:
        assert session.scalars(select(Conversation)).one().state == "cart"
    assert "Moi Moi" not in whatsapp.send("clear my cart and 1 chapman").text
    assert pending(database) == {}


def test_lines_differ_by_options_and_edits_pick_the_line_named(
    whatsapp: WhatsApp, database: Database
) -> None:
    whatsapp.send("2 moi moi with egg, 1 plain moi moi and 1 fish moi moi")
    assert lines(database) == [
        ("prod_moimoi", 2, ["Egg"], ""), ("prod_moimoi", 1, ["Plain"], ""),
        ("prod_moimoi", 1, ["Fish"], ""),
    ]  # fmt: skip
    whatsapp.send("remove the fish moi moi")
    whatsapp.send("make the plain moi moi 3")
    assert lines(database) == [("prod_moimoi", 2, ["Egg"], ""), ("prod_moimoi", 3, ["Plain"], "")]
    whatsapp.send("2 more egg moi moi")
    assert lines(database)[0] == ("prod_moimoi", 4, ["Egg"], "")
    whatsapp.send("remove moi moi")
    assert lines(database) == []


def test_a_product_named_after_a_with_word_is_the_option_else_the_product(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    add_shawarma(database, tenant)
    with database.write() as session:
        import_menu(session, tenant.id, [{"id": "prod_sausage", "name": "Sausage Roll",
                                          "unit_price": 90000, "aliases": ["sausage"]}])  # fmt: skip
    whatsapp.send("chicken shawarma with sausage")
    assert lines(database) == [("prod_shawarma", 1, ["Chicken", "Sausage"], "")]
    whatsapp.send("beef shawarma and sausage")
    assert lines(database)[1:] == [("prod_shawarma", 1, ["Beef"], ""), ("prod_sausage", 1, [], "")]


def test_same_again_repeats_the_options(whatsapp: WhatsApp, database: Database) -> None:
    whatsapp.send("address: 9 Ojuelegba Road")
    whatsapp.send("2 moi moi with fish")
    whatsapp.send("yes")
    assert "placed" in whatsapp.send("yes").text
    whatsapp.send("same again")
    assert lines(database) == [("prod_moimoi", 2, ["Fish"], "")]


def test_the_menu_lists_the_options(whatsapp: WhatsApp) -> None:
    menu = whatsapp.send("menu").text
    assert "_Type_: Plain · Egg +₦200 · Fish +₦300" in menu


def test_options_cost_no_statement_more_than_a_plain_message(
    whatsapp: WhatsApp, database: Database
) -> None:
    whatsapp.send("hi")
    with counting(database.engine) as plain:
        whatsapp.send("1 chapman")
    with counting(database.engine) as optioned:
        whatsapp.send("2 moi moi with egg")
    with counting(database.engine) as asked:
        whatsapp.send("1 moi moi")
    with counting(database.engine) as answered:
        whatsapp.send("plain")
    assert len(optioned) <= len(plain), optioned
    assert len(asked) <= len(plain) and len(answered) <= len(plain), (asked, answered)
    assert [c["quantity"] for c in open_cart(database)] == [1, 2, 1]


def test_a_cart_held_for_opening_is_asked_about_with_its_options(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    with database.write() as session:
        evenings = {"opening_hours": {day: ["18:00-23:00"] for day in ("mon", "tue")}}
        update_tenant_settings(session, get_tenant(session, tenant.id), evenings)
    whatsapp.send("address: 9 Ojuelegba Road")  # the clock starts Monday 13:00 in Lagos
    whatsapp.send("2 moi moi with fish")
    whatsapp.send("yes")
    assert "We open today at 18:00." in whatsapp.send("yes").text
    assert ask_at_opening(database, now=datetime(2026, 11, 23, 17, 0, tzinfo=UTC)) == 1
    with database.read() as session:
        body = session.scalars(select(Message).where(Message.dedupe_key.like("opening:%"))).one()
    assert "• 2 × Moi Moi (Fish) — ₦2,000" in str(body.body)


def test_a_big_line_held_for_a_yes_keeps_its_options_or_asks_for_them(
    whatsapp: WhatsApp, database: Database
) -> None:
    assert "big order" in whatsapp.send("60 moi moi with egg").text
    assert "Moi Moi (Egg)" in whatsapp.send("yes").text
    assert lines(database) == [("prod_moimoi", 60, ["Egg"], "")]
    whatsapp.send("60 moi moi")
    assert "*60 × Moi Moi*: 1. Plain" in whatsapp.send("yes").text


def test_a_line_in_the_cart_takes_other_options(whatsapp: WhatsApp, database: Database) -> None:
    whatsapp.send("2 moi moi with egg")
    changed = whatsapp.send("make it fish").text
    assert "Changed: Moi Moi (Fish)." in changed and "• 2 × Moi Moi (Fish) — ₦2,000" in changed
    whatsapp.send("1 plain moi moi")
    whatsapp.send("make the fish moi moi plain")  # now equal to the plain line: merged
    assert lines(database) == [("prod_moimoi", 3, ["Plain"], "")]
    whatsapp.send("1 egusi")
    whatsapp.send("add fish to the egusi")
    whatsapp.send("put assorted meat on my egusi")
    assert lines(database)[-1] == ("prod_egusi", 1, ["Assorted meat", "Fish"], "")


def test_an_option_answering_did_you_mean_names_the_product_and_its_choice(
    whatsapp: WhatsApp, database: Database
) -> None:
    asked = whatsapp.send("moi mooi plz").text
    assert "Did you mean *Moi Moi*?" in asked

    answer = whatsapp.send("egg").text

    assert answer.startswith("Added 1 × Moi Moi (Egg).")
    assert lines(database) == [("prod_moimoi", 1, ["Egg"], "")]


def test_a_did_you_mean_answered_without_the_choice_asks_only_the_question(
    whatsapp: WhatsApp, database: Database
) -> None:
    whatsapp.send("moi mooi plz")

    answer = whatsapp.send("yes").text

    assert answer.startswith("*Moi Moi*: 1. Plain (₦700) or 2. Egg (₦900)")
    assert "cart is empty" not in answer and lines(database) == []
