"""Whole customer conversations through the signed Twilio webhook, on a real database."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from bot.inbound import UnknownNumber, handle_inbound
from orders_core.db import Database
from orders_core.demo import DEMO_STAFF
from orders_core.models import (
    Conversation,
    Customer,
    Message,
    Order,
    OutboxEvent,
    TimelineEvent,
)
from orders_core.services.orders import get_order
from orders_core.services.tenants import get_tenant, update_tenant_settings
from orders_core.settings import Settings
from tests.bot.chat_cart import open_cart
from tests.conftest import TenantInfo
from tests.webhooks.twilio_helpers import Clock, WhatsApp, post_concurrently

CUSTOMER = "+2348012345678"


def orders(database: Database) -> list[Order]:
    with database.read() as session:
        return list(session.scalars(select(Order).order_by(Order.number)))


def alerts(database: Database) -> list[Message]:
    with database.read() as session:
        return list(
            session.scalars(select(Message).where(Message.kind == "alert").order_by(Message.id))
        )


def conversation(database: Database, phone: str = CUSTOMER) -> Conversation:
    with database.read() as session:
        return session.scalars(select(Conversation).where(Conversation.phone == phone)).one()


def customer(database: Database, phone: str = CUSTOMER) -> Customer:
    with database.read() as session:
        return session.scalars(select(Customer).where(Customer.phone == phone)).one()


def order_suya(whatsapp: WhatsApp) -> None:
    """A returning customer orders 1 suya to a saved address: the quickest whole order."""
    whatsapp.send("address: 9 Ojuelegba Road")
    whatsapp.send("1 suya")
    whatsapp.send("yes")
    assert "placed" in whatsapp.send("yes").text


def set_tenant(database: Database, tenant: TenantInfo, **changes: Any) -> None:
    with database.write() as session:
        update_tenant_settings(session, get_tenant(session, tenant.id), changes)


def test_order_fix_confirm_address_then_staff_confirms(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    added = whatsapp.send("2 jollof, a chapman and 3 dodo pls").text
    assert "• 2 × Jollof Rice (Large) — ₦7,000" in added
    assert "• 1 × Chapman — ₦1,500" in added
    assert "• 3 × Fried Plantain (Dodo) — ₦2,400" in added
    assert "*Total: ₦10,900*" in added
    assert "Reply *YES* to place the order" in added

    fixed = whatsapp.send("make it 3 jollof").text
    assert "• 3 × Jollof Rice (Large) — ₦10,500" in fixed
    assert "*Total: ₦14,400*" in fixed

    asked = whatsapp.send("yes").text
    assert "Where should we deliver?" in asked and "₦14,400" in asked
    assert orders(database) == []
    assert conversation(database).state == "awaiting_address"

    summary = whatsapp.send("12 Allen Avenue, Ikeja").text
    assert "Deliver to: 12 Allen Avenue, Ikeja" in summary and "Reply *YES*" in summary
    assert orders(database) == []  # an address alone never places the order

    placed = whatsapp.send("yes").text
    assert "Order *#1001* placed" in placed and "*Total: ₦14,400*" in placed

    [order] = orders(database)
    assert (order.status, order.channel, order.total, order.currency) == (
        "pending",
        "whatsapp",
        1_440_000,
        "NGN",
    )
    assert (order.customer_name, order.customer_phone) == ("Amara", CUSTOMER)
    assert order.delivery == {"method": "delivery", "address": "12 Allen Avenue, Ikeja"}
    with database.read() as session:
        lines = [(i.product_code, i.quantity) for i in get_order(session, tenant.id, "1001").items]
    assert lines == [("prod_jollof", 3), ("prod_chapman", 1), ("prod_plantain", 3)]
    assert customer(database).address == "12 Allen Avenue, Ikeja"
    assert (conversation(database).state, open_cart(database)) == ("browsing", [])

    [alert] = alerts(database)
    assert (alert.to_number, alert.status, alert.order_id) == (
        f"whatsapp:{DEMO_STAFF}",
        "pending",
        order.id,
    )
    assert alert.payload["template"] == "staff.new_order"
    assert alert.payload["variables"]["order_number"] == str(order.number)
    assert alert.body is not None
    for expected in ("#1001", "Amara", CUSTOMER, "3 × Jollof Rice (Large)", "₦14,400",
                     "12 Allen Avenue, Ikeja", "Reply *CONFIRM 1001* or *REJECT 1001 <reason>*"):  # fmt: skip
        assert expected in alert.body

    confirmed = whatsapp.send("CONFIRM 1001", from_=DEMO_STAFF).text
    assert "#1001" in confirmed and "confirmed" in confirmed
    with database.read() as session:
        order = get_order(session, tenant.id, "1001")
        timeline = session.scalars(
            select(TimelineEvent).where(TimelineEvent.order_id == order.id)
        ).all()
        outbox = session.scalars(select(OutboxEvent).where(OutboxEvent.order_id == order.id)).all()
    assert order.status == "confirmed"
    assert [(e.data.get("to"), e.actor) for e in timeline][-1] == (
        "confirmed",
        f"staff:{DEMO_STAFF}",
    )
    assert [e.type for e in outbox] == ["order.created", "order.status_changed"]
    assert outbox[-1].data["order"]["status"] == "confirmed"


def test_yes_twice_and_a_retried_yes_place_one_order(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    whatsapp.send("1 zobo")
    whatsapp.send("deliver to 3 Bode Thomas Street, Surulere")
    form = whatsapp.form("YES")

    first = whatsapp.post("/webhooks/twilio/messages", form)
    retried = whatsapp.post("/webhooks/twilio/messages", form)
    again = whatsapp.send("yes")

    assert "placed" in first.get_data(as_text=True)
    # The retry (its first answer lost on the way) hears the same answer, and nothing more.
    assert retried.get_data(as_text=True) == first.get_data(as_text=True)
    assert "already placed" in again.text
    assert [o.total for o in orders(database)] == [70_000]
    assert len(alerts(database)) == 1


def test_two_yes_messages_at_once_place_one_order(
    whatsapp: WhatsApp, settings: Settings, database: Database, chat_app: Flask
) -> None:
    whatsapp.send("address: 3 Bode Thomas Street, Surulere")
    whatsapp.send("2 jollof")
    token, base_url = settings.twilio_auth_token or "", settings.public_base_url
    phones = [WhatsApp(chat_app.test_client(), token=token, base_url=base_url) for _ in range(3)]

    statuses = post_concurrently(phones, [whatsapp.form(text) for text in ("yes", "YES", "ok")])

    assert statuses == [200, 200, 200]
    assert [o.total for o in orders(database)] == [700_000]
    assert len(alerts(database)) == 1


def test_an_address_given_once_is_used_next_time(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    whatsapp.send("2 suya")
    whatsapp.send("yes")
    whatsapp.send("5 Admiralty Way, Lekki")
    whatsapp.send("yes")

    whatsapp.send("1 water")
    summary = whatsapp.send("that's all").text
    assert "Deliver to: 5 Admiralty Way, Lekki" in summary
    whatsapp.send("yes")

    assert [o.delivery["address"] for o in orders(database)] == ["5 Admiralty Way, Lekki"] * 2


def test_a_shared_location_becomes_the_delivery_address(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    whatsapp.send("1 jollof")
    whatsapp.send("yes")

    summary = whatsapp.send(
        "", Latitude="6.4281", Longitude="3.4219", Address="Victoria Island, Lagos", Label="Office"
    )
    assert "Deliver to: Office Victoria Island, Lagos" in summary.text

    assert "placed" in whatsapp.send("yes").text
    [order] = orders(database)
    assert order.delivery == {
        "method": "delivery",
        "address": "Office Victoria Island, Lagos",
        "location": {"latitude": 6.4281, "longitude": 3.4219},
    }
    assert "maps.google.com/?q=6.4281,3.4219" in (alerts(database)[0].body or "")


def test_a_business_that_does_not_deliver_places_on_yes(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    set_tenant(database, tenant, delivers=False)
    whatsapp.send("2 meat pie")

    placed = whatsapp.send("yes").text

    assert "Order *#1001* placed" in placed
    [order] = orders(database)
    assert (order.total, order.delivery) == (120_000, {})


def test_the_delivery_fee_is_shown_and_charged(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    set_tenant(database, tenant, delivery_fee=100_000)
    whatsapp.send("address: 1 Marina Road, Lagos Island")
    whatsapp.send("1 chicken")

    summary = whatsapp.send("checkout").text
    assert "Delivery: ₦1,000" in summary and "To pay: ₦3,500" in summary
    whatsapp.send("yes")

    [order] = orders(database)
    assert (order.subtotal, order.delivery_fee, order.total) == (250_000, 100_000, 350_000)


def test_an_sms_order_is_an_sms_order(whatsapp: WhatsApp, database: Database) -> None:
    whatsapp.send("address: 4 Broad Street, Lagos", channel="sms")
    whatsapp.send("1 egusi", channel="sms")

    assert "Deliver to: 4 Broad Street, Lagos" in whatsapp.send("yes", channel="sms").text
    assert "placed" in whatsapp.send("yes", channel="sms").text

    [order] = orders(database)
    assert (order.channel, order.total) == ("sms", 450_000)
    assert customer(database).whatsapp is False


def test_no_at_checkout_keeps_the_cart(whatsapp: WhatsApp, database: Database) -> None:
    whatsapp.send("2 jollof")
    whatsapp.send("yes")

    kept = whatsapp.send("no").text

    assert "haven't placed anything" in kept and "2 × Jollof Rice (Large)" in kept
    assert conversation(database).state == "cart"
    assert orders(database) == []


def test_remove_and_clear(whatsapp: WhatsApp, database: Database) -> None:
    whatsapp.send("2 jollof and 1 chapman")

    removed = whatsapp.send("remove the chapman").text
    assert "Chapman" not in removed.split("*Your cart:*")[1]
    assert "*Total: ₦7,000*" in removed

    assert "isn't in your cart" in whatsapp.send("remove zobo").text
    assert "empty" in whatsapp.send("clear").text
    assert open_cart(database) == []


def test_an_unknown_product_gets_the_closest_names(whatsapp: WhatsApp, database: Database) -> None:
    reply = whatsapp.send("2 jollof rise and 1 shawarma").text

    assert "Added 2 × Jollof Rice (Large)" in reply
    assert 'I couldn\'t find "shawarma"' in reply
    assert [line["code"] for line in open_cart(database)] == ["prod_jollof"]


def test_a_misspelt_product_is_asked_about(whatsapp: WhatsApp) -> None:
    reply = whatsapp.send("2 rice").text

    assert "Did you mean" in reply and "*Jollof Rice (Large)*" in reply and "*Fried Rice*" in reply


def test_thanks_after_ordering_is_answered_politely(whatsapp: WhatsApp) -> None:
    reply = whatsapp.send("thank you!").text
    assert reply.startswith("You're welcome, Amara!")
    assert "didn't understand" not in reply and "STATUS" not in reply  # nothing ordered yet

    order_suya(whatsapp)
    assert "Reply *STATUS*" in whatsapp.send("thanks").text


def test_menu_lists_products_with_prices(whatsapp: WhatsApp) -> None:
    menu = whatsapp.send("menu").text

    assert "• Jollof Rice (Large) — ₦3,500" in menu
    assert "• Bottled Water — ₦300" in menu


def test_greeting_uses_the_profile_name_and_records_the_customer(
    whatsapp: WhatsApp, database: Database, clock: Clock
) -> None:
    whatsapp.profile_name = "Chidi"

    assert "Hi Chidi!" in whatsapp.send("hello").text

    stored = customer(database)
    assert (stored.name, stored.whatsapp, stored.last_inbound_at) == ("Chidi", True, clock.now)
    clock.advance(hours=3)
    whatsapp.send("menu")
    assert customer(database).last_inbound_at == clock.now


def test_an_idle_cart_expires_on_the_next_message(
    whatsapp: WhatsApp, database: Database, clock: Clock, settings: Settings
) -> None:
    whatsapp.send("2 jollof")
    clock.advance(minutes=settings.cart_ttl_minutes - 1)
    assert "2 × Jollof Rice (Large)" in whatsapp.send("cart").text

    clock.advance(minutes=settings.cart_ttl_minutes + 1)
    reply = whatsapp.send("1 chapman").text

    assert "previous cart expired" in reply
    assert "Jollof" not in reply and "*Total: ₦1,500*" in reply
    assert [line["code"] for line in open_cart(database)] == ["prod_chapman"]


def test_an_expired_checkout_does_not_place_an_old_cart(
    whatsapp: WhatsApp, database: Database, clock: Clock, settings: Settings
) -> None:
    whatsapp.send("2 jollof")
    whatsapp.send("yes")
    clock.advance(minutes=settings.cart_ttl_minutes + 1)

    reply = whatsapp.send("7 Awolowo Road, Ikoyi").text

    assert "expired" in reply
    assert orders(database) == []
    assert conversation(database).state == "browsing"


def test_status_tells_the_latest_order(whatsapp: WhatsApp, database: Database) -> None:
    assert "haven't placed an order" in whatsapp.send("where is my order?").text
    order_suya(whatsapp)

    assert "#1001" in whatsapp.send("status").text
    whatsapp.send("confirm 1001", from_=DEMO_STAFF)
    assert "confirmed by the restaurant" in whatsapp.send("status").text


def test_cancel_cancels_a_pending_order_and_tells_staff(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    order_suya(whatsapp)

    reply = whatsapp.send("cancel my order").text

    assert "#1001* is cancelled" in reply and "STOP" in reply
    [order] = orders(database)
    assert (order.status, order.cancel_reason) == ("cancelled", "customer_request")
    assert "cancelled by the customer" in (alerts(database)[-1].body or "")
    assert customer(database).opted_out is False


def test_cancel_after_confirmation_explains_who_to_contact(
    whatsapp: WhatsApp, database: Database
) -> None:
    order_suya(whatsapp)
    whatsapp.send("confirm", from_=DEMO_STAFF)

    reply = whatsapp.send("cancel").text

    assert "can't cancel it here" in reply and "Mama Put Lagos" in reply
    assert orders(database)[0].status == "confirmed"


def test_stop_opts_out_and_start_opts_back_in(whatsapp: WhatsApp, database: Database) -> None:
    stopped = whatsapp.send("STOP").text
    assert "unsubscribed" in stopped and "CANCEL" in stopped
    assert customer(database).opted_out is True

    assert "2 × Jollof" in whatsapp.send("2 jollof").text  # direct replies still come

    assert "Welcome back" in whatsapp.send("start").text
    assert customer(database).opted_out is False


def test_asking_for_a_person_flags_and_alerts_staff_once(
    whatsapp: WhatsApp, database: Database, clock: Clock
) -> None:
    reply = whatsapp.send("I want to talk to a person").text
    whatsapp.send("human")

    assert "asked the team" in reply
    assert conversation(database).data["human"] is True
    [alert] = alerts(database)
    assert "asks to talk to a person" in (alert.body or "") and CUSTOMER in (alert.body or "")

    clock.advance(hours=1)
    whatsapp.send("agent")
    assert len(alerts(database)) == 2


@pytest.mark.parametrize("body", ["", "   "])
def test_an_empty_message_gets_help(whatsapp: WhatsApp, body: str) -> None:
    assert "MENU" in whatsapp.send(body).text


def test_gibberish_says_what_to_do(whatsapp: WhatsApp) -> None:
    assert "didn't understand" in whatsapp.send("qwzx vbnm").text


def test_handle_inbound_is_callable_without_flask(
    database: Database, tenant: TenantInfo, settings: Settings, clock: Clock
) -> None:
    """The webhook's work is a plain function of the database and the form."""
    form = {"From": "whatsapp:+2348055555555", "To": "whatsapp:+14155238886", "Body": "1 water",
            "MessageSid": "SMsimulator0001", "ProfileName": "Sim"}  # fmt: skip

    twiml = handle_inbound(database, form, settings=settings, now=clock.now)
    replay = handle_inbound(database, form, settings=settings, now=clock.now)

    assert "Bottled Water" in twiml and twiml.startswith("<?xml")
    assert replay == twiml
    assert open_cart(database, "+2348055555555")[0]["quantity"] == 1
    with pytest.raises(UnknownNumber):
        handle_inbound(database, {**form, "To": "whatsapp:+14155230000"}, settings=settings)


