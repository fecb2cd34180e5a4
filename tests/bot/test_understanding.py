"""What customers mean, through the signed webhook: clarifications, questions, stock, big
orders, repeats, languages, and the checkout fixes (new address at the last step, address
changes while pending, the way on after a cancellation)."""

from __future__ import annotations

from sqlalchemy import select

from orders_core.db import Database
from orders_core.models import Message, Order, Product, TimelineEvent
from orders_core.services.tenants import get_tenant, update_tenant_settings
from tests.bot.chat_cart import open_cart
from tests.bot.test_conversation import order_suya, orders
from tests.conftest import TenantInfo
from tests.webhooks.twilio_helpers import WhatsApp


def sell_out(database: Database, code: str) -> None:
    with database.write() as session:
        product = session.scalars(select(Product).where(Product.code == code)).one()
        product.available = False


def cart(database: Database) -> dict[str, int]:
    return {line["name"]: line["quantity"] for line in open_cart(database)}


def test_a_did_you_mean_is_answered_with_yes_and_keeps_the_quantity(
    whatsapp: WhatsApp, database: Database
) -> None:
    asked = whatsapp.send("3 chikin").text
    assert "Grilled Chicken" in asked and cart(database) == {}

    whatsapp.send("yes")

    assert cart(database) == {"Grilled Chicken": 3}


def test_a_did_you_mean_is_answered_with_a_number_or_a_name(
    whatsapp: WhatsApp, database: Database
) -> None:
    asked = whatsapp.send("2 rice").text
    assert "1. *" in asked and "2. *" in asked
    whatsapp.send("2")
    (name,) = cart(database)
    assert name in ("Jollof Rice (Large)", "Fried Rice") and cart(database)[name] == 2

    whatsapp.send("4 rice")
    whatsapp.send("fried rice")
    assert cart(database)["Fried Rice"] >= 4


def test_a_price_question_answers_that_item_and_then_send_3_orders_it(
    whatsapp: WhatsApp, database: Database
) -> None:
    answer = whatsapp.send("how much is the suya?").text
    assert "Beef Suya" in answer and "₦2,000" in answer
    assert "menu" not in answer.splitlines()[0].lower()

    whatsapp.send("ok send 3")

    assert cart(database) == {"Beef Suya": 3}


def test_a_sold_out_item_is_called_sold_out_with_alternatives(
    whatsapp: WhatsApp, database: Database
) -> None:
    sell_out(database, "prod_suya")

    reply = whatsapp.send("2 suya and a zobo").text

    assert "sold out" in reply and "Beef Suya" in reply
    assert cart(database) == {"Zobo Drink": 1}
    assert "sold out" in whatsapp.send("do you have suya?").text


