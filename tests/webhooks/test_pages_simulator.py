"""The simulator: local only, and every message through the real, signed Twilio webhook."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from bot.outbound import queue_message
from orders_core.db import Database
from orders_core.demo import DEMO_CUSTOMER, DEMO_STAFF
from orders_core.models import Message
from orders_core.services.tenants import get_tenant
from orders_core.settings import Settings
from tests.conftest import TenantInfo
from webhooks.app import create_app
from webhooks.pages.chat_format import whatsapp_html
from webhooks.pages.local_twilio import twiml_replies

LOCAL_URL = "http://127.0.0.1:5055"


@pytest.fixture
def local_app(database: Database) -> Flask:
    """The app as `chatorders serve` runs it without a Twilio account."""
    settings = Settings(
        database_url=database.engine.url.render_as_string(hide_password=False),
        public_base_url=LOCAL_URL,
        twilio_account_sid=None,
        twilio_auth_token=None,
        twilio_skip_signature_check=False,
        simulator_enabled=True,
    )
    return create_app(settings, db=database)


@pytest.fixture
def sim(local_app: Flask) -> FlaskClient:
    """A browser on the local app."""
    return local_app.test_client()


def thread(sim: FlaskClient, phone: str, after: int = 0) -> list[dict[str, object]]:
    """One phone's messages as the simulator polls them."""
    response = sim.get("/simulator/api/messages", query_string={"phone": phone, "after": after})
    assert response.status_code == 200
    return response.json["messages"]


def test_the_simulator_is_off_when_twilio_is_configured(
    client: FlaskClient, tenant: TenantInfo
) -> None:
    assert client.get("/simulator/").status_code == 404
    assert client.get("/simulator/api/messages?phone=%2B2348012345678").status_code == 404
    sent = client.post("/simulator/api/send", json={"phone": DEMO_CUSTOMER, "body": "hi"})
    assert sent.status_code == 404
    assert client.get("/").headers["Location"] == "/dashboard/"
    assert "Simulator" not in client.get("/dashboard/login").get_data(as_text=True)


def test_a_customer_message_takes_the_signed_webhook_path(
    sim: FlaskClient, database: Database, tenant: TenantInfo
) -> None:
    assert sim.get("/").headers["Location"] == "/simulator/"
    page = sim.get("/simulator/").get_data(as_text=True)
    assert DEMO_CUSTOMER in page and DEMO_STAFF in page
    answer = sim.post(
        "/simulator/api/send", json={"phone": DEMO_CUSTOMER, "body": "hi", "name": "Amara"}
    )
    assert answer.status_code == 200, answer.json
    assert answer.json["sid"].startswith("SM") and len(answer.json["sid"]) == 34
    with database.read() as session:
        inbound = session.scalars(select(Message).where(Message.direction == "inbound")).one()
    assert inbound.sid == answer.json["sid"]
    assert inbound.from_number == f"whatsapp:{DEMO_CUSTOMER}"
    assert inbound.payload["ProfileName"] == "Amara"
    messages = thread(sim, DEMO_CUSTOMER)
    assert [m["mine"] for m in messages] == [True, False]
    assert "Welcome" in str(messages[1]["html"])
    assert thread(sim, DEMO_CUSTOMER, after=int(messages[-1]["id"])) == []  # type: ignore[arg-type]


def test_the_webhook_still_refuses_unsigned_posts(sim: FlaskClient, tenant: TenantInfo) -> None:
    form = {"From": f"whatsapp:{DEMO_CUSTOMER}", "To": "whatsapp:+14155238886", "Body": "hi",
            "MessageSid": "SM" + "1" * 32}  # fmt: skip
    assert sim.post("/webhooks/twilio/messages", data=form).status_code == 403


def test_staff_confirm_through_the_simulator(sim: FlaskClient, tenant: TenantInfo) -> None:
    for text in ("2 jollof and a chapman", "yes", "12 Admiralty Way, Lekki", "yes"):
        assert (
            sim.post("/simulator/api/send", json={"phone": DEMO_CUSTOMER, "body": text}).status_code
            == 200
        )
    staff = sim.post("/simulator/api/send", json={"phone": DEMO_STAFF, "body": "confirm 1001"})
    assert staff.status_code == 200
    replies = [m["html"] for m in thread(sim, DEMO_STAFF) if not m["mine"]]
    assert any("confirmed" in str(html) for html in replies)


