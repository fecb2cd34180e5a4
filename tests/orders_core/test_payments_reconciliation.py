"""Reconciliation and transfer proofs on the real database: one payment per event and per
charge, failures and closed orders recorded as such, proofs approved or rejected once."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from orders_core.db import Database
from orders_core.errors import Conflict, NotFound
from orders_core.models import Order, OutboxEvent, Payment, PaymentLink, TimelineEvent
from orders_core.services.orders import get_order
from orders_core.services.payment_links import payment_link_for
from orders_core.services.reconciliation import ProviderResult, reconcile
from orders_core.services.transfer_proofs import (
    approve_transfer_proof,
    attach_transfer_proof,
    reject_transfer_proof,
)
from tests.conftest import TenantInfo
from tests.twilio_recorder import move, place

BASE = "https://chatorders.example.com"


def linked(database: Database, tenant: TenantInfo) -> tuple[str, PaymentLink]:
    order_id = place(database, tenant.id)
    move(database, tenant.id, order_id, "confirmed")
    with database.write() as session:
        order = get_order(session, tenant.id, order_id)
        link = payment_link_for(session, order, provider="local", base_url=BASE)
        assert link is not None
        return order_id, link


def result(
    link: PaymentLink, *, event: str = "e1", paid: bool = True, amount: int | None = None
) -> ProviderResult:
    return ProviderResult(
        provider="local", event_id=event, reference=str(link.provider_reference), paid=paid,
        amount=link.amount if amount is None else amount, currency=link.currency,
    )  # fmt: skip


def count(database: Database, model: type) -> int:
    with database.read() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_one_payment_per_event_and_per_charge(database: Database, tenant: TenantInfo) -> None:
    order_id, link = linked(database, tenant)
    with database.write() as session:
        assert reconcile(session, tenant.id, result(link)) == "recorded"
    with database.write() as session:
        assert reconcile(session, tenant.id, result(link)) == "replay"
        # the same charge told again under another event id (a poll after the callback)
        assert reconcile(session, tenant.id, result(link, event="e2")) == "duplicate"
    assert count(database, Payment) == 1
    with database.read() as session:
        order = get_order(session, tenant.id, order_id)
        assert order.payment_status == "paid"
        assert session.get(PaymentLink, link.id).status == "paid"  # type: ignore[union-attr]
        events = session.scalars(select(OutboxEvent.type)).all()
    assert events.count("payment.recorded") == 1


def test_a_failed_charge_closes_the_link_and_records_nothing(
    database: Database, tenant: TenantInfo
) -> None:
    _, link = linked(database, tenant)
    with database.write() as session:
        assert reconcile(session, tenant.id, result(link, paid=False)) == "failed"
    with database.read() as session:
        assert session.get(PaymentLink, link.id).status == "failed"  # type: ignore[union-attr]
    assert count(database, Payment) == 0


def test_money_for_a_cancelled_order_is_flagged_not_recorded(
    database: Database, tenant: TenantInfo
) -> None:
    order_id, link = linked(database, tenant)
    move(database, tenant.id, order_id, "cancelled")
    with database.write() as session:
        assert reconcile(session, tenant.id, result(link)) == "cancelled"
        titles = session.scalars(select(TimelineEvent.title)).all()
    assert "Payment received on a closed order: refund it" in titles
    assert count(database, Payment) == 0


def test_another_business_cannot_settle_a_link(
    database: Database, tenant: TenantInfo, other_tenant: TenantInfo
) -> None:
    _, link = linked(database, tenant)
    with database.write() as session:
        assert reconcile(session, other_tenant.id, result(link)) == "unknown"
    assert count(database, Payment) == 0


def test_a_transfer_proof_approved_records_the_payment_once(
    database: Database, tenant: TenantInfo
) -> None:
    order_id = place(database, tenant.id)
    with database.write() as session:
        order = get_order(session, tenant.id, order_id)
        proof = attach_transfer_proof(session, order, "https://api.twilio.com/media/ME1",
                                      content_type="image/jpeg")  # fmt: skip
        assert proof.status == "pending"
    with database.write() as session:
        order = get_order(session, tenant.id, order_id)
        approved = approve_transfer_proof(session, order, actor="staff:+2348000000001")
        assert approved.status == "approved"
    with database.write() as session:
        order = get_order(session, tenant.id, order_id)
        with pytest.raises(NotFound):
            approve_transfer_proof(session, order, actor="staff")
        attach_transfer_proof(session, order, "https://api.twilio.com/media/ME2")
        with pytest.raises(Conflict):
            approve_transfer_proof(session, order, actor="staff")
    with database.read() as session:
        order = session.scalars(select(Order)).one()
        payment = session.scalars(select(Payment)).one()
    assert order.payment_status == "paid" and payment.method == "transfer"


def test_a_transfer_proof_rejected_says_why(database: Database, tenant: TenantInfo) -> None:
    order_id = place(database, tenant.id)
    with database.write() as session:
        order = get_order(session, tenant.id, order_id)
        attach_transfer_proof(session, order, "https://api.twilio.com/media/ME1")
        rejected = reject_transfer_proof(session, order, reason="No such credit", actor="staff")
        assert rejected.status == "rejected" and rejected.reason == "No such credit"
        descriptions = session.scalars(select(TimelineEvent.description)).all()
    assert "No such credit" in descriptions and count(database, Payment) == 0
