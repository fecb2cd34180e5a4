"""The demo business that `chatorders serve` seeds into an empty database."""

from __future__ import annotations

import json
from importlib import resources

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from orders_core.models import ApiKey, Tenant, utcnow
from orders_core.services.catalog import import_menu
from orders_core.services.tenants import NewApiKey, create_api_key, create_tenant

DEMO_WHATSAPP = "+14155238886"  # Twilio's WhatsApp sandbox number
DEMO_STAFF = "+2348000000001"
DEMO_CUSTOMER = "+2348012345678"
# Local stand-ins for approved Content templates, so the simulator shows buttons
# and lists (bot/content_templates.py describes each key's buttons and variables).
DEMO_TEMPLATES: dict[str, object] = {
    "chat.cart_summary": {"content_sid": "HX" + "c1" * 16, "variables": ["body", "cart"]},
    "chat.did_you_mean": {"content_sid": "HX" + "d1" * 16, "variables": [
        "body", "item_1", "code_1", "price_1", "item_2", "code_2", "price_2"]},
    "staff.new_order_buttons": {
        "content_sid": "HX" + "5b" * 16, "variables": ["body", "order_number"]},
}  # fmt: skip
# A Lekki kitchen: free delivery in Lekki, a fee to the Island and the Mainland (each with a
# minimum order), and pickup at the shop. Amounts in kobo.
DEMO_DELIVERY: dict[str, object] = {
    "pickup": True,
    "pickup_address": "14 Admiralty Way, Lekki Phase 1",
    "location": {"latitude": 6.4478, "longitude": 3.4723},
    "delivery_zones": [
        {"name": "Lekki", "areas": ["Lekki", "Lekki Phase 1", "Ikate", "Oniru", "Chevron",
                                    "Ajah"], "fee": 0, "min_order": 500_000},
        {"name": "Island", "areas": ["Victoria Island", "VI", "Ikoyi", "Lagos Island",
                                     "Obalende"], "fee": 150_000, "min_order": 500_000},
        {"name": "Mainland", "areas": ["Yaba", "Surulere", "Ikeja", "Gbagada", "Maryland"],
         "fee": 300_000, "min_order": 1_000_000},
    ],
}  # fmt: skip


# Asks for payment when staff confirm: the link opens the local test page (no account needed).
DEMO_PAYMENTS: dict[str, object] = {"methods": ["local", "cash"], "ask": "before_preparing"}


def demo_menu() -> list[dict[str, object]]:
    """The demo menu: a Lagos restaurant, prices in kobo."""
    return json.loads(resources.files("orders_core").joinpath("demo_menu.json").read_text("utf-8"))


def seed_demo(session: Session) -> NewApiKey | None:
    """Create the demo tenant, menu and a test key when there is no tenant yet; else None."""
    if session.scalar(select(func.count()).select_from(Tenant)):
        return None
    tenant = create_tenant(
        session,
        name="Mama Put Lagos (demo)",
        currency="NGN",
        timezone="Africa/Lagos",
        whatsapp_number=DEMO_WHATSAPP,
        staff=[DEMO_STAFF],
        settings={**DEMO_DELIVERY, "templates": DEMO_TEMPLATES, "payments": DEMO_PAYMENTS},
    )
    import_menu(session, tenant.id, demo_menu())
    return create_api_key(session, tenant.id, mode="test", name="demo")


def rotate_demo_key(session: Session) -> NewApiKey | None:
    """A fresh test key for the demo tenant (its earlier demo keys revoked); None if no demo.

    Keys are stored hashed, so a restart cannot show the old one: it mints a new one.
    """
    key = session.scalars(
        select(ApiKey).where(ApiKey.name == "demo", ApiKey.revoked_at.is_(None)).limit(1)
    ).first()
    if key is None:
        return None
    session.execute(
        update(ApiKey)
        .where(
            ApiKey.tenant_id == key.tenant_id, ApiKey.name == "demo", ApiKey.revoked_at.is_(None)
        )
        .values(revoked_at=utcnow())
    )
    return create_api_key(session, key.tenant_id, mode="test", name="demo")
