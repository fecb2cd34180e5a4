"""Businesses with delivery zones and pickup, one per market, for the zones tests."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import select

from orders_core.db import Database
from orders_core.models import Message, Order
from orders_core.services.tenants import get_tenant, update_tenant_settings
from orders_core.settings import Settings
from tests.conftest import TenantInfo, make_tenant
from tests.webhooks.twilio_helpers import WhatsApp

LAGOS: dict[str, Any] = {
    "pickup": True,
    "pickup_address": "14 Admiralty Way, Lekki Phase 1",
    "location": {"latitude": 6.4478, "longitude": 3.4723},
    "delivery_zones": [
        {"name": "Lekki", "areas": ["Lekki", "Lekki Phase 1", "Ajah", "VGC"],
         "fee": 150_000, "min_order": 500_000},
        {"name": "Island", "areas": ["Victoria Island", "VI", "Ikoyi", "Oniru"],
         "fee": 100_000},
        {"name": "Mainland", "areas": ["Yaba", "Surulere", "Ikeja"],
         "fee": 250_000, "min_order": 1_000_000},
        {"name": "Next door", "max_km": 2, "fee": 30_000},
    ],
}  # fmt: skip
MUMBAI: dict[str, Any] = {
    "languages": ["hi"],
    "pickup": True,
    "pickup_address": "Shop 4, Hill Road, Bandra West",
    "delivery_zones": [
        {"name": "Bandra", "areas": ["Bandra", "Bandra West", "Khar"], "fee": 4_000},
        {"name": "Andheri", "areas": ["Andheri", "Juhu", "Versova"],
         "fee": 8_000, "min_order": 200_000},
    ],
}  # fmt: skip
NAIROBI: dict[str, Any] = {
    "languages": ["sw"],
    "pickup": True,
    "pickup_address": "Sarit Centre, Westlands",
    "location": {"latitude": -1.2605, "longitude": 36.8025},
    "delivery_zones": [
        {"name": "Westlands", "areas": ["Westlands", "Parklands"], "fee": 15_000},
        {"name": "Kilimani", "areas": ["Kilimani", "Kileleshwa", "Lavington"],
         "fee": 25_000, "min_order": 200_000},
        {"name": "Karibu", "max_km": 1.5, "fee": 5_000},
    ],
}  # fmt: skip
CUSTOMER = "+2348012345678"


def configure(database: Database, tenant_id: int, settings: dict[str, Any]) -> None:
    """Give the business these settings (validated as the API validates them)."""
    with database.write() as session:
        update_tenant_settings(session, get_tenant(session, tenant_id), settings)


def market_shop(
    database: Database, chat_app: Flask, settings: Settings, market: str
) -> tuple[TenantInfo, WhatsApp]:
    """A business of `market` (lagos, mumbai, nairobi) with zones, and a customer's phone."""
    fields: dict[str, Any] = {
        "lagos": {},
        "mumbai": {"name": "Bandra Biryani House", "currency": "INR",
                   "timezone": "Asia/Kolkata", "whatsapp_number": "+919800000001",
                   "staff": ["+919800000002"]},
        "nairobi": {"name": "Mama Oliech Kitchen", "currency": "KES",
                    "timezone": "Africa/Nairobi", "whatsapp_number": "+254700000009",
                    "staff": ["+254711000009"]},
    }[market]  # fmt: skip
    tenant = make_tenant(database, **fields)
    configure(database, tenant.id, {"lagos": LAGOS, "mumbai": MUMBAI, "nairobi": NAIROBI}[market])
    assert settings.twilio_auth_token is not None and tenant.whatsapp is not None
    phone = WhatsApp(
        chat_app.test_client(), token=settings.twilio_auth_token,
        base_url=settings.public_base_url, to=tenant.whatsapp,
    )  # fmt: skip
    return tenant, phone


def run_turns(phone: WhatsApp, turns: list[tuple[str, list[str]]]) -> list[str]:
    """Send each message and check its reply holds every expected piece; the replies."""
    replies = []
    for text, expected in turns:
        reply = phone.send(text).text
        for piece in expected:
            assert piece in reply, f"{text!r}: {piece!r} not in reply:\n{reply}"
        assert "*" in reply or "?" in reply, f"{text!r}: dead end:\n{reply}"
        replies.append(reply)
    return replies


def orders_of(database: Database, tenant_id: int) -> list[Order]:
    """The business's orders, oldest first."""
    with database.read() as session:
        return list(
            session.scalars(
                select(Order).where(Order.tenant_id == tenant_id).order_by(Order.number)
            )
        )


def staff_alerts(database: Database) -> list[str]:
    """The bodies of the alerts sent to staff, oldest first."""
    with database.read() as session:
        return [
            m.body or ""
            for m in session.scalars(
                select(Message).where(Message.kind == "alert").order_by(Message.id)
            )
        ]
