"""The soak's businesses and what their customers write: Lagos (the demo), Mumbai, Nairobi.

Plain data: each market's business (seeded with the product's own services) and the
walks its customers take, message by message, from a greeting to the order placed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from orders_core.demo import seed_demo
from orders_core.models import Tenant
from orders_core.services.catalog import import_menu
from orders_core.services.tenants import create_api_key, create_tenant

# Each walk: the messages a customer sends, then "yes" to place the order. Addresses fall in
# a delivery zone of the demo (Lagos) or are plain addresses elsewhere.
MARKETS: dict[str, dict[str, Any]] = {
    "lagos": {
        "number": "+14155238886",  # the demo's own number (orders_core.demo)
        "prefix": "+2348",
        "walks": [
            ["hi", "2 jollof and a chapman pls", "yes", "12 Admiralty Way, Lekki", "yes"],
            ["abeg 4 puff puff and 2 chapman", "checkout", "Lekki Phase 1, 3 Fola Osibo", "yes"],
            ["hello", "1 fried rice and 2 chapman", "yes", "Oniru, 7 Ligali Ayorinde", "yes"],
            ["hi", "2 jollof"],  # left in the cart: the abandoned-cart nudge
        ],
    },
    "mumbai": {
        "number": "+14155550002",
        "prefix": "+9198",
        "name": "Annapurna Tiffin Centre",
        "currency": "INR",
        "timezone": "Asia/Kolkata",
        "menu": [
            {"name": "Veg Thali", "unit_price": 18000, "aliases": ["thali"]},
            {"name": "Masala Dosa", "unit_price": 9000, "aliases": ["dosa"]},
            {"name": "Vada Pav", "unit_price": 2500, "aliases": ["vadapav", "wada pav"]},
            {"name": "Samosa", "unit_price": 2000, "aliases": []},
            {"name": "Sweet Lassi", "unit_price": 6000, "aliases": ["lassi"]},
            {"name": "Masala Chai", "unit_price": 2000, "aliases": ["chai", "cutting chai"]},
        ],
        "walks": [
            ["namaste", "do samosa aur ek lassi bhejo", "yes", "Flat 4, Shanti Niwas, Dadar", "yes"],
            ["2 masala dosa and 1 chai", "yes", "12 Linking Road, Bandra West", "haan"],
            ["ek thali aur do vada pav", "yes", "B-203 Sai Krupa, Andheri East", "yes"],
            ["do samosa bhejo"],
        ],
    },
    "nairobi": {
        "number": "+14155550003",
        "prefix": "+2547",
        "name": "Mama Njeri Shop & Kibanda",
        "currency": "KES",
        "timezone": "Africa/Nairobi",
        "menu": [
            {"name": "Chapati", "unit_price": 2000, "aliases": ["chapo"]},
            {"name": "Chai", "unit_price": 3000, "aliases": ["tea"]},
            {"name": "Bread (400g)", "unit_price": 6500, "aliases": ["mkate"]},
            {"name": "Fresh Milk 500ml", "unit_price": 6500, "aliases": ["milk", "maziwa"]},
            {"name": "Sugar (1kg)", "unit_price": 16000, "aliases": ["sukari"]},
            {"name": "Eggs", "unit_price": 1500, "aliases": ["mayai", "egg"]},
        ],
        "walks": [
            ["sasa", "nipe chapati tatu na chai moja", "ndio", "Kilimani, Argwings Kodhek Rd", "ndio"],
            ["2 mkate na maziwa moja", "yes", "Westlands, Woodvale Grove 3", "yes"],
            ["mayai 6 na sukari", "yes", "South B, Mchumbi Road 14", "yes"],
            ["nipe chapati mbili"],
        ],
    },
}  # fmt: skip
# Reminders due within a short run, at any hour: every job that sends gets to work.
REMINDERS = {
    "pending_reminder_minutes": 1, "unpaid_reminder_minutes": 1, "feedback_after_minutes": 1,
    "abandoned_cart_minutes": 1, "quiet_hours_start": 0, "quiet_hours_end": 0,
}  # fmt: skip
STAFF = {"lagos": "+2348000000001", "mumbai": "+919800000001", "nairobi": "+254700000001"}


def seed_markets(session: Session) -> dict[str, dict[str, Any]]:
    """The demo business (Lagos) plus Mumbai and Nairobi, each with a live API key and
    reminders due after a minute; per market: tenant id, WhatsApp number and key secret."""
    seeded: dict[str, dict[str, Any]] = {}
    demo_key = seed_demo(session)
    if demo_key is None:
        raise RuntimeError("the soak database must be empty")
    for market, spec in MARKETS.items():
        if market == "lagos":
            tenant_id = demo_key.tenant_id
        else:
            tenant = create_tenant(
                session, name=spec["name"], currency=spec["currency"],
                timezone=spec["timezone"], whatsapp_number=spec["number"], staff=[STAFF[market]],
            )  # fmt: skip
            import_menu(session, tenant.id, spec["menu"])
            tenant_id = tenant.id
        tenant_row = session.get(Tenant, tenant_id)
        assert tenant_row is not None
        tenant_row.settings = {**tenant_row.settings, **REMINDERS}
        key = create_api_key(session, tenant_id, name="soak")
        seeded[market] = {"tenant_id": tenant_id, "number": spec["number"], "key": key.secret}
    return seeded
