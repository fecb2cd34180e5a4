"""Delivery or pickup and delivery zones in Swahili/Sheng: a Nairobi kitchen with areas and
a distance band around the shop."""

from __future__ import annotations

import pytest
from flask import Flask

from orders_core.db import Database
from orders_core.settings import Settings
from tests.bot.zone_shops import market_shop, orders_of, run_turns
from tests.conftest import TenantInfo
from tests.webhooks.twilio_helpers import WhatsApp


@pytest.fixture
def nairobi(database: Database, chat_app: Flask, settings: Settings) -> tuple[TenantInfo, WhatsApp]:
    return market_shop(database, chat_app, settings, "nairobi")


def test_nitakuja_kuchukua_is_pickup(
    nairobi: tuple[TenantInfo, WhatsApp], database: Database
) -> None:
    shop, phone = nairobi
    run_turns(phone, [
        ("nataka 2 jollof tafadhali", []),
        ("nitakuja kuchukua", ["Utachukua hapa: Sarit Centre, Westlands"]),
        ("ndio", ["imewekwa", "Njoo uchukue oda yako hapa: Sarit Centre, Westlands"]),
    ])  # fmt: skip
    assert orders_of(database, shop.id)[0].delivery == {"method": "pickup"}


def test_asked_in_swahili_then_delivered_to_kilimani(
    nairobi: tuple[TenantInfo, WhatsApp], database: Database
) -> None:
    shop, phone = nairobi
    run_turns(phone, [
        ("nataka 2 jollof", []),
        ("ndio", ["Tukuletee au utakuja kuchukua?", "Jibu *1* au *2*"]),
        ("niletee", ["Tunaleta: Westlands, Parklands, Kilimani"]),
        ("Argwings Kodhek Rd, Kilimani", ["Usafirishaji hadi Kilimani: KSh 250"]),
        ("ndio", ["imewekwa"]),
    ])  # fmt: skip
    [order] = orders_of(database, shop.id)
    assert (order.delivery["zone"], order.delivery_fee) == ("Kilimani", 25_000)


def test_a_pin_near_the_shop_and_the_minimum_in_swahili(
    nairobi: tuple[TenantInfo, WhatsApp], database: Database
) -> None:
    shop, phone = nairobi
    phone.send("nataka 1 chapman")
    near = phone.send("", Latitude="-1.2630", Longitude="36.8050").text
    assert "Usafirishaji hadi Karibu: KSh 50" in near
    assert "imewekwa" in phone.send("ndio").text
    run_turns(phone, [
        ("nataka 1 chapman", []),
        ("niletee Lavington", ["Usafirishaji hadi Kilimani ni kwa oda ya angalau KSh 2,000: "
                                "tafadhali ongeza KSh 500."]),
    ])  # fmt: skip
    [order] = orders_of(database, shop.id)
    assert (order.delivery["zone"], order.delivery_fee) == ("Karibu", 5_000)
