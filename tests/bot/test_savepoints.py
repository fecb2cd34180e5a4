"""A domain error caught inside a write block undoes what its step wrote, and only that.

The chat's place-order step and staff commands catch DomainError and answer; the step runs
in a savepoint, so an error raised after it wrote something (an order row, a status change)
leaves nothing behind, while the conversation and the reply still commit.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

import bot.staff
import orders_core.services.placing
from orders_core.db import Database
from orders_core.demo import DEMO_STAFF
from orders_core.errors import Conflict
from orders_core.models import Conversation, Customer, Message, Order, TimelineEvent
from tests.bot.test_staff import make_order, order_row
from tests.conftest import TenantInfo
from tests.webhooks.twilio_helpers import WhatsApp

PHONE = "+2348012345678"


def _fail_after_writing(*_args: Any, **_kwargs: Any) -> None:
    raise Conflict("the kitchen closed a moment ago")


def _count(database: Database, model: type) -> int:
    with database.read() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_chat_order_that_fails_after_its_row_was_written_leaves_nothing(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    whatsapp.send("2 jollof rice and 1 chapman")
    whatsapp.send("yes")
    whatsapp.send("12 Allen Avenue, Ikeja")
    # The order row and its customer are flushed before the timeline entry fails.
    monkeypatch.setattr(orders_core.services.placing, "add_timeline", _fail_after_writing)
    answer = whatsapp.send("yes").text
    assert "couldn't place the order: the kitchen closed a moment ago" in answer
    assert _count(database, Order) == 0
    with database.read() as session:
        conversation = session.scalars(select(Conversation)).one()
        assert conversation.state == "cart"  # the step's own change committed
        replies = session.scalars(
            select(Message.body).where(Message.direction == "outbound").order_by(Message.id)
        ).all()
    assert "couldn't place the order" in (replies[-1] or "")  # the reply was recorded

    monkeypatch.undo()
    whatsapp.send("yes")
    assert "placed!" in whatsapp.send("yes").text  # the cart is still there to place
    assert _count(database, Order) == 1  # (PostgreSQL may skip a number: its counter commits)


def test_a_staff_command_that_fails_after_changing_the_order_changes_nothing(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    number = make_order(database, tenant)
    events = _count(database, TimelineEvent)
    # CONFIRM 1001 30: the status moves to confirmed, then the promised time fails.
    monkeypatch.setattr(bot.staff, "promise_ready", _fail_after_writing)
    answer = whatsapp.send(f"confirm {number} 30", from_=DEMO_STAFF).text
    assert answer == f"Order #{number}: the kitchen closed a moment ago."
    assert order_row(database, tenant, number).status == "pending"
    assert _count(database, TimelineEvent) == events
    with database.read() as session:
        staff_chat = session.scalars(
            select(Message).where(Message.customer_phone == DEMO_STAFF).order_by(Message.id)
        ).all()
        assert staff_chat[-1].body == answer  # the answer to staff still committed
        assert session.scalars(select(Customer).where(Customer.phone == PHONE)).one()