def test_a_quantity_above_the_limit_is_asked_about_first(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    asked = whatsapp.send("500 puff puff").text
    assert "500" in asked and "YES" in asked
    assert cart(database) == {}

    whatsapp.send("yes")
    assert cart(database) == {"Puff-Puff (6 pcs)": 500}

    with database.write() as session:
        update_tenant_settings(session, get_tenant(session, tenant.id), {"max_line_quantity": 10})
    whatsapp.send("20 zobo")
    whatsapp.send("12")
    assert cart(database)["Zobo Drink"] == 12


def test_modifiers_stay_with_their_line_and_reach_the_order(
    whatsapp: WhatsApp, database: Database
) -> None:
    reply = whatsapp.send("2 jollof no onions, extra pepper and a chapman").text

    assert "no onions" in reply
    (line, chapman) = open_cart(database)
    assert line["note"] == "no onions, extra pepper" and chapman["note"] == ""
    whatsapp.send("address: 4 Adeola Odeku Street")
    whatsapp.send("yes")
    whatsapp.send("yes")
    with database.read() as session:
        order = session.scalars(select(Order).order_by(Order.id.desc())).first()
        assert order is not None
        notes = {item.name: item.note for item in order.items}
    assert notes["Jollof Rice (Large)"] == "no onions, extra pepper"  # where the kitchen reads it
    assert "no onions" not in (order.notes or "")  # and not said twice in the order's notes


def test_corrections_replace_and_remove_without_wiping_the_cart(
    whatsapp: WhatsApp, database: Database
) -> None:
    whatsapp.send("3 jollof and a zobo")
    whatsapp.send("actually only 2 jollof")
    assert cart(database) == {"Jollof Rice (Large)": 2, "Zobo Drink": 1}

    whatsapp.send("swap the zobo for a chapman")
    assert cart(database) == {"Jollof Rice (Large)": 2, "Chapman": 1}

    whatsapp.send("forget all that, just 1 suya")
    assert cart(database) == {"Beef Suya": 1}


def test_same_again_repeats_the_last_order(whatsapp: WhatsApp, database: Database) -> None:
    order_suya(whatsapp)

    whatsapp.send("same again")

    assert cart(database) == {"Beef Suya": 1}


def test_replies_follow_the_customers_language_and_the_tenants_menu(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    with database.write() as session:
        update_tenant_settings(session, get_tenant(session, tenant.id), {"languages": ["sw"]})

    reply = whatsapp.send("nipe suya mbili na zobo moja").text

    assert "Nimeongeza" in reply and "Kikapu chako" in reply
    assert cart(database) == {"Beef Suya": 2, "Zobo Drink": 1}
    assert "Your cart" in whatsapp.send("english please").text
    empty = whatsapp.send("clear").text
    assert "jollof" in empty.lower() and "chapman" not in empty.lower()


def test_a_new_address_at_the_final_check_is_the_one_delivered_to(
    whatsapp: WhatsApp, database: Database
) -> None:
    order_suya(whatsapp)
    whatsapp.send("2 zobo")
    summary = whatsapp.send("yes").text
    assert "9 Ojuelegba Road" in summary

    changed = whatsapp.send("15 Allen Avenue, Ikeja").text
    assert "couldn't find" not in changed and "15 Allen Avenue" in changed
    whatsapp.send("yes")

    assert orders(database)[-1].delivery["address"] == "15 Allen Avenue, Ikeja"


def test_deliver_to_while_pending_changes_the_order_and_tells_staff(
    whatsapp: WhatsApp, database: Database
) -> None:
    order_suya(whatsapp)

    reply = whatsapp.send("deliver to 3 Bode Thomas Street, Surulere").text

    order = orders(database)[-1]
    assert order.delivery["address"] == "3 Bode Thomas Street, Surulere"
    assert "updated the address" in reply
    with database.read() as session:
        kinds = session.scalars(
            select(TimelineEvent.kind).where(TimelineEvent.order_id == order.id)
        ).all()
        alerts = session.scalars(select(Message.body).where(Message.kind == "alert")).all()
    assert "delivery_changed" in kinds
    assert any("3 Bode Thomas Street" in body for body in alerts)


def test_cancelling_says_how_to_order_again(whatsapp: WhatsApp, database: Database) -> None:
    order_suya(whatsapp)

    reply = whatsapp.send("cancel").text

    assert "cancelled" in reply and "MENU" in reply
    assert orders(database)[-1].status == "cancelled"
    assert "To order" in whatsapp.send("cancel").text


def test_a_greeting_and_a_question_around_an_order_keep_the_order(
    whatsapp: WhatsApp, database: Database
) -> None:
    reply = whatsapp.send(
        "Good morning, hope you're well. Please 2 fried rice, what's the total?"
    ).text

    assert cart(database) == {"Fried Rice": 2}
    assert "₦7,000" in reply


def test_unknown_words_beside_an_order_are_named_back(
    whatsapp: WhatsApp, database: Database
) -> None:
    reply = whatsapp.send("2 jollof and 1 shawarma").text

    assert "shawarma" in reply and cart(database) == {"Jollof Rice (Large)": 2}


def test_orders_are_placed_once(whatsapp: WhatsApp, database: Database) -> None:
    order_suya(whatsapp)
    assert len(orders(database)) == 1
    assert isinstance(orders(database)[0], Order)


def test_one_product_named_twice_is_said_once(whatsapp: WhatsApp, database: Database) -> None:
    reply = whatsapp.send("1 zobo, and 2 jollof, and 1 zobo").text

    assert reply.count("Zobo Drink") == 2  # once in "Added ...", once in the cart
    assert "2 × Zobo Drink" in reply.split("\n")[0]
    assert cart(database) == {"Zobo Drink": 2, "Jollof Rice (Large)": 2}
