"""Delivery or pickup and delivery zones in English, through the signed Twilio webhook:
a Lagos restaurant with three area zones, a distance band and pickup."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from orders_core.db import Database
from orders_core.demo import seed_demo
from orders_core.models import Order, Tenant
from orders_core.services.tenants import update_tenant_settings
from orders_core.settings import Settings
from tests.bot.zone_shops import configure, market_shop, orders_of, run_turns, staff_alerts
from tests.conftest import TenantInfo
from tests.webhooks.twilio_helpers import WhatsApp


@pytest.fixture
def lagos(database: Database, chat_app: Flask, settings: Settings) -> tuple[TenantInfo, WhatsApp]:
    return market_shop(database, chat_app, settings, "lagos")


def test_asked_delivery_or_pickup_then_the_zone_fee_is_charged(
    lagos: tuple[TenantInfo, WhatsApp], database: Database
) -> None:
    shop, phone = lagos
    run_turns(phone, [
        ("2 jollof", ["₦7,000"]),
        ("yes", ["Delivery or pickup?", "1. 🛵 Delivery: we deliver to you (fee by area)",
                 "2. 🛍️ Pickup: you collect it — 14 Admiralty Way, Lekki Phase 1",
                 "Reply *1* or *2*"]),
        ("1", ["Where should we deliver?", "We deliver to: Lekki, Lekki Phase 1, Ajah"]),
        ("12 Admiralty Way, lekki phase 1", ["Delivery to Lekki: ₦1,500", "*To pay: ₦8,500*",
                                             "Deliver to: 12 Admiralty Way, lekki phase 1"]),
    ])  # fmt: skip
    assert orders_of(database, shop.id) == []

    run_turns(phone, [("yes", ["#1001", "Delivery: ₦1,500", "₦8,500"])])

    [order] = orders_of(database, shop.id)
    assert (order.subtotal, order.delivery_fee, order.total) == (700_000, 150_000, 850_000)
    assert order.delivery == {
        "method": "delivery", "address": "12 Admiralty Way, lekki phase 1", "zone": "Lekki",
    }  # fmt: skip
    [alert] = staff_alerts(database)
    assert "🛵 Delivery zone: Lekki\n\nReply *CONFIRM 1001*" in alert


def test_i_will_pick_it_up_makes_a_pickup_order_without_a_fee(
    lagos: tuple[TenantInfo, WhatsApp], database: Database
) -> None:
    shop, phone = lagos
    run_turns(phone, [
        ("1 jollof and 1 chapman", ["₦5,000"]),
        ("ok I'll pick it up", ["Pickup at: 14 Admiralty Way, Lekki Phase 1 (no delivery fee)",
                                "Reply *YES*"]),
        ("yes", ["#1001", "Collect your order at: 14 Admiralty Way, Lekki Phase 1\n\nWe'll"]),
    ])  # fmt: skip

    [order] = orders_of(database, shop.id)
    assert (order.delivery_fee, order.total, order.delivery) == (0, 500_000, {"method": "pickup"})
    assert "PICKUP" in staff_alerts(database)[0]


@pytest.mark.parametrize("answer", ["2", "pickup", "I will collect it"])
def test_the_method_question_is_answered_by_number_or_word(
    lagos: tuple[TenantInfo, WhatsApp], database: Database, answer: str
) -> None:
    shop, phone = lagos
    run_turns(phone, [("2 jollof", []), ("checkout", ["Delivery or pickup?"]),
                      (answer, ["Pickup at:"]), ("yes", ["placed"])])  # fmt: skip
    assert orders_of(database, shop.id)[0].delivery == {"method": "pickup"}


def test_yes_to_the_method_question_asks_again(lagos: tuple[TenantInfo, WhatsApp]) -> None:
    _, phone = lagos
    run_turns(phone, [("2 jollof", []), ("yes", ["Delivery or pickup?"]),
                      ("yes", ["Delivery or pickup?", "Reply *1* or *2*"])])  # fmt: skip


def test_deliver_to_an_area_below_its_minimum_says_how_much_more(
    lagos: tuple[TenantInfo, WhatsApp], database: Database
) -> None:
    shop, phone = lagos
    run_turns(phone, [
        ("1 jollof", []),
        ("deliver to Ajah", ["Delivery to Lekki needs an order of at least ₦5,000: "
                             "please add ₦1,500 more.", "reply *PICKUP*"]),
        ("1 chapman", ["₦5,000"]),
        ("yes", ["Delivery to Lekki: ₦1,500", "Deliver to: Ajah"]),
        ("yes", ["placed"]),
    ])  # fmt: skip
    assert orders_of(database, shop.id)[0].delivery["zone"] == "Lekki"


def test_an_address_naming_no_area_is_asked_about_once_by_number(
    lagos: tuple[TenantInfo, WhatsApp], database: Database
) -> None:
    shop, phone = lagos
    replies = run_turns(phone, [
        ("2 jollof", []),
        ("delivery", ["Where should we deliver?"]),
        ("5 Adeola Odeku Street", ["Which area is *5 Adeola Odeku Street* in?",
                                   "1. Lekki (Lekki, Lekki Phase 1, Ajah, VGC) — ₦1,500",
                                   "2. Island (Victoria Island, VI, Ikoyi, Oniru) — ₦1,000"]),
        ("2", ["Delivery to Island: ₦1,000", "Deliver to: 5 Adeola Odeku Street"]),
        ("yes", ["placed"]),
    ])  # fmt: skip
    assert "Next door" not in replies[2]  # a distance band is no area to pick
    [order] = orders_of(database, shop.id)
    assert (order.delivery_fee, order.delivery["zone"]) == (100_000, "Island")


def test_an_area_not_served_offers_pickup_and_the_areas(
    lagos: tuple[TenantInfo, WhatsApp], database: Database
) -> None:
    shop, phone = lagos
    run_turns(phone, [
        ("2 jollof", []),
        ("yes", []),
        ("1", []),
        ("20 Ring Road, Ibadan", ["Which area is"]),
        ("Ibadan", ["Sorry, we don't deliver to *Ibadan*.", "We deliver to: Lekki,",
                    "Reply *PICKUP* to collect it yourself (14 Admiralty Way, Lekki Phase 1)"]),
        ("pickup", ["Pickup at:"]),
        ("yes", ["placed"]),
    ])  # fmt: skip
    assert orders_of(database, shop.id)[0].delivery == {"method": "pickup"}


def test_a_typo_in_the_area_still_finds_it(
    lagos: tuple[TenantInfo, WhatsApp], database: Database
) -> None:
    _, phone = lagos
    run_turns(phone, [("1 chicken", []), ("deliver to 3 Bode Thomas, Surulerre", [
        "Delivery to Mainland needs an order of at least ₦10,000"])])  # fmt: skip


def test_a_location_pin_is_zoned_by_distance_from_the_shop(
    lagos: tuple[TenantInfo, WhatsApp], database: Database
) -> None:
    shop, phone = lagos
    phone.send("2 jollof")
    near = phone.send("", Latitude="6.4520", Longitude="3.4801", Label="Home").text
    assert "Delivery to Next door: ₦300" in near
    phone.send("yes")
    phone.send("2 jollof")
    far_pin = phone.send("", Latitude="7.3775", Longitude="3.9470").text  # Ibadan
    assert "Sorry, that's 1" in far_pin and "km from us; we deliver up to 2 km." in far_pin
    assert "Reply *PICKUP*" in far_pin
    [order] = orders_of(database, shop.id)
    assert (order.delivery_fee, order.delivery["zone"]) == (30_000, "Next door")
    assert order.delivery["location"] == {"latitude": 6.452, "longitude": 3.4801}


def test_an_address_answers_the_method_question(
    lagos: tuple[TenantInfo, WhatsApp], database: Database
) -> None:
    shop, phone = lagos
    run_turns(phone, [("2 jollof", []), ("yes", ["Delivery or pickup?"]),
                      ("7 Ozumba Mbadiwe Avenue, Victoria Island", ["Delivery to Island: ₦1,000"]),
                      ("yes", ["placed"])])  # fmt: skip
    assert orders_of(database, shop.id)[0].delivery["zone"] == "Island"


def test_the_demo_business_delivers_free_in_lekki_and_offers_pickup(
    database: Database, chat_app: Flask, settings: Settings
) -> None:
    with database.write() as session:
        assert seed_demo(session) is not None
        # Plain text answers (the demo's button templates are sent through the REST API).
        tenant = session.scalars(select(Tenant)).one()
        update_tenant_settings(session, tenant, {"templates": {}})
    assert settings.twilio_auth_token is not None
    phone = WhatsApp(
        chat_app.test_client(), token=settings.twilio_auth_token, base_url=settings.public_base_url
    )
    run_turns(phone, [
        ("2 jollof and a chapman", ["Total: ₦8,500"]),
        ("yes", ["we deliver to you (fee by area)", "Pickup: you collect it — 14 Admiralty Way"]),
        ("12 Admiralty Way, Lekki", ["Delivery to Lekki: free",
                                     "Deliver to: 12 Admiralty Way, Lekki"]),
        ("yes", ["#1001", "placed", "Total: ₦8,500"]),
    ])  # fmt: skip
    with database.read() as session:
        order = session.scalars(select(Order)).one()
    assert (order.total, order.delivery["zone"]) == (850_000, "Lekki")


def test_yes_to_the_area_question_asks_it_again(lagos: tuple[TenantInfo, WhatsApp]) -> None:
    _, phone = lagos
    run_turns(phone, [("2 jollof", []), ("deliver to 5 Adeola Odeku Street", ["Which area"]),
                      ("yes", ["Which area is *5 Adeola Odeku Street* in?", "2. Island"])])  # fmt: skip


def test_a_pickup_only_business_says_so_to_an_address(
    lagos: tuple[TenantInfo, WhatsApp], database: Database
) -> None:
    shop, phone = lagos
    configure(database, shop.id, {"delivers": False})
    run_turns(phone, [
        ("2 jollof", []),
        ("deliver to 3 Allen Avenue, Ikeja", [
            "Sorry, we don't deliver; you collect your order (14 Admiralty Way, Lekki Phase 1).",
            "Pickup at: 14 Admiralty Way"]),
        ("yes", ["placed", "Collect your order at:"]),
    ])  # fmt: skip
    assert orders_of(database, shop.id)[0].delivery == {"method": "pickup"}


def test_a_business_that_only_delivers_never_asks_and_says_no_to_pickup(
    lagos: tuple[TenantInfo, WhatsApp], database: Database
) -> None:
    shop, phone = lagos
    configure(database, shop.id, {"pickup": False})
    run_turns(phone, [
        ("2 jollof", []),
        ("yes", ["Where should we deliver?", "We deliver to: Lekki"]),
        ("I'll pick it up", ["Sorry, we only deliver (no pickup).", "Where should we deliver?"]),
    ])  # fmt: skip


def test_items_with_i_will_pick_it_up_go_in_and_checkout_is_a_pickup(
    lagos: tuple[TenantInfo, WhatsApp], database: Database
) -> None:
    shop, phone = lagos
    run_turns(phone, [("2 jollof, I will pick it up", ["2 × Jollof Rice (Large)", "₦7,000"]),
                      ("yes", ["Pickup at: 14 Admiralty Way"]),
                      ("yes", ["placed"])])  # fmt: skip
    assert orders_of(database, shop.id)[0].delivery == {"method": "pickup"}


def test_a_new_address_for_a_placed_order_in_another_zone_warns_staff(
    lagos: tuple[TenantInfo, WhatsApp], database: Database
) -> None:
    shop, phone = lagos
    run_turns(phone, [("2 jollof", []), ("deliver to Ajah", []), ("yes", ["placed"]),
                      ("address: 4 Bourdillon Road, Ikoyi", ["updated the address"])])  # fmt: skip
    alert = staff_alerts(database)[-1]
    assert "changed the delivery address to: 4 Bourdillon Road, Ikoyi" in alert
    assert "in the Island zone (₦1,000); the order has ₦1,500 for delivery" in alert
    assert orders_of(database, shop.id)[0].delivery_fee == 150_000
