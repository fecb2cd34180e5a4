"""Shared parts of the payment provider tests: the app with recorded HTTP, a confirmed
order with its link, counts, and posting from several threads at once."""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from bot.payments.asking import prepare_links
from orders_core.db import Database
from orders_core.models import Order, Payment, PaymentLink
from orders_core.services.orders import get_order
from orders_core.services.tenants import get_tenant, update_tenant_settings
from orders_core.settings import Settings
from tests.conftest import TenantInfo
from tests.payment_recorders import HttpRecorder, recorded_wiring
from tests.twilio_recorder import move, place
from webhooks.app import create_app

BASE = "https://chatorders.example.com"
PAYSTACK = {"methods": ["paystack"], "ask": "before_preparing"}
RAZORPAY = {"methods": ["razorpay"], "ask": "before_preparing",
            "razorpay": {"key_id": "rzp_test_1DP5mmOlF5G5ag"}}  # fmt: skip
MPESA = {"methods": ["mpesa"], "ask": "before_preparing", "mpesa": {"shortcode": "174379"}}


def payments_app(settings: Settings, database: Database, recorder: HttpRecorder) -> Flask:
    """The real app whose payment providers' HTTP goes to `recorder`."""
    return create_app(settings, db=database, extras={"payments_wiring": recorded_wiring(recorder)})


def setup(
    database: Database, tenant: TenantInfo, payments: dict[str, Any], **place_args: Any
) -> tuple[str, PaymentLink]:
    """The tenant takes `payments`; an order is placed and confirmed; its link is made."""
    with database.write() as session:
        update_tenant_settings(session, get_tenant(session, tenant.id), {"payments": payments})
    order_id = place(database, tenant.id, **place_args)
    move(database, tenant.id, order_id, "confirmed")
    prepare_links(database, BASE)
    with database.read() as session:
        order = get_order(session, tenant.id, order_id)
        link = session.scalars(select(PaymentLink).where(PaymentLink.order_id == order.id)).one()
    return order_id, link


def payments(database: Database) -> int:
    with database.read() as session:
        return int(session.scalar(select(func.count()).select_from(Payment)) or 0)


def order_of(database: Database, tenant: TenantInfo, order_id: str) -> Order:
    with database.read() as session:
        return get_order(session, tenant.id, order_id)


def link_of(database: Database, link_id: int) -> PaymentLink:
    with database.read() as session:
        link = session.get(PaymentLink, link_id)
        assert link is not None
        return link


def at_once(app: Flask, count: int, post: Any) -> list[int]:
    """`post(client)` from `count` threads released together; their status codes."""
    barrier, codes = threading.Barrier(count), []

    def run() -> None:
        client = app.test_client()
        barrier.wait()
        codes.append(post(client).status_code)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return codes
