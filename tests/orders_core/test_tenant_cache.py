"""What a worker caches of a business is seen to change on its next request, in any worker."""

from __future__ import annotations

import threading

import pytest
from flask import Flask
from sqlalchemy import text

from orders_core.db import Database
from orders_core.demo import DEMO_WHATSAPP
from orders_core.schemas import CustomerIn, OrderCreate, OrderItemIn
from orders_core.services.placing import place_order
from orders_core.services.tenants import get_tenant, set_staff
from orders_core.settings import Settings
from orders_core.tenant_cache import TenantCache, tenant_cache
from tests.conftest import TenantInfo
from tests.statements import counting
from tests.webhooks.twilio_helpers import WhatsApp
from webhooks.app import create_app


def _phone(app: Flask, settings: Settings, from_: str = "+2348055555555") -> WhatsApp:
    assert settings.twilio_auth_token is not None
    return WhatsApp(app.test_client(), token=settings.twilio_auth_token,
                    base_url=settings.public_base_url, from_=from_)  # fmt: skip


def _two_workers(settings: Settings, database: Database) -> tuple[Flask, Flask]:
    """Two apps with their own engines and caches, as two gunicorn workers have."""
    url = database.engine.url.render_as_string(hide_password=False)
    return create_app(settings, db=database), create_app(settings, db=Database.from_url(url))


def test_a_price_changed_by_one_worker_is_charged_by_the_other(
    settings: Settings, database: Database, tenant: TenantInfo
) -> None:
    first, second = _two_workers(settings, database)
    customer = _phone(second, settings)
    assert "₦" in customer.send("1 chapman").text  # the second worker has cached the menu
    response = first.test_client().patch(
        "/v1/products/prod_chapman", json={"unit_price": 123400}, headers=tenant.headers
    )
    assert response.status_code == 200
    assert "2 × Chapman — ₦2,468" in customer.send("1 more chapman").text  # 2 × ₦1,234


def test_staff_added_are_known_on_their_next_message(
    settings: Settings, database: Database, tenant: TenantInfo
) -> None:
    _first, second = _two_workers(settings, database)
    newcomer = _phone(second, settings, from_="+2348099999999")
    assert "order" in newcomer.send("orders").text.lower()
    with database.write() as session:
        set_staff(session, get_tenant(session, tenant.id), ["+2348000000001", "+2348099999999"])
    assert "no open orders" in newcomer.send("orders").text.lower()


def test_unchanged_business_is_read_as_one_row(database: Database, tenant: TenantInfo) -> None:
    cache = TenantCache()
    with database.read() as session:
        first = cache.by_number(session, DEMO_WHATSAPP)
        with counting(database.engine) as seen:
            again = cache.by_number(session, DEMO_WHATSAPP)
    assert again is first and len(seen) == 1
    assert {p.code for p in first.products} >= {"prod_jollof", "prod_chapman"}


def test_a_change_rolled_back_is_never_shared(database: Database, tenant: TenantInfo) -> None:
    cache = tenant_cache(database)
    with database.read() as session:
        before = cache.by_number(session, DEMO_WHATSAPP)
    with pytest.raises(RuntimeError), database.write() as session:
        get_tenant(session, tenant.id).name = "Renamed, then rolled back"
        session.flush()
        assert cache.by_number(session, DEMO_WHATSAPP).tenant.name == "Renamed, then rolled back"
        raise RuntimeError
    with database.read() as session:
        after = cache.by_number(session, DEMO_WHATSAPP)
    assert after is before and after.tenant.name == "Mama Put Lagos"


def test_orders_of_one_business_do_not_wait_for_each_other(
    database: Database, tenant: TenantInfo
) -> None:
    """An order being placed (not yet committed) does not hold the next order's number."""
    if database.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time by design")
    data = OrderCreate(customer=CustomerIn(name="Amara"),
                       items=[OrderItemIn(product_id="prod_jollof", quantity=1)], channel="pos")  # fmt: skip
    numbers: list[int] = []
    errors: list[BaseException] = []

    def second_order() -> None:
        try:
            with database.write() as session:
                session.execute(text("SET LOCAL lock_timeout = '2s'"))
                numbers.append(place_order(session, get_tenant(session, tenant.id), data).number)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    with database.write() as session:
        numbers.append(place_order(session, get_tenant(session, tenant.id), data).number)
        other = threading.Thread(target=second_order)
        other.start()
        other.join()  # while the first order's transaction is still open
    assert errors == [] and sorted(numbers) == [1001, 1002]