def test_a_question_at_the_address_step_is_not_taken_as_the_address(
    whatsapp: WhatsApp, database: Database
) -> None:
    whatsapp.send("2 jollof")
    whatsapp.send("yes")

    reply = whatsapp.send("do you deliver to Ikorodu?").text

    assert "Where should we deliver?" in reply
    assert conversation(database).state == "awaiting_address" and orders(database) == []


def test_a_short_area_name_is_an_address_but_still_needs_yes(
    whatsapp: WhatsApp, database: Database
) -> None:
    whatsapp.send("1 zobo")
    whatsapp.send("yes")

    assert "Deliver to: VI" in whatsapp.send("VI").text
    assert orders(database) == []


def test_the_delivery_fee_shows_before_the_address_is_asked(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    set_tenant(database, tenant, delivery_fee=150000)
    whatsapp.send("2 jollof")

    asked = whatsapp.send("yes").text

    assert "Delivery: ₦1,500" in asked and "*To pay: ₦8,500*" in asked


def test_cancel_with_a_new_cart_empties_the_cart_and_keeps_the_order(
    whatsapp: WhatsApp, database: Database
) -> None:
    order_suya(whatsapp)
    whatsapp.send("1 chapman")

    reply = whatsapp.send("cancel").text

    assert "emptied your cart" in reply and "#1001* is still pending" in reply
    assert orders(database)[0].status == "pending"
    assert open_cart(database) == []
    assert whatsapp.send("cancel").text.count("cancelled") >= 1
    assert orders(database)[0].status == "cancelled"


def test_ordering_after_stop_turns_order_updates_back_on(
    whatsapp: WhatsApp, database: Database
) -> None:
    whatsapp.send("STOP")
    whatsapp.send("address: 9 Ojuelegba Road")
    whatsapp.send("1 suya")
    whatsapp.send("yes")

    placed = whatsapp.send("yes").text

    assert "placed" in placed and "Reply *STOP* to turn them off again" in placed
    assert customer(database).opted_out is False
