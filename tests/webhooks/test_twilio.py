"""The Twilio inbound edge: signatures, tenants, replays, odd bodies, TwiML."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import func, select

from orders_core.db import Database
from orders_core.models import Conversation, Customer, Message
from orders_core.settings import Settings
from tests.bot.chat_cart import open_cart
from tests.conftest import TenantInfo
from tests.webhooks.twilio_helpers import MESSAGES_PATH, Clock, WhatsApp, post_concurrently
from webhooks.app import create_app


@pytest.fixture
def whatsapp(app: Flask, settings: Settings, tenant: TenantInfo) -> WhatsApp:
    """A customer's phone posting signed webhooks to the demo business."""
    assert settings.twilio_auth_token is not None
    return WhatsApp(
        app.test_client(), token=settings.twilio_auth_token, base_url=settings.public_base_url
    )


def count(database: Database, model: type) -> int:
    with database.read() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def nothing_stored(database: Database) -> bool:
    return all(count(database, m) == 0 for m in (Message, Conversation, Customer))


def test_a_signed_message_is_answered_in_twiml_and_recorded(
    whatsapp: WhatsApp, database: Database
) -> None:
    answer = whatsapp.send("hi")

    assert answer.response.content_type.startswith("text/xml")
    assert "Mama Put Lagos" in answer.text
    with database.read() as session:
        inbound, reply = session.scalars(select(Message).order_by(Message.id)).all()
        customer = session.scalars(select(Customer)).one()
    assert (inbound.direction, inbound.sid, inbound.body) == ("inbound", answer.sid, "hi")
    assert inbound.payload["ProfileName"] == "Amara" and "ApiVersion" not in inbound.payload
    assert (reply.direction, reply.kind, reply.status, reply.sid) == (
        "outbound",
        "reply",
        "sent",
        None,
    )
    assert reply.body == answer.text
    assert (customer.name, customer.whatsapp) == ("Amara", True)
    assert customer.last_inbound_at is not None


@pytest.mark.parametrize("signature", [None, "", "bm90IGEgc2lnbmF0dXJl", "signed-for-another-url"])
def test_a_bad_signature_is_403_and_nothing_is_stored(
    whatsapp: WhatsApp, database: Database, signature: str | None
) -> None:
    form = whatsapp.form("2 jollof")
    if signature == "signed-for-another-url":
        signature = whatsapp.validator.compute_signature(
            "https://evil.example" + MESSAGES_PATH, form
        )
    headers = {} if signature is None else {"X-Twilio-Signature": signature}

    response = whatsapp.client.post(MESSAGES_PATH, data=form, headers=headers)

    assert response.status_code == 403
    assert nothing_stored(database)


def test_a_tampered_body_is_403(whatsapp: WhatsApp, database: Database) -> None:
    form = whatsapp.form("1 water")
    signature = whatsapp.signature(MESSAGES_PATH, form)
    form["Body"] = "50 jollof"

    assert whatsapp.post(MESSAGES_PATH, form, signature=signature).status_code == 403
    assert nothing_stored(database)


def test_the_signature_is_checked_against_the_public_url_behind_a_proxy(
    whatsapp: WhatsApp, database: Database
) -> None:
    """The app sees http://10.0.0.5:8000/...; Twilio signed https://chatorders.example.com/..."""
    form = whatsapp.form("menu")

    response = whatsapp.post(
        MESSAGES_PATH,
        form,
        base_url="http://10.0.0.5:8000",
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    )

    assert response.status_code == 200


def test_the_query_string_is_part_of_the_signed_url(whatsapp: WhatsApp) -> None:
    form = whatsapp.form("menu")
    path = MESSAGES_PATH + "?tenant=demo&x=1"

    without_query = whatsapp.signature(MESSAGES_PATH, form)

    assert whatsapp.post(path, form, signature=without_query).status_code == 403
    assert whatsapp.post(path, form).status_code == 200


def test_an_unknown_business_number_is_404_and_nothing_is_stored(
    whatsapp: WhatsApp, database: Database
) -> None:
    whatsapp.to = "+2349099999999"
    form = whatsapp.form("2 jollof")

    assert whatsapp.post(MESSAGES_PATH, form).status_code == 404
    assert nothing_stored(database)


def test_a_missing_from_is_400(whatsapp: WhatsApp, database: Database) -> None:
    form = whatsapp.form("hi")
    del form["From"]

    assert whatsapp.post(MESSAGES_PATH, form).status_code == 400
    assert nothing_stored(database)


def test_unknown_fields_are_ignored(whatsapp: WhatsApp, database: Database) -> None:
    answer = whatsapp.send("hi", SomethingNew="42", ChannelMetadata='{"x": 1}')

    with database.read() as session:
        inbound = session.scalars(select(Message).where(Message.sid == answer.sid)).one()
    assert "SomethingNew" not in inbound.payload


def test_the_same_message_sid_twice_is_processed_once(
    whatsapp: WhatsApp, database: Database
) -> None:
    form = whatsapp.form("2 jollof")

    first = whatsapp.post(MESSAGES_PATH, form)
    second = whatsapp.post(MESSAGES_PATH, form)

    assert first.status_code == second.status_code == 200
    assert "Jollof" in first.get_data(as_text=True)
    assert second.get_data(as_text=True) == first.get_data(as_text=True)  # the same answer
    assert count(database, Message) == 2  # one inbound, one reply