def test_send_wants_json_a_phone_and_some_text(sim: FlaskClient, tenant: TenantInfo) -> None:
    assert (
        sim.post("/simulator/api/send", data={"phone": DEMO_CUSTOMER, "body": "hi"}).status_code
        == 415
    )
    assert sim.post("/simulator/api/send", json={"phone": "0801", "body": "hi"}).status_code == 400
    assert (
        sim.post("/simulator/api/send", json={"phone": DEMO_CUSTOMER, "body": " "}).status_code
        == 400
    )
    too_long = sim.post("/simulator/api/send", json={"phone": DEMO_CUSTOMER, "body": "x" * 1601})
    assert too_long.status_code == 400
    assert sim.get("/simulator/api/messages?phone=nope").status_code == 400


def test_showing_a_message_reports_it_read_through_the_status_callback(
    sim: FlaskClient, database: Database, tenant: TenantInfo
) -> None:
    with database.write() as session:
        message = queue_message(
            session, get_tenant(session, tenant.id), to_phone=DEMO_CUSTOMER, channel="whatsapp",
            kind="notification", body="Your order is confirmed", status="sent",
        )  # fmt: skip
        assert message is not None
        message.sid = "SM" + "a" * 32
        message_id = message.id
    assert thread(sim, DEMO_CUSTOMER)[0]["status"] == "sent"
    assert sim.post("/simulator/api/read", json={"ids": [message_id]}).json["read"] == [message_id]
    statuses = sim.get(
        "/simulator/api/messages", query_string={"phone": DEMO_CUSTOMER, "after": message_id}
    ).json["statuses"]
    assert statuses == {str(message_id): "read"}


def test_new_customer_numbers_are_fresh(sim: FlaskClient, tenant: TenantInfo) -> None:
    numbers = {sim.get("/simulator/api/new-customer").json["phone"] for _ in range(5)}
    assert len(numbers) == 5
    assert all(n.startswith("+23481") and len(n) == 14 for n in numbers)


def test_whatsapp_formatting_is_rendered_after_escaping() -> None:
    html = str(
        whatsapp_html(
            "*Total: ₦8,500*\n_soon_ ~old~\n- 2 × Jollof\n- 1 × Chapman\n<script>x</script>"
        )
    )
    assert "<strong>Total: ₦8,500</strong><br>" in html
    assert "<em>soon</em> <s>old</s>" in html
    assert "<ul><li>2 × Jollof</li><li>1 × Chapman</li></ul>" in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "<script>" not in html
    assert str(whatsapp_html("2*3*4 and snake_case_name")) == "2*3*4 and snake_case_name"
    assert str(whatsapp_html('*"><img src=x onerror=alert(1)>*')).startswith(
        "<strong>&#34;&gt;&lt;img"
    )


def test_twiml_replies_are_read_from_messages() -> None:
    xml = '<?xml version="1.0"?><Response><Message>Hi *there*</Message><Message><Body>Two</Body></Message></Response>'
    assert twiml_replies(xml) == ["Hi *there*", "Two"]
    assert twiml_replies("<Response/>") == []
    assert twiml_replies("not xml") == []


def test_the_simulator_is_off_unless_serve_turns_it_on(database: Database) -> None:
    """An API-only deployment without Twilio (gunicorn + create_app()) has no simulator."""
    settings = Settings(
        database_url=database.engine.url.render_as_string(hide_password=False),
        twilio_account_sid=None,
        twilio_auth_token=None,
    )
    client = create_app(settings, db=database).test_client()

    assert client.get("/simulator/").status_code == 404
    assert client.post("/simulator/api/send", json={"phone": "+2348000000001"}).status_code == 404


def test_half_a_twilio_configuration_also_turns_the_simulator_off(local_app: Flask) -> None:
    settings = local_app.extensions["chatorders"].settings
    local_app.extensions["chatorders"].settings = settings.model_copy(
        update={"twilio_auth_token": "real-token"}
    )

    assert local_app.test_client().get("/simulator/").status_code == 404
