"""Ordering in the chat while the business is closed or paused: told when it opens, the cart
kept for opening, one message at opening (once, outside quiet hours), and YES places it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.language.lexicon import pack_data
from bot.opening import HOLD_KEY, ask_at_opening
from orders_core.db import Database
from orders_core.models import Conversation, Message, Order
from orders_core.services.tenants import get_tenant, update_tenant_settings
from tests.bot.chat_cart import open_cart, seed_cart
from tests.conftest import TenantInfo
from tests.statements import counting
from tests.webhooks.twilio_helpers import Clock, WhatsApp

CUSTOMER = "+2348012345678"
# The clock starts on Monday 2026-11-23 at 12:00 UTC: 13:00 in Lagos.
EVENINGS = {"mon": ["18:00-23:00"], "tue": ["18:00-23:00"]}
OPENING = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)  # 18:00 in Lagos
NEW_KEYS = ("closed_now", "closed_no_opening", "paused_now", "opens_today", "opens_tomorrow",
            "opens_on", "weekdays", "closed_kept", "closed_not_kept", "opening_now")  # fmt: skip


def set_tenant(database: Database, tenant: TenantInfo, **changes: Any) -> None:
    with database.write() as session:
        update_tenant_settings(session, get_tenant(session, tenant.id), changes)


def orders(database: Database) -> list[Order]:
    with database.read() as session:
        return list(session.scalars(select(Order)))


def chat(database: Database) -> Conversation:
    with database.read() as session:
        return session.scalars(select(Conversation).where(Conversation.phone == CUSTOMER)).one()


def opening_messages(database: Database) -> list[Message]:
    with database.read() as session:
        query = select(Message).where(Message.dedupe_key.like("opening:%")).order_by(Message.id)
        return list(session.scalars(query))


def hold_suya(whatsapp: WhatsApp) -> str:
    """A customer with a saved address orders 1 suya and confirms; the reply to the YES."""
    whatsapp.send("address: 9 Ojuelegba Road")
    whatsapp.send("1 suya")
    summary = whatsapp.send("yes").text
    assert "We open today at 18:00." in summary and "Reply *YES*" in summary
    return whatsapp.send("yes").text


def test_closed_order_is_kept_asked_once_at_opening_and_placed_by_yes(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo, clock: Clock
) -> None:
    set_tenant(database, tenant, opening_hours=EVENINGS)
    kept = hold_suya(whatsapp)
    assert "Sorry, we're closed right now. We open today at 18:00." in kept
    assert "one more *YES* then places your order" in kept
    assert orders(database) == []
    assert chat(database).data[HOLD_KEY]["channel"] == "whatsapp"
    assert [line["quantity"] for line in open_cart(database)] == [1]

    assert ask_at_opening(database, now=datetime(2026, 11, 23, 16, 59, tzinfo=UTC)) == 0
    assert ask_at_opening(database, now=OPENING) == 1
    assert ask_at_opening(database, now=OPENING) == 0  # run twice: messaged once
    (message,) = opening_messages(database)
    assert message.to_number == f"whatsapp:{CUSTOMER}" and message.kind == "reminder"
    assert message.body is not None and "We're open now!" in message.body
    assert "1 × Beef Suya" in message.body and "Reply *YES* to place the order" in message.body
    assert HOLD_KEY not in chat(database).data
    assert chat(database).state == "awaiting_confirmation"

    clock.now = OPENING.replace(minute=5)
    assert "placed" in whatsapp.send("yes").text
    assert [order.status for order in orders(database)] == ["pending"]
    assert open_cart(database) == []


def test_no_drops_the_hold_and_keeps_the_cart(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    set_tenant(database, tenant, opening_hours=EVENINGS)
    hold_suya(whatsapp)
    answer = whatsapp.send("no").text
    assert "I won't hold it for opening" in answer and "1 × Beef Suya" in answer
    assert HOLD_KEY not in chat(database).data
    assert len(open_cart(database)) == 1
    assert ask_at_opening(database, now=OPENING) == 0
    assert opening_messages(database) == []


def test_cancel_drops_the_cart_and_nothing_is_sent_at_opening(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    set_tenant(database, tenant, opening_hours=EVENINGS)
    hold_suya(whatsapp)
    whatsapp.send("cancel")
    assert open_cart(database) == []
    assert ask_at_opening(database, now=OPENING) == 0
    assert orders(database) == []


def test_a_customer_back_after_opening_orders_without_waiting_for_the_job(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo, clock: Clock
) -> None:
    set_tenant(database, tenant, opening_hours={"mon": ["14:00-23:00"]})
    whatsapp.send("address: 9 Ojuelegba Road")
    whatsapp.send("1 suya")
    assert "We open today at 14:00." in whatsapp.send("yes").text
    assert "kept your cart" in whatsapp.send("yes").text
    clock.advance(minutes=65)  # 14:05 in Lagos, within the cart's two hours
    assert (
        "closed" not in whatsapp.send("yes").text
    )  # the summary again, now without the closed notice
    assert "placed" in whatsapp.send("yes").text
    assert HOLD_KEY not in chat(database).data
    assert ask_at_opening(database, now=clock.now) == 0


def test_a_held_cart_outlives_the_idle_limit_until_opening(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo, clock: Clock
) -> None:
    set_tenant(database, tenant, opening_hours=EVENINGS)
    hold_suya(whatsapp)
    clock.now = OPENING.replace(hour=16)  # hours later, past the cart's idle limit
    reply = whatsapp.send("1 chapman").text
    assert "1 × Beef Suya" in reply and "1 × Chapman" in reply
    assert "expired" not in reply
    assert HOLD_KEY in chat(database).data
    assert ask_at_opening(database, now=OPENING) == 1


def test_pause_says_its_message_and_resuming_asks_the_customer(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo, clock: Clock
) -> None:
    set_tenant(database, tenant, orders_paused=True, paused_message="Kitchen is full, back soon.")
    whatsapp.send("address: 9 Ojuelegba Road")
    whatsapp.send("1 suya")
    whatsapp.send("yes")
    kept = whatsapp.send("yes").text
    assert "Sorry, we're not taking orders right now. Kitchen is full, back soon." in kept
    assert "I've kept your cart" in kept
    assert ask_at_opening(database, now=clock.now) == 0  # still paused
    set_tenant(database, tenant, orders_paused=False)
    assert ask_at_opening(database, now=clock.now) == 1
    assert len(opening_messages(database)) == 1


def test_no_opening_ahead_keeps_nothing_for_later(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    set_tenant(database, tenant, opening_hours={})
    whatsapp.send("address: 9 Ojuelegba Road")
    whatsapp.send("1 suya")
    whatsapp.send("yes")
    answer = whatsapp.send("yes").text
    assert "Sorry, we're closed and not taking orders for now." in answer
    assert "kept your cart" not in answer
    assert HOLD_KEY not in chat(database).data
    assert orders(database) == []


def test_opening_at_dawn_waits_out_quiet_hours(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo, clock: Clock
) -> None:
    # Monday 13:00 in Lagos: next opening Tuesday 06:00; quiet hours end at 08:00.
    set_tenant(database, tenant, opening_hours={"tue": ["06:00-12:00"]})
    whatsapp.send("address: 9 Ojuelegba Road")
    whatsapp.send("1 suya")
    assert "We open tomorrow at 06:00." in whatsapp.send("yes").text
    assert "kept your cart" in whatsapp.send("yes").text
    assert ask_at_opening(database, now=datetime(2026, 11, 24, 5, 0, tzinfo=UTC)) == 0
    assert ask_at_opening(database, now=datetime(2026, 11, 24, 7, 0, tzinfo=UTC)) == 1


def test_opening_later_in_the_week_names_the_day_and_holidays_are_skipped(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    set_tenant(database, tenant, opening_hours=EVENINGS | {"fri": ["11:00-15:00"]},
               closed_dates=["2026-11-23", "2026-11-24"])  # fmt: skip
    whatsapp.send("address: 9 Ojuelegba Road")
    whatsapp.send("1 suya")
    assert "We open on Friday at 11:00." in whatsapp.send("yes").text


def test_the_menu_and_the_cart_work_while_closed(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    set_tenant(database, tenant, opening_hours={})
    assert "Suya" in whatsapp.send("menu").text
    assert "1 × Beef Suya" in whatsapp.send("1 suya").text


def test_open_hours_change_nothing(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    set_tenant(database, tenant, opening_hours={"mon": ["00:00-00:00"]})
    whatsapp.send("address: 9 Ojuelegba Road")
    whatsapp.send("1 suya")
    assert "closed" not in whatsapp.send("yes").text
    assert "placed" in whatsapp.send("yes").text


@pytest.mark.parametrize("lang", ["en", "pcm", "hi", "sw"])
def test_each_language_has_the_closed_hours_replies(lang: str) -> None:
    replies = pack_data(lang)["replies"]
    english = pack_data("en")["replies"]
    for key in NEW_KEYS:
        assert key in replies
        assert set(re.findall(r"{(\w+)}", replies[key])) == set(
            re.findall(r"{(\w+)}", english[key])
        )
    assert len(replies["weekdays"].split(",")) == 7


def test_with_no_cart_held_the_job_reads_once_and_writes_nothing(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    whatsapp.send("1 suya")  # an open cart, not held
    with counting(database.engine) as statements:
        assert ask_at_opening(database, now=OPENING) == 0
    assert len(statements) == 1 and statements.writes == []


def test_each_business_opens_on_its_own_clock(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo, other_tenant: TenantInfo
) -> None:
    set_tenant(database, tenant, opening_hours=EVENINGS)
    set_tenant(database, other_tenant, orders_paused=True)
    hold_suya(whatsapp)
    with database.write() as session:  # a held cart at the other business, still paused
        seed_cart(session, other_tenant.id, "+254722000001", {"prod_jollof": 1},
                  data={HOLD_KEY: {"at": "2026-11-23T12:00:00+00:00", "channel": "whatsapp"}})  # fmt: skip
    assert ask_at_opening(database, now=OPENING) == 1
    assert [m.customer_phone for m in opening_messages(database)] == [CUSTOMER]