def post_at_once(
    settings: Settings,
    database: Database,
    forms: list[dict[str, str]],
    bodies: list[str] | None = None,
) -> list[int]:
    """POST each form from its own thread and app instance, all released together."""
    assert settings.twilio_auth_token is not None
    token, base_url = settings.twilio_auth_token, settings.public_base_url
    return post_concurrently(
        [
            WhatsApp(
                create_app(settings, db=database).test_client(), token=token, base_url=base_url
            )
            for _ in forms
        ],
        forms,
        bodies,
    )


def test_two_copies_at_once_store_one_message(
    whatsapp: WhatsApp, settings: Settings, database: Database
) -> None:
    """Twilio retrying while the first attempt is still being processed."""
    form = whatsapp.form("3 jollof")

    bodies: list[str] = []
    assert post_at_once(settings, database, [form, form], bodies) == [200, 200]

    assert bodies[0] == bodies[1] and "Jollof" in bodies[0]  # the copy hears the same answer

    with database.read() as session:
        inbound = session.scalars(select(Message).where(Message.direction == "inbound")).all()
        replies = session.scalars(select(Message).where(Message.direction == "outbound")).all()
    assert [m.sid for m in inbound] == [form["MessageSid"]]
    assert len(replies) == 1
    assert open_cart(database)[0]["quantity"] == 3


def test_one_customers_messages_at_once_are_handled_one_by_one(
    whatsapp: WhatsApp, settings: Settings, database: Database
) -> None:
    """Neither message's cart change is lost: the conversation row is locked per customer."""
    forms = [whatsapp.form(body) for body in ("1 jollof", "1 chapman", "1 zobo", "1 suya")]

    assert post_at_once(settings, database, forms) == [200] * 4

    assert sorted(line["code"] for line in open_cart(database)) == [
        "prod_chapman",
        "prod_jollof",
        "prod_suya",
        "prod_zobo",
    ]


@pytest.fixture
def unsigned_app(settings: Settings, database: Database) -> Iterator[Flask]:
    """The app with signature checking turned off, as in local development (no Twilio)."""
    local = settings.model_copy(
        update={
            "twilio_skip_signature_check": True,
            "twilio_account_sid": None,
            "twilio_auth_token": None,
        }
    )
    yield create_app(local, db=database)


def test_the_skip_setting_is_ignored_when_twilio_credentials_are_set(
    settings: Settings, database: Database, tenant: TenantInfo
) -> None:
    app = create_app(settings.model_copy(update={"twilio_skip_signature_check": True}), db=database)
    phone = WhatsApp(app.test_client(), token="whatever", base_url="http://x")

    assert phone.post(MESSAGES_PATH, phone.form("hi"), signature="").status_code == 403


def test_the_check_can_be_turned_off_explicitly_and_warns(
    unsigned_app: Flask, tenant: TenantInfo, caplog: pytest.LogCaptureFixture
) -> None:
    phone = WhatsApp(unsigned_app.test_client(), token="whatever", base_url="http://x")

    response = phone.post(MESSAGES_PATH, phone.form("hi"), signature="")

    assert response.status_code == 200
    assert "NOT checked" in caplog.text


BODIES = {
    "empty": "",
    "whitespace": "   \n\t ",
    "long": "2 jollof and a chapman pls " * 70,
    "emoji": "🍛🍛 jollof 🔥🔥 x2 🙏🏾",
    "devanagari": "मुझे दो जोलोफ चाहिए",
    "arabic": "أريد اثنين من الأرز",
    "nul": "jollof\x00 2",
    "symbols": "<Response><Message>hi</Message></Response> & ' \" %s {0}",
}


@pytest.mark.parametrize("body", BODIES.values(), ids=BODIES.keys())
def test_odd_bodies_always_get_an_answer(whatsapp: WhatsApp, body: str) -> None:
    answer = whatsapp.send(body)

    assert answer.messages and all(0 < len(m) <= 1600 for m in answer.messages)


def test_a_long_body_is_stored_whole(whatsapp: WhatsApp, database: Database) -> None:
    body = BODIES["long"]
    assert len(body) > 1600

    answer = whatsapp.send(body)

    with database.read() as session:
        inbound = session.scalars(select(Message).where(Message.sid == answer.sid)).one()
    assert inbound.body == body


def test_no_body_field_at_all(whatsapp: WhatsApp) -> None:
    assert "MENU" in whatsapp.send(None).text


def test_media_only_gets_help_and_is_recorded(whatsapp: WhatsApp, database: Database) -> None:
    answer = whatsapp.send(
        "",
        NumMedia="1",
        MediaUrl0="https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1",
        MediaContentType0="image/jpeg",
    )

    assert "only read text" in answer.text
    with database.read() as session:
        inbound = session.scalars(select(Message).where(Message.sid == answer.sid)).one()
    assert inbound.media == [
        {
            "url": "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1",
            "content_type": "image/jpeg",
        }
    ]


def test_sms_messages_are_answered_on_sms(whatsapp: WhatsApp, database: Database) -> None:
    answer = whatsapp.send("hi", channel="sms")

    with database.read() as session:
        reply = session.scalars(select(Message).where(Message.direction == "outbound")).one()
        customer = session.scalars(select(Customer)).one()
    assert answer.text
    assert (reply.channel, reply.to_number) == ("sms", "+2348012345678")
    assert customer.whatsapp is False


def test_clock_is_the_apps_not_the_wall(
    settings: Settings, database: Database, tenant: TenantInfo
) -> None:
    clock = Clock()
    app = create_app(settings, db=database, extras={"clock": clock})
    assert settings.twilio_auth_token is not None
    phone = WhatsApp(
        app.test_client(), token=settings.twilio_auth_token, base_url=settings.public_base_url
    )

    phone.send("hi")

    with database.read() as session:
        assert session.scalars(select(Customer)).one().last_inbound_at == clock.now
