"""Staff take products off and put them back from the staff phone: SOLD OUT jollof, BACK jollof."""

from __future__ import annotations

from orders_core.db import Database
from orders_core.demo import DEMO_STAFF
from orders_core.services.catalog import get_product
from tests.conftest import TenantInfo
from tests.webhooks.twilio_helpers import WhatsApp


def staff(whatsapp: WhatsApp, text: str) -> str:
    return whatsapp.send(text, from_=DEMO_STAFF).text


def available(database: Database, tenant: TenantInfo, code: str) -> bool:
    with database.read() as session:
        return get_product(session, tenant.id, code).available


def test_sold_out_and_back_change_what_the_chat_sells(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    answer = staff(whatsapp, "sold out jollof")

    assert "*Jollof Rice (Large)* is sold out" in answer and "BACK jollof" in answer
    assert not available(database, tenant, "prod_jollof")
    reply = whatsapp.send("2 jollof").text
    assert "*Jollof Rice (Large)* is sold out right now" in reply
    assert "You could have" in reply
    assert "sold out" in whatsapp.send("menu").text

    assert "is back on" in staff(whatsapp, "BACK jollof")
    assert available(database, tenant, "prod_jollof")
    assert "2 × Jollof Rice (Large)" in whatsapp.send("2 jollof").text


def test_other_ways_staff_say_it(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    assert "is sold out" in staff(whatsapp, "Out of stock: Zobo")
    assert not available(database, tenant, "prod_zobo")
    assert "already sold out" in staff(whatsapp, "finished zobo drink")
    assert "is back on" in staff(whatsapp, "back in stock zobo")
    assert "already available" in staff(whatsapp, "available zobo")


def test_unclear_or_unknown_names_change_nothing(
    whatsapp: WhatsApp, database: Database, tenant: TenantInfo
) -> None:
    unclear = staff(whatsapp, "sold out rice")
    assert "could be" in unclear and "Fried Rice" in unclear and "Jollof Rice" in unclear
    assert 'No product called "pizza"' in staff(whatsapp, "sold out pizza")
    assert "SOLD OUT jollof" in staff(whatsapp, "sold out")
    assert available(database, tenant, "prod_jollof")
    assert available(database, tenant, "prod_friedrice")
    assert "SOLD OUT jollof" in staff(whatsapp, "help")
