"""The order lifecycle, every ordered pair of statuses, through the use case."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from orders_core.db import Database
from orders_core.domain import OrderStatus
from orders_core.errors import IllegalTransition, NotFound
from orders_core.models import Order, OutboxEvent, TimelineEvent
from orders_core.schemas import OrderCreate
from orders_core.services.orders import get_order, transition
from orders_core.services.placing import place_order
from orders_core.services.tenants import get_tenant
from tests.conftest import TenantInfo

# Written out by hand from DESIGN.md, not derived from the code under test.
# An order on hold goes back only where it was held from: new_order holds it from pending.
LEGAL: dict[str, set[str]] = {
    "pending": {"confirmed", "preparing", "out_for_delivery", "delivered", "cancelled", "on_hold"},
    "confirmed": {"preparing", "out_for_delivery", "delivered", "cancelled", "on_hold"},
    "preparing": {"out_for_delivery", "delivered", "cancelled", "on_hold"},
    "out_for_delivery": {"delivered"},
    "delivered": set(),
    "cancelled": set(),
    "on_hold": {"pending", "cancelled"},
}
PAIRS = list(itertools.product(LEGAL, LEGAL))


@dataclass
class Trail:
    """What the database holds about one order's status history."""

    status: str
    timeline: int
    status_events: list[dict[str, object]]


def new_order(database: Database, tenant: TenantInfo, status: str) -> str:
    """A fresh unpaid order of the tenant, moved straight from pending to `status`."""
    data = OrderCreate.model_validate(
        {"customer": {"phone": "+2348012345678"},
         "items": [{"product_id": "prod_jollof", "quantity": 1}]}
    )  # fmt: skip
    with database.write() as session:
        order = place_order(session, get_tenant(session, tenant.id), data)
        if status != "pending":
            transition(session, order, OrderStatus(status), actor="setup")
        return order.public_id


def trail(database: Database, tenant: TenantInfo, order_id: str) -> Trail:
    """The order's status, its timeline length and its order.status_changed outbox events."""
    with database.read() as session:
        order = get_order(session, tenant.id, order_id)
        timeline = session.scalar(select(func.count()).where(TimelineEvent.order_id == order.id))
        events = session.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.order_id == order.id, OutboxEvent.type == "order.status_changed")
            .order_by(OutboxEvent.id)
        )
        return Trail(order.status, int(timeline or 0), [e.data for e in events])


@pytest.mark.parametrize(("source", "target"), PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_every_transition_through_the_use_case(
    database: Database, tenant: TenantInfo, source: str, target: str
) -> None:
    order_id = new_order(database, tenant, source)
    before = trail(database, tenant, order_id)
    assert before.status == source

    if source == target:
        with database.write() as session:
            transition(
                session, get_order(session, tenant.id, order_id), OrderStatus(target), actor="t"
            )
        assert trail(database, tenant, order_id) == before
    elif target in LEGAL[source]:
        with database.write() as session:
            transition(
                session, get_order(session, tenant.id, order_id), OrderStatus(target), actor="t"
            )
        after = trail(database, tenant, order_id)
        assert after.status == target
        assert after.timeline == before.timeline + 1
        assert len(after.status_events) == len(before.status_events) + 1
        event = after.status_events[-1]
        assert event["previous_status"] == source
        assert event["order"]["status"] == target  # type: ignore[index]
    else:
        with pytest.raises(IllegalTransition) as raised, database.write() as session:
            transition(
                session, get_order(session, tenant.id, order_id), OrderStatus(target), actor="t"
            )
        assert raised.value.code == "illegal_transition"
        assert set(raised.value.details["allowed"]) == LEGAL[source]
        assert raised.value.details["current"] == source
        assert trail(database, tenant, order_id) == before


def test_a_transition_and_its_events_share_one_transaction(
    database: Database, tenant: TenantInfo
) -> None:
    order_id = new_order(database, tenant, "pending")
    before = trail(database, tenant, order_id)
    with pytest.raises(RuntimeError), database.write() as session:
        transition(
            session, get_order(session, tenant.id, order_id), OrderStatus.CONFIRMED, actor="t"
        )
        raise RuntimeError("the unit of work fails after the change")
    assert trail(database, tenant, order_id) == before


def test_order_ids_of_another_tenant_are_not_found(
    database: Database, tenant: TenantInfo, other_tenant: TenantInfo
) -> None:
    order_id = new_order(database, tenant, "pending")
    with database.read() as session:
        assert get_order(session, tenant.id, order_id).tenant_id == tenant.id
        with pytest.raises(NotFound):
            get_order(session, other_tenant.id, order_id)
        assert session.scalar(select(func.count()).select_from(Order)) == 1
