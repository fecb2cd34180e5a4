"""Staff take a customer's chat over from the staff phone: REPLY, the bot quiet, BOT ON."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from orders_core.db import Database
from orders_core.demo import DEMO_CUSTOMER, DEMO_STAFF, DEMO_WHATSAPP
from orders_core.models import Conversation, Message, Tenant, TimelineEvent
from orders_core.services.orders import get_order
from tests.bot.test_staff import make_order
from tests.conftest import TenantInfo
from tests.webhooks.test_pages import sign_in
from tests.webhooks.twilio_helpers import Clock, WhatsApp

RIDER = "your rider is at the gate"


def staff(whatsapp: WhatsApp, text: str) -> str:
    return whatsapp.send(text, from_=DEMO_STAFF).text


def outbound(database: Database, to: str, kind: str) -> list[Message]:
    with database.read() as session:
        return list(
            session.scalars(
                select(Message)
                .where(
                    Message.direction == "outbound",
                    Message.customer_phone == to,
                    Message.kind == kind,
                    Message.status == "pending",
                )
                .order_by(Message.id)
            )
        )


def conversation(database: Database, phone: str = DEMO_CUSTOMER) -> Conversation:
    with database.read() as session:
        row = session.scalar(select(Conversation).where(Conversation.phone == phone))
        assert row is not None
        return row


def taken_over(whatsapp: WhatsApp, database: Database, tenant: TenantInfo) -> int:
    """The customer wrote, ordered by API, and staff replied: the chat is staff's now."""
    assert whatsapp.send("hi").text
    number = make_order(database, tenant)
    answer = staff(whatsapp, f"reply {number} {RIDER}")
    assert answer.startswith(f"Sent to {DEMO_CUSTOMER}"), answer
    return number


def test_a_staff_reply_goes_from_the_business_number_and_quiets_the_bot(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo, clock: Clock
) -> None:
    number = taken_over(whatsapp, database, tenant)

    [sent] = outbound(database, DEMO_CUSTOMER, "reply")
    assert sent.body == RIDER and sent.from_number == f"whatsapp:{DEMO_WHATSAPP}"
    assert sent.to_number == f"whatsapp:{DEMO_CUSTOMER}" and sent.channel == "whatsapp"
    assert sent.payload == {"staff": f"staff:{DEMO_STAFF}"}
    assert conversation(database).taken_over_until == clock.now.replace(minute=30)
    with database.read() as session:
        order = get_order(session, tenant.id, str(number))
        assert sent.order_id == order.id
        kinds = session.scalars(
            select(TimelineEvent.kind).where(TimelineEvent.order_id == order.id)
        ).all()
    assert "staff.replied" in kinds

    clock.advance(minutes=1)
    answer = whatsapp.send("ok, coming down. 2 jollof as well")

    assert answer.messages == []
    with database.read() as session:
        inbound = session.scalars(
            select(Message).where(Message.direction == "inbound").order_by(Message.id.desc())
        ).first()
        replies = session.scalars(
            select(Message).where(
                Message.kind == "reply",
                Message.status == "sent",
                Message.customer_phone == DEMO_CUSTOMER,
            )
        ).all()
    assert inbound is not None and inbound.body == "ok, coming down. 2 jollof as well"
    assert inbound.order_id == order.id
    assert len(replies) == 1  # only the "hi" was answered by the bot
    [forwarded] = outbound(database, DEMO_STAFF, "alert")[-1:]
    assert "ok, coming down" in (forwarded.body or "")
    assert f"REPLY {number}" in (forwarded.body or "")
    assert f"BOT ON {number}" in (forwarded.body or "")


def test_bot_on_hands_the_chat_back(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo, clock: Clock
) -> None:
    number = taken_over(whatsapp, database, tenant)

    assert staff(whatsapp, f"bot on {number}") == f"The bot answers {DEMO_CUSTOMER} again."
    assert staff(whatsapp, f"BOT ON {number}") == f"The bot is already answering {DEMO_CUSTOMER}."

    assert conversation(database).taken_over_until is None
    assert "menu" in whatsapp.send("menu").text.lower()


def test_the_bot_answers_again_after_the_takeover_time(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo, clock: Clock
) -> None:
    taken_over(whatsapp, database, tenant)
    clock.advance(minutes=29)
    assert whatsapp.send("hello?").messages == []

    clock.advance(minutes=2)
    assert whatsapp.send("menu").messages != []


def test_the_takeover_time_is_a_tenant_setting(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo, clock: Clock
) -> None:
    with database.write() as session:
        row = session.get(Tenant, tenant.id)
        assert row is not None
        row.settings = {**row.settings, "takeover_minutes": 5}
    number = taken_over(whatsapp, database, tenant)
    assert "5 minutes" in staff(whatsapp, f"reply {number} one moment")

    clock.advance(minutes=4)
    assert whatsapp.send("hello?").messages == []
    clock.advance(minutes=2)
    assert whatsapp.send("menu").messages != []


