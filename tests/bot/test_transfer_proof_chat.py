"""A picture of a transfer sent in the chat: attached to the order waiting for money, staff
alerted with the picture, PAID approves it, UNPAID <reason> rejects it and tells the customer."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from orders_core.db import Database
from orders_core.demo import DEMO_CUSTOMER, DEMO_STAFF
from orders_core.models import Conversation, Message, Payment, TimelineEvent, TransferProof
from orders_core.services.tenants import get_tenant, update_tenant_settings
from tests.bot.test_staff import make_order, order_row
from tests.conftest import TenantInfo
from tests.webhooks.twilio_helpers import WhatsApp

PICTURE = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"
TRANSFER = {"methods": ["bank_transfer", "cash"], "bank_transfer_details": "GTBank 0123456789"}


def set_payments(database: Database, tenant: TenantInfo, payments: dict[str, Any]) -> None:
    with database.write() as session:
        update_tenant_settings(session, get_tenant(session, tenant.id), {"payments": payments})


def send_picture(whatsapp: WhatsApp, content_type: str = "image/jpeg", body: str = "") -> str:
    fields = {"NumMedia": "1", "MediaUrl0": PICTURE, "MediaContentType0": content_type}
    return whatsapp.send(body, **fields).text


def staff(whatsapp: WhatsApp, text: str) -> str:
    return whatsapp.send(text, from_=DEMO_STAFF).text


def queued(database: Database, to: str, kind: str) -> list[str]:
    with database.read() as session:
        return list(
            session.scalars(
                select(Message.body)
                .where(Message.direction == "outbound", Message.to_number.contains(to))
                .where(Message.kind == kind)
                .order_by(Message.id)
            )
        )


def proofs(database: Database) -> list[TransferProof]:
    with database.read() as session:
        return list(session.scalars(select(TransferProof).order_by(TransferProof.id)))


def speaks(database: Database, lang: str) -> None:
    with database.write() as session:
        chat = session.scalars(
            select(Conversation).where(Conversation.phone == DEMO_CUSTOMER)
        ).one()
        chat.data = {**chat.data, "lang": lang, "lang_fixed": True}


@pytest.fixture
def transfers(database: Database, tenant: TenantInfo) -> None:
    set_payments(database, tenant, TRANSFER)


@pytest.mark.usefixtures("transfers")
def test_a_picture_is_attached_to_the_unpaid_order_and_staff_are_alerted(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    number = make_order(database, tenant)
    answer = send_picture(whatsapp)
    assert f"we got your picture for order #{number}" in answer
    [proof] = proofs(database)
    assert (proof.media_url, proof.content_type, proof.status) == (PICTURE, "image/jpeg", "pending")
    [alert] = queued(database, DEMO_STAFF, "alert")[-1:]
    assert PICTURE in alert and f"*PAID {number}*" in alert and f"*UNPAID {number} reason*" in alert
    assert "₦8,500 due" in alert
    with database.read() as session:
        titles = session.scalars(select(TimelineEvent.title)).all()
    assert "Transfer proof received" in titles


@pytest.mark.usefixtures("transfers")
def test_paid_approves_the_proof_and_records_a_transfer(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    number = make_order(database, tenant)
    send_picture(whatsapp)
    answer = staff(whatsapp, f"PAID {number}")
    assert answer == f"Order #{number}: transfer approved, ₦8,500 recorded as paid."
    assert order_row(database, tenant, number).payment_status == "paid"
    [proof] = proofs(database)
    assert proof.status == "approved" and proof.decided_by == f"staff:{DEMO_STAFF}"
    with database.read() as session:
        assert session.scalars(select(Payment.method)).all() == ["transfer"]


@pytest.mark.usefixtures("transfers")
def test_unpaid_rejects_the_proof_and_tells_the_customer_the_reason_in_their_language(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    number = make_order(database, tenant)
    send_picture(whatsapp)
    speaks(database, "sw")
    assert "UNPAID" in staff(whatsapp, f"unpaid {number}")  # no reason: how to say it
    assert proofs(database)[0].status == "pending"
    answer = staff(whatsapp, f"UNPAID {number} no money received yet")
    assert answer.endswith("the customer is told: no money received yet")
    [proof] = proofs(database)
    assert (proof.status, proof.reason) == ("rejected", "no money received yet")
    notice = queued(database, DEMO_CUSTOMER, "notification")[-1]
    assert notice.startswith("Mama Put Lagos: hatukuweza kuthibitisha malipo yako ya oda")
    assert f"#{number}: no money received yet" in notice
    assert order_row(database, tenant, number).payment_status == "unpaid"
    again = staff(whatsapp, f"unpaid {number} still nothing")
    assert again == f"Order #{number} has no transfer proof waiting: nothing to reject."


@pytest.mark.usefixtures("transfers")
def test_a_picture_with_no_order_waiting_for_money_is_answered_helpfully(
    whatsapp: WhatsApp, database: Database
) -> None:
    answer = send_picture(whatsapp)
    assert "I don't see an order of yours waiting for payment" in answer
    assert proofs(database) == []
    assert queued(database, DEMO_STAFF, "alert") == []


@pytest.mark.usefixtures("transfers")
def test_a_voice_note_is_not_a_proof(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    make_order(database, tenant)
    assert "I can only read text messages" in send_picture(whatsapp, "audio/ogg")
    assert proofs(database) == []


def test_a_business_without_transfers_answers_pictures_as_before(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    set_payments(database, tenant, {"methods": ["cash"]})
    make_order(database, tenant)
    assert "I can only read text messages" in send_picture(whatsapp)
    assert proofs(database) == []


@pytest.mark.usefixtures("transfers")
def test_a_picture_during_a_takeover_goes_to_staff_as_before(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    assert whatsapp.send("hi").text
    number = make_order(database, tenant)
    assert staff(whatsapp, f"reply {number} your rider is outside").startswith("Sent to")
    assert send_picture(whatsapp) == ""
    assert proofs(database) == []
    assert "(a picture or file)" in queued(database, DEMO_STAFF, "alert")[-1]
