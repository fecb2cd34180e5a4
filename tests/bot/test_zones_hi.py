"""Delivery or pickup and delivery zones in Hinglish: a Mumbai kitchen with two areas."""

from __future__ import annotations

import pytest
from flask import Flask

from orders_core.db import Database
from orders_core.settings import Settings
from tests.bot.zone_shops import market_shop, orders_of, run_turns
from tests.conftest import TenantInfo
from tests.webhooks.twilio_helpers import WhatsApp


@pytest.fixture
def mumbai(database: Database, chat_app: Flask, settings: Settings) -> tuple[TenantInfo, WhatsApp]:
    return market_shop(database, chat_app, settings, "mumbai")


def test_main_le_jaunga_is_pickup(mumbai: tuple[TenantInfo, WhatsApp], database: Database) -> None:
    shop, phone = mumbai
    run_turns(phone, [
        ("bhaiya 2 jollof dena", []),
        ("main le jaunga", ["Pickup yahan se: Shop 4, Hill Road, Bandra West"]),
        ("haan", ["place ho gaya", "Apna order yahan se le jaiye: Shop 4, Hill Road"]),
    ])  # fmt: skip
    assert orders_of(database, shop.id)[0].delivery == {"method": "pickup"}


def test_asked_in_hinglish_then_delivered_to_bandra(
    mumbai: tuple[TenantInfo, WhatsApp], database: Database
) -> None:
    shop, phone = mumbai
    run_turns(phone, [
        ("2 jollof chahiye", []),
        ("haan", ["Delivery chahiye ya pickup?", "*1* ya *2* reply kijiye"]),
        ("1", ["Hum yahan deliver karte hain: Bandra, Bandra West, Khar"]),
        ("Flat 12, Sea View, Bandra west", ["Delivery (Bandra): ₹40", "Delivery yahan:"]),
        ("haan", ["place ho gaya"]),
    ])  # fmt: skip
    [order] = orders_of(database, shop.id)
    assert (order.delivery["zone"], order.delivery_fee) == ("Bandra", 4_000)


def test_below_the_andheri_minimum_in_hinglish(mumbai: tuple[TenantInfo, WhatsApp]) -> None:
    _, phone = mumbai
    run_turns(phone, [
        ("1 chapman chahiye", []),
        ("deliver to Juhu Tara Road, Juhu", [
            "Andheri delivery ke liye kam se kam ₹2,000 ka order chahiye: ₹500 aur add kijiye.",
            "*PICKUP*"]),
    ])  # fmt: skip


def test_an_unknown_area_is_asked_by_number_in_hinglish(
    mumbai: tuple[TenantInfo, WhatsApp], database: Database
) -> None:
    _, phone = mumbai
    run_turns(phone, [
        ("2 jollof", []),
        ("delivery chahiye", []),
        ("B-204, Rizvi Complex", ["*B-204, Rizvi Complex* kaunse area mein hai?", "2. Andheri"]),
        ("1", ["Delivery (Bandra): ₹40"]),
    ])  # fmt: skip


def test_bandra_mein_deliver_karo_names_the_area(
    mumbai: tuple[TenantInfo, WhatsApp], database: Database
) -> None:
    shop, phone = mumbai
    run_turns(phone, [("2 jollof chahiye", []),
                      ("Bandra mein deliver karo", ["Delivery (Bandra): ₹40"]),
                      ("haan", ["place ho gaya"])])  # fmt: skip
    assert orders_of(database, shop.id)[0].delivery["zone"] == "Bandra"
