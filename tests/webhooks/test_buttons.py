"""Buttons and lists: replies sent as Content templates through the real twilio library, and
taps (ButtonPayload, ListId) posted signed as Twilio posts them, read as the words they mean."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from orders_core.db import Database
from orders_core.demo import DEMO_STAFF
from orders_core.models import Message, Order
from orders_core.settings import Settings
from tests.conftest import TenantInfo, make_tenant
from tests.twilio_recorder import Harness, make_harness
from tests.webhooks.twilio_helpers import Answer, WhatsApp, new_sid

CART_SID = "HX" + "c1" * 16
LIST_SID = "HX" + "d1" * 16
STAFF_SID = "HX" + "5b" * 16
TEMPLATES = {
    "chat.cart_summary": {"content_sid": CART_SID, "variables": ["body", "cart"]},
    "chat.did_you_mean": {
        "content_sid": LIST_SID,
        "variables": ["body", "item_1", "code_1", "price_1", "item_2", "code_2", "price_2"],
    },
    "staff.new_order_buttons": {"content_sid": STAFF_SID, "variables": ["body", "order_number"]},
}
ADDRESS = "12 Admiralty Way, Lekki"


@pytest.fixture
def shop(database: Database) -> TenantInfo:
    """The demo business with approved button and list templates."""
    return make_tenant(database, settings={"templates": TEMPLATES})


def phone(app: Flask, settings: Settings, **kwargs: Any) -> WhatsApp:
    assert settings.twilio_auth_token is not None
    return WhatsApp(
        app.test_client(),
        token=settings.twilio_auth_token,
        base_url=settings.public_base_url,
        **kwargs,
    )


@pytest.fixture
def customer(app: Flask, settings: Settings, shop: TenantInfo) -> WhatsApp:
    return phone(app, settings)


@pytest.fixture
def staff(app: Flask, settings: Settings, shop: TenantInfo) -> WhatsApp:
    return phone(app, settings, from_=DEMO_STAFF, profile_name="Staff")


def tap(whatsapp: WhatsApp, payload: str, title: str, *, sid: str | None = None) -> Answer:
    """A quick-reply tap as Twilio posts it: the title as Body, ButtonPayload and ButtonText."""
    return whatsapp.send(
        title, sid=sid, ButtonPayload=payload, ButtonText=title, MessageType="button"
    )


def pick(whatsapp: WhatsApp, item_id: str, title: str) -> Answer:
    """A list-picker selection (the item's id as ListId, and as ButtonPayload too is fine)."""
    return whatsapp.send(title, ListId=item_id, ListTitle=title, MessageType="interactive")


def replies(database: Database) -> list[Message]:
    with database.read() as session:
        return list(
            session.scalars(
                select(Message).where(Message.direction == "outbound").order_by(Message.id)
            )
        )


def orders(database: Database) -> int:
    with database.read() as session:
        return int(session.scalar(select(func.count()).select_from(Order)) or 0)


def to_summary(customer: WhatsApp) -> Answer:
    customer.send("2 jollof")
    customer.send("yes")
    return customer.send(ADDRESS)


def test_the_cart_summary_goes_with_buttons_through_the_rest_api(
    customer: WhatsApp, database: Database
) -> None:
    answer = to_summary(customer)

    assert answer.messages == []  # TwiML cannot carry a template: the REST API sends it
    summary = replies(database)[-1]
    assert (summary.status, summary.content_sid, summary.kind) == ("pending", CART_SID, "reply")
    assert summary.body is not None and "Reply *YES* to place the order" in summary.body
    assert summary.content_variables is not None
    assert summary.content_variables["1"] == summary.body
    token = summary.content_variables["2"]

    harness = make_harness(database, customer_settings(customer))
    harness.advance(seconds=1)
    harness.dispatch()
    [sent] = harness.recorder.sent
    assert sent["ContentSid"] == CART_SID and "Body" not in sent
    assert json.loads(sent["ContentVariables"]) == {"1": summary.body, "2": token}

    placed = tap(customer, f"place_order:{token}", "Place order")
    assert "#1001" in placed.text and orders(database) == 1
    assert replies(database)[-1].content_sid is None  # "placed" is plain text


def customer_settings(whatsapp: WhatsApp) -> Settings:
    app = whatsapp.client.application
    return app.extensions["chatorders"].settings


def test_without_templates_everything_stays_plain_text(
    app: Flask, settings: Settings, tenant: TenantInfo, database: Database
) -> None:
    customer = phone(app, settings)
    answer = to_summary(customer)
    assert "Reply *YES* to place the order" in answer.text
    assert all(m.status == "sent" and m.content_sid is None for m in replies(database))
    placed = tap(customer, "place_order", "Place order")  # a bare payload still works
    assert "#1001" in placed.text


def test_sms_customers_get_plain_text(customer: WhatsApp, database: Database) -> None:
    customer.send("2 jollof", channel="sms")
    customer.send("yes", channel="sms")
    answer = customer.send(ADDRESS, channel="sms")
    assert "Reply *YES* to place the order" in answer.text
    assert all(m.content_sid is None for m in replies(database))


def test_a_place_order_tap_on_a_cart_that_changed_places_nothing(
    customer: WhatsApp, database: Database
) -> None:
    to_summary(customer)
    old_token = replies(database)[-1].content_variables["2"]  # type: ignore[index]
    customer.send("add 1 chapman")

    tap(customer, f"place_order:{old_token}", "Place order")

    assert orders(database) == 0
    again = replies(database)[-1]
    assert again.body is not None and again.body.startswith("Your cart changed")
    assert "Chapman" in again.body and again.content_sid == CART_SID
    assert again.content_variables["2"] != old_token  # type: ignore[index]
    placed = tap(customer, f"place_order:{again.content_variables['2']}", "Place order")  # type: ignore[index]
    assert "#1001" in placed.text and orders(database) == 1


def test_a_second_tap_after_placing_and_a_replayed_tap_have_one_effect(
    customer: WhatsApp, database: Database
) -> None:
    to_summary(customer)
    token = replies(database)[-1].content_variables["2"]  # type: ignore[index]
    sid = new_sid()
    first = tap(customer, f"place_order:{token}", "Place order", sid=sid)
    replayed = tap(customer, f"place_order:{token}", "Place order", sid=sid)
    later = tap(customer, f"place_order:{token}", "Place order")

    assert "#1001" in first.text and replayed.text == first.text  # the same answer again
    assert "#1001" in later.text and "already" in later.text.lower()
    assert orders(database) == 1


def test_edit_cart_goes_back_to_the_cart(customer: WhatsApp, database: Database) -> None:
    to_summary(customer)
    token = replies(database)[-1].content_variables["2"]  # type: ignore[index]
    answer = tap(customer, f"edit_cart:{token}", "Edit cart")
    assert "haven't placed anything" in answer.text and orders(database) == 0


def test_did_you_mean_is_a_list_and_a_pick_adds_the_product(
    customer: WhatsApp, database: Database
) -> None:
    answer = customer.send("2 rice")
    assert answer.messages == []
    question = replies(database)[-1]
    assert question.content_sid == LIST_SID
    variables = question.content_variables or {}
    assert (variables["2"], variables["3"]) == ("Jollof Rice (Large)", "prod_jollof")
    assert (variables["5"], variables["6"], variables["7"]) == (
        "Fried Rice",
        "prod_friedrice",
        "₦3,500",
    )

    picked = pick(customer, "pick:prod_friedrice", "Fried Rice")
    assert "2 × Fried Rice" in picked.text


def test_an_unknown_payload_is_read_as_the_button_text(customer: WhatsApp) -> None:
    answer = tap(customer, "something_else:42", "menu")
    assert "Jollof" in answer.text


def test_staff_confirm_and_a_late_reject_tap(
    customer: WhatsApp, staff: WhatsApp, database: Database
) -> None:
    staff.send("orders")  # inside WhatsApp's window: the alert may carry buttons
    to_summary(customer)
    token = replies(database)[-1].content_variables["2"]  # type: ignore[index]
    tap(customer, f"place_order:{token}", "Place order")
    alert = [m for m in replies(database) if m.kind == "alert"][-1]
    assert alert.content_sid == STAFF_SID
    assert alert.content_variables == {"1": alert.body, "2": "1001"}

    confirmed = tap(staff, "confirm:1001", "Confirm")
    assert "1001" in confirmed.text and "confirmed" in confirmed.text.lower()
    late = tap(staff, "reject:1001", "Reject")
    assert "no longer applies" in late.text
    with database.read() as session:
        assert session.scalars(select(Order.status)).one() == "confirmed"


def test_staff_outside_the_window_get_the_alert_as_text(
    customer: WhatsApp, database: Database
) -> None:
    to_summary(customer)
    token = replies(database)[-1].content_variables["2"]  # type: ignore[index]
    tap(customer, f"place_order:{token}", "Place order")
    alert = [m for m in replies(database) if m.kind == "alert"][-1]
    assert alert.content_sid is None and alert.payload.get("template") == "staff.new_order"


def test_a_refused_template_is_sent_again_as_text(customer: WhatsApp, database: Database) -> None:
    to_summary(customer)
    harness: Harness = make_harness(database, customer_settings(customer))
    harness.advance(seconds=1)
    harness.recorder.queue(21211)
    harness.dispatch()
    harness.advance(seconds=1)
    harness.dispatch()

    first, second = harness.recorder.sent
    assert first["ContentSid"] == CART_SID
    assert "ContentSid" not in second and "Reply *YES* to place the order" in second["Body"]
    summary = replies(database)[-1]
    assert summary.payload["interactive_refused"]["key"] == "chat.cart_summary"
