"""Delivery or pickup and delivery zones in Nigerian Pidgin, through the signed webhook."""

from __future__ import annotations

import pytest
from flask import Flask

from orders_core.db import Database
from orders_core.settings import Settings
from tests.bot.zone_shops import market_shop, orders_of, run_turns
from tests.conftest import TenantInfo
from tests.webhooks.twilio_helpers import WhatsApp


@pytest.fixture
def lagos(database: Database, chat_app: Flask, settings: Settings) -> tuple[TenantInfo, WhatsApp]:
    return market_shop(database, chat_app, settings, "lagos")


def test_i_go_come_carry_am_is_pickup(
    lagos: tuple[TenantInfo, WhatsApp], database: Database
) -> None:
    shop, phone = lagos
    run_turns(phone, [
        ("abeg 2 jollof", []),
        ("I go come carry am", ["You go carry am for: 14 Admiralty Way, Lekki Phase 1",
                                "Reply *YES* make I place am"]),
        ("yes", ["don enter", "Come carry your order for: 14 Admiralty Way"]),
    ])  # fmt: skip
    assert orders_of(database, shop.id)[0].delivery == {"method": "pickup"}


def test_the_question_in_pidgin_and_deliver_am_is_delivery(
    lagos: tuple[TenantInfo, WhatsApp], database: Database
) -> None:
    shop, phone = lagos
    run_turns(phone, [
        ("abeg make una send 2 jollof", []),
        ("oya checkout", ["Make we bring am for you or you go come carry am?", "*1* or *2*"]),
        ("deliver am", ["Where we go bring am?", "We dey deliver to: Lekki"]),
        ("No 4 Ozumba Mbadiwe, VI", ["Delivery to Island: ₦1,000", "We go bring am for:"]),
        ("yes", ["don enter"]),
    ])  # fmt: skip
    [order] = orders_of(database, shop.id)
    assert (order.delivery["zone"], order.delivery_fee) == ("Island", 100_000)


def test_below_minimum_and_an_unknown_area_in_pidgin(
    lagos: tuple[TenantInfo, WhatsApp], database: Database
) -> None:
    _, phone = lagos
    run_turns(phone, [
        ("abeg 1 jollof", []),
        ("bring am to Ajah", ["Delivery to Lekki na for order wey reach ₦5,000: abeg add ₦1,500 more.",
                              "reply *PICKUP*"]),
        ("abeg 1 chapman", []),
        ("bring am to 7 Adeniran Ogunsanya", ["Which area *7 Adeniran Ogunsanya* dey?",
                                              "1. Lekki"]),
        ("Ogba", ["Sorry, we no dey deliver reach *Ogba*.", "Reply *PICKUP*"]),
        ("I go come carry am", ["You go carry am for:"]),
    ])  # fmt: skip
