"""Migration 0007 moves each conversation's cart into an open checkout, and back down."""

from __future__ import annotations

import json

from alembic import command
from sqlalchemy import inspect, select, text

from orders_core.db import Database
from orders_core.migrate import alembic_config, upgrade
from orders_core.models import Checkout, Conversation, Customer
from tests.bot.chat_cart import seed_cart
from tests.conftest import TenantInfo

WHATSAPP_CUSTOMER, SMS_CUSTOMER = "+2348011111111", "+2348022222222"


def test_carts_move_into_checkouts_and_back(database: Database, tenant: TenantInfo) -> None:
    url = database.engine.url.render_as_string(hide_password=False)
    with database.write() as session:
        session.add(Customer(tenant_id=tenant.id, phone=WHATSAPP_CUSTOMER, name="Ada",
                             whatsapp=True))  # fmt: skip
        seed_cart(session, tenant.id, WHATSAPP_CUSTOMER, {"prod_jollof": 2})

    command.downgrade(alembic_config(url), "0006")

    old_cart = [
        {"code": "prod_suya", "name": "Suya", "quantity": 3, "unit_price": 1, "note": "spicy"},
        {"code": "prod_zobo", "quantity": 0},  # never a line: dropped
    ]
    with database.engine.begin() as conn:
        carts = dict(conn.execute(text("SELECT phone, cart FROM conversations")).all())
        conn.execute(
            text(
                "INSERT INTO conversations (tenant_id, phone, state, cart, data, "
                "last_activity_at, created_at) VALUES (:t, :p, 'cart', :c, '{}', "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ),
            {"t": tenant.id, "p": SMS_CUSTOMER, "c": json.dumps(old_cart)},
        )
    moved_down = carts[WHATSAPP_CUSTOMER]
    moved_down = json.loads(moved_down) if isinstance(moved_down, str) else moved_down
    assert moved_down == [{"code": "prod_jollof", "quantity": 2, "note": ""}]

    upgrade(database.engine)

    assert "cart" not in {c["name"] for c in inspect(database.engine).get_columns("conversations")}
    with database.read() as session:
        rows = session.execute(
            select(Conversation.phone, Checkout)
            .join(Checkout, Checkout.conversation_id == Conversation.id)
            .order_by(Conversation.phone)
        ).all()
        found = {phone: (c.status, c.channel, c.items, c.customer) for phone, c in rows}
        named = {
            phone: data.get("checkout")
            for phone, data in session.execute(select(Conversation.phone, Conversation.data))
        }
        opened = {phone: c.public_id for phone, c in rows}
    assert found == {
        WHATSAPP_CUSTOMER: ("open", "whatsapp", [{"product_id": "prod_jollof", "quantity": 2}],
                            {"phone": WHATSAPP_CUSTOMER, "name": "Ada"}),
        SMS_CUSTOMER: ("open", "sms", [{"product_id": "prod_suya", "quantity": 3,
                                        "note": "spicy"}], {"phone": SMS_CUSTOMER}),
    }  # fmt: skip
    assert named == opened  # each conversation names its open checkout
