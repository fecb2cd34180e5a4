"""The simulator's WhatsApp extras over its JSON API: buttons and lists drawn from the local
template descriptions and tapped as Twilio posts taps, a location pin, a picture this server
serves, a chosen Twilio failure through the signed status callback, and the number's name."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from bot.outbound import queue_message
from orders_core.db import Database
from orders_core.demo import DEMO_CUSTOMER
from orders_core.models import Message
from orders_core.services.tenants import get_tenant
from orders_core.settings import Settings
from tests.conftest import make_tenant
from tests.webhooks.test_buttons import LIST_SID, TEMPLATES
from webhooks.app import create_app

LOCAL_URL = "http://127.0.0.1:5055"


@pytest.fixture
def sim(database: Database) -> FlaskClient:
    """The app as `chatorders serve` runs it without a Twilio account, on a shop with templates."""
    make_tenant(database, settings={"templates": TEMPLATES})
    settings = Settings(
        database_url=database.engine.url.render_as_string(hide_password=False),
        public_base_url=LOCAL_URL,
        twilio_account_sid=None,
        twilio_auth_token=None,
        twilio_skip_signature_check=False,
        simulator_enabled=True,
    )
    app: Flask = create_app(settings, db=database)
    return app.test_client()


def thread(sim: FlaskClient, phone: str = DEMO_CUSTOMER) -> dict[str, Any]:
    response = sim.get("/simulator/api/messages", query_string={"phone": phone})
    assert response.status_code == 200
    return response.json


def inbound(database: Database) -> Message:
    with database.read() as session:
        return session.scalars(
            select(Message).where(Message.direction == "inbound").order_by(Message.id.desc())
        ).first()  # type: ignore[return-value]


def send(sim: FlaskClient, path: str, **fields: Any) -> Any:
    answer = sim.post(path, json={"phone": DEMO_CUSTOMER, **fields})
    assert answer.status_code == 200, answer.json
    return answer.json


def test_a_list_is_shown_and_a_pick_posts_list_fields(sim: FlaskClient, database: Database) -> None:
    send(sim, "/simulator/api/send", body="2 rice", name="Amara")
    question = thread(sim)["messages"][-1]
    assert [i["id"] for i in question["list"]["items"]] == [
        "pick:prod_jollof",
        "pick:prod_friedrice",
    ]
    assert question["list"]["items"][1] == {
        "title": "Fried Rice", "id": "pick:prod_friedrice", "description": "₦3,500",
    }  # fmt: skip
    assert question["failable"] is False and question["status"] == "pending"

    send(sim, "/simulator/api/tap", message_id=question["id"], id="pick:prod_friedrice")

    tap = inbound(database)
    assert tap.body == "Fried Rice"
    assert tap.payload["ListId"] == "pick:prod_friedrice"
    assert tap.payload["ListTitle"] == "Fried Rice" and tap.payload["MessageType"] == "interactive"
    assert "2 × Fried Rice" in thread(sim)["messages"][-1]["html"]
    with database.read() as session:
        sids = set(session.scalars(select(Message.content_sid)))
    assert LIST_SID in sids


def test_a_tap_must_name_a_button_of_that_message(sim: FlaskClient) -> None:
    send(sim, "/simulator/api/send", body="2 rice")
    question = thread(sim)["messages"][-1]
    bad = sim.post(
        "/simulator/api/tap", json={"phone": DEMO_CUSTOMER, "message_id": question["id"], "id": "x"}
    )
    assert bad.status_code == 400 and bad.json["error"]["param"] == "id"
    other = sim.post(
        "/simulator/api/tap",
        json={"phone": "+2348099999999", "message_id": question["id"], "id": "pick:prod_jollof"},
    )
    assert other.status_code == 400  # another phone's message has no buttons for this one


def test_a_location_pin_and_a_picture(sim: FlaskClient, database: Database) -> None:
    send(
        sim, "/simulator/api/location", latitude=6.4474, longitude=3.4723,
        address="12 Admiralty Way, Lekki", label="Home",
    )  # fmt: skip
    pin = inbound(database)
    assert (pin.payload["Latitude"], pin.payload["Longitude"]) == ("6.447400", "3.472300")
    assert pin.payload["Label"] == "Home" and pin.payload["MessageType"] == "location"
    shown = thread(sim)["messages"]
    assert shown[0]["location"]["address"] == "12 Admiralty Way, Lekki"
    assert "12 Admiralty Way" in shown[-1]["html"]

    send(sim, "/simulator/api/image", body="payment proof")
    picture = inbound(database)
    url = LOCAL_URL + "/static/sample-payment-proof.png"
    assert picture.media == [{"url": url, "content_type": "image/png"}]
    assert picture.payload["NumMedia"] == "1"
    assert thread(sim)["messages"][-2]["images"] == ["/static/sample-payment-proof.png"]
    served = sim.get("/static/sample-payment-proof.png")
    assert served.status_code == 200 and served.data.startswith(b"\x89PNG")

    bad = sim.post("/simulator/api/location", json={"phone": DEMO_CUSTOMER, "latitude": 91})
    assert bad.status_code == 400


def test_a_chosen_failure_arrives_as_a_signed_failed_receipt(
    sim: FlaskClient, database: Database
) -> None:
    with database.write() as session:
        tenant = get_tenant(session, 1)
        message = queue_message(
            session, tenant, to_phone=DEMO_CUSTOMER, channel="whatsapp",
            kind="notification", body="Your order is confirmed", status="sent",
        )  # fmt: skip
        assert message is not None
        message.sid = "SM" + "b" * 32
        message_id = message.id
    assert thread(sim)["messages"][0]["failable"] is True

    answer = send(sim, "/simulator/api/fail", id=message_id, code=63024)

    assert answer == {"id": message_id, "was": "sent", "status": "failed", "code": 63024}
    with database.read() as session:
        failed = session.get(Message, message_id)
        assert failed is not None and (failed.status, failed.error_code) == ("failed", "63024")
    assert thread(sim)["messages"][0]["error"] == "63024"
    wrong = sim.post("/simulator/api/fail", json={"id": message_id, "code": 12345})
    assert wrong.status_code == 400
    missing = sim.post("/simulator/api/fail", json={"id": 999999, "code": 63016})
    assert missing.status_code == 404


def test_the_name_follows_the_number(sim: FlaskClient) -> None:
    send(sim, "/simulator/api/send", body="hi", name="Amara")
    send(sim, "/simulator/api/send", body="hi", name="Bola", phone="+2348011111111")
    assert thread(sim)["name"] == "Amara"
    assert thread(sim, "+2348011111111")["name"] == "Bola"
    assert thread(sim, "+2348022222222")["name"] == ""
    later = sim.get(
        "/simulator/api/messages", query_string={"phone": DEMO_CUSTOMER, "after": 1}
    ).json
    assert "name" not in later  # only the first poll of a number reads it