def test_a_reply_outside_the_24_hour_window_is_refused(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo, clock: Clock
) -> None:
    assert whatsapp.send("hi").text
    number = make_order(database, tenant)
    clock.advance(hours=24)

    answer = staff(whatsapp, f"reply {number} {RIDER}")

    assert answer.startswith("Not sent:") and "24 hours" in answer
    assert outbound(database, DEMO_CUSTOMER, "reply") == []
    assert conversation(database).taken_over_until is None


def test_a_customer_who_never_wrote_cannot_get_free_text(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    number = make_order(database, tenant, phone="+2348099999999")

    answer = staff(whatsapp, f"reply {number} hello")

    assert answer.startswith("Not sent:")
    assert outbound(database, "+2348099999999", "reply") == []


def test_reply_by_phone_number_and_usage(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    assert whatsapp.send("hi").text

    answer = staff(whatsapp, f"reply {DEMO_CUSTOMER} hello from the kitchen")

    assert answer.startswith(f"Sent to {DEMO_CUSTOMER}")
    [sent] = outbound(database, DEMO_CUSTOMER, "reply")
    assert sent.body == "hello from the kitchen" and sent.order_id is None
    assert "REPLY 1042" in staff(whatsapp, "reply")
    assert "REPLY 1042" in staff(whatsapp, "reply nobody hello")
    assert "No order" in staff(whatsapp, "reply 9999 hello") or "9999" in staff(
        whatsapp, "reply 9999 hello"
    )
    assert "REPLY 1042" in staff(whatsapp, "help")


def test_stop_still_works_during_a_takeover(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    number = taken_over(whatsapp, database, tenant)

    assert "unsubscribed" in whatsapp.send("STOP").text

    assert staff(whatsapp, f"reply {number} hello").startswith("Not sent:")


def test_asking_for_a_person_tells_staff_how_to_answer(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    answer = whatsapp.send("I want to talk to a person")

    assert "someone will reply" in answer.text
    [alert] = outbound(database, DEMO_STAFF, "alert")
    assert f"REPLY {DEMO_CUSTOMER} your message" in (alert.body or "")
    assert staff(whatsapp, f"reply {DEMO_CUSTOMER} Hi Amara, Tunde here").startswith("Sent")


def dashboard(chat_app: Flask, tenant: TenantInfo) -> tuple[FlaskClient, str]:
    """A browser signed in to the dashboard of the app on the test clock; its CSRF token."""
    client = chat_app.test_client()
    return client, sign_in(client, tenant.key)


def test_the_order_page_replies_and_hands_back(
    chat_app: Flask, whatsapp: WhatsApp, database: Database, tenant: TenantInfo, clock: Clock
) -> None:
    assert whatsapp.send("hi").text
    number = make_order(database, tenant)
    client, token = dashboard(chat_app, tenant)
    page = f"/dashboard/orders/{number}"
    assert "The bot answers this customer" in client.get(page).get_data(as_text=True)
    assert client.post(f"{page}/reply", data={"body": RIDER}).status_code == 400  # no CSRF

    sent = client.post(f"{page}/reply", data={"body": RIDER, "csrf_token": token, "next": page})

    assert sent.status_code == 303 and sent.location == page
    html = client.get(page).get_data(as_text=True)
    assert "Sent. The bot stays quiet in this chat for 30 minutes." in html
    assert "Hand back to the bot" in html and "by staff" in html and RIDER in html
    [message] = outbound(database, DEMO_CUSTOMER, "reply")
    assert message.payload == {"staff": "dashboard"} and message.body == RIDER

    assert whatsapp.send("thank you, coming").messages == []
    assert "thank you, coming" in client.get(page).get_data(as_text=True)
    assert all("thank you" not in (m.body or "") for m in outbound(database, DEMO_STAFF, "alert"))

    back = client.post(f"{page}/handback", data={"csrf_token": token, "next": page})
    assert back.status_code == 303
    html = client.get(page).get_data(as_text=True)
    assert "The bot answers this customer again." in html
    assert "Hand back to the bot" not in html
    assert whatsapp.send("menu").messages != []


def test_the_order_page_refuses_a_reply_outside_the_window(
    chat_app: Flask, whatsapp: WhatsApp, database: Database, tenant: TenantInfo, clock: Clock
) -> None:
    number = make_order(database, tenant, phone="+2348099999999")
    client, token = dashboard(chat_app, tenant)
    page = f"/dashboard/orders/{number}"

    client.post(f"{page}/reply", data={"body": "hello", "csrf_token": token, "next": page})

    html = client.get(page).get_data(as_text=True)
    assert "Not sent:" in html and "24 hours" in html
    assert outbound(database, "+2348099999999", "reply") == []
