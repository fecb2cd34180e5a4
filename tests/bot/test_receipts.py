"""Delivery receipts never move a message back to an earlier state."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from bot.outbound import queue_message
from bot.receipts import supersedes
from orders_core.db import Database
from orders_core.models import Message, Order, OutboxEvent, TimelineEvent
from orders_core.services.tenants import get_tenant
from tests.conftest import TenantInfo
from tests.webhooks.twilio_helpers import WhatsApp, new_sid

ORDER = ["queued", "sending", "sent", "delivered", "read"]


@pytest.mark.parametrize(
    ("earlier", "later"), [(a, b) for i, a in enumerate(ORDER) for b in ORDER[i + 1 :]]
)
def test_later_states_win_and_earlier_ones_never_do(earlier: str, later: str) -> None:
    assert supersedes(earlier, later)
    assert not supersedes(later, earlier)


@pytest.mark.parametrize("status", ["pending", "accepted", "queued", "sending", "sent"])
def test_failures_replace_progress_short_of_delivery(status: str) -> None:
    assert supersedes(status, "failed")
    assert supersedes(status, "undelivered")


def test_failed_is_terminal() -> None:
    assert not any(supersedes("failed", s) for s in [*ORDER, "undelivered"])


def test_delivered_or_read_beat_undelivered_both_ways() -> None:
    assert supersedes("undelivered", "delivered")
    assert supersedes("undelivered", "read")
    assert not supersedes("delivered", "undelivered")
    assert not supersedes("read", "failed")
    assert not supersedes("undelivered", "sent")


def test_unknown_statuses_never_replace_known_ones() -> None:
    assert not supersedes("sent", "something_new")
    assert not supersedes("sent", "sent")
    assert supersedes("unknown", "delivered")  # the dispatcher's "could not tell" state


def outbound(database: Database, tenant: TenantInfo, status: str = "sent") -> str:
    """An outbound message as the dispatcher leaves it after Twilio accepted it."""
    sid = new_sid()
    with database.write() as session:
        message = queue_message(
            session,
            get_tenant(session, tenant.id),
            to_phone="+2348012345678",
            channel="whatsapp",
            kind="notification",
            body="Your order is confirmed",
        )
        assert message is not None
        message.sid, message.status = sid, status
    return sid


def stored(database: Database, sid: str) -> Message:
    with database.read() as session:
        return session.scalars(select(Message).where(Message.sid == sid)).one()


def test_callbacks_out_of_order_end_at_the_latest_state(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    sid = outbound(database, tenant)

    for status in ["read", "delivered", "sent"]:
        response = whatsapp.receipt(sid, status)
        assert response.status_code == 200

    assert stored(database, sid).status == "read"


def test_failure_is_recorded_with_its_error_code(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    sid = outbound(database, tenant)

    whatsapp.receipt(sid, "undelivered", "63016")
    assert (stored(database, sid).status, stored(database, sid).error_code) == (
        "undelivered",
        "63016",
    )

    whatsapp.receipt(sid, "sent")
    assert stored(database, sid).status == "undelivered"

    whatsapp.receipt(sid, "delivered")
    assert (stored(database, sid).status, stored(database, sid).error_code) == ("delivered", None)


def test_unknown_sid_is_acknowledged_and_nothing_stored(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    response = whatsapp.receipt(new_sid(), "delivered")

    assert response.status_code == 200
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(Message)) == 0


def test_a_receipt_with_a_bad_signature_is_refused(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    sid = outbound(database, tenant)
    form = {"MessageSid": sid, "MessageStatus": "read"}

    response = whatsapp.post("/webhooks/twilio/status", form, signature="bm90IGEgc2lnbmF0dXJl")

    assert response.status_code == 403
    assert stored(database, sid).status == "sent"


def test_a_late_63016_resends_as_the_template_or_holds_a_copy(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    sid = outbound(database, tenant)
    with database.write() as session:
        message = session.scalars(select(Message).where(Message.sid == sid)).one()
        message.payload = {"template": "order.confirmed", "variables": {"order_number": "1001"}}

    whatsapp.receipt(sid, "undelivered", "63016")

    with database.read() as session:
        rows = list(session.scalars(select(Message).order_by(Message.id)))
    assert [(m.status, m.error_code) for m in rows] == [
        ("undelivered", "63016"),
        ("needs_template", "63016"),
    ]
    assert rows[1].body == rows[0].body and rows[1].sid is None


def test_a_late_failure_of_an_order_message_is_reported(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo, client: FlaskClient
) -> None:
    order = client.post(
        "/v1/orders",
        json={
            "customer": {"phone": "+2348012345678"},
            "items": [{"product_id": "prod_water", "quantity": 1}],
        },
        headers=tenant.headers,
    ).json
    sid = outbound(database, tenant)
    with database.write() as session:
        message = session.scalars(select(Message).where(Message.sid == sid)).one()
        message.order_id = session.scalars(
            select(Order.id).where(Order.number == order["number"])
        ).one()

    whatsapp.receipt(sid, "failed", "30008")

    with database.read() as session:
        types = list(session.scalars(select(OutboxEvent.type).order_by(OutboxEvent.id)))
        titles = list(session.scalars(select(TimelineEvent.title).order_by(TimelineEvent.id)))
    assert types[-1] == "message.failed"
    assert titles[-1] == "Message to customer failed"


def test_a_non_numeric_error_code_is_dropped_not_a_crash(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    sid = outbound(database, tenant)

    assert whatsapp.receipt(sid, "failed", "²").status_code == 200
    assert (stored(database, sid).status, stored(database, sid).error_code) == ("failed", None)
