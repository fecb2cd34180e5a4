"""The chat cart as tests see it: the conversation's open checkout, read and seeded."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from orders_core.db import Database
from orders_core.models import Checkout, Conversation, Product, utcnow
from orders_core.services.checkouts import new_checkout_id


def open_cart(database: Database, phone: str | None = None) -> list[dict[str, Any]]:
    """The lines of the customer's open chat checkout (of the only customer if no phone),
    each with `code`, `name`, `quantity` and `note` ("" when none); [] without one."""
    with database.read() as session:
        query = (
            select(Checkout)
            .join(Conversation, Conversation.id == Checkout.conversation_id)
            .where(Checkout.status == "open")
        )
        if phone is not None:
            query = query.where(Conversation.phone == phone)
        checkout = session.scalars(query).one_or_none()
        if checkout is None:
            return []
        names = {code: name for code, name in session.execute(select(Product.code, Product.name))}
        return [
            {"code": item["product_id"], "name": names.get(item["product_id"]),
             "quantity": item["quantity"], "note": item.get("note", "")}
            for item in checkout.items
        ]  # fmt: skip


def seed_cart(
    session: Any,
    tenant_id: int,
    phone: str,
    quantities: dict[str, int],
    *,
    state: str = "cart",
    data: dict[str, Any] | None = None,
    last_activity_at: datetime | None = None,
    channel: str = "whatsapp",
) -> None:
    """A conversation whose cart holds `quantities` (product code -> quantity)."""
    at = last_activity_at or utcnow()
    checkout_id = new_checkout_id()
    marker = {"checkout": checkout_id} if quantities else {}
    conversation = Conversation(
        tenant_id=tenant_id, phone=phone, state=state, data=(data or {}) | marker,
        last_activity_at=at, created_at=at,
    )  # fmt: skip
    session.add(conversation)
    session.flush()
    if quantities:
        session.add(
            Checkout(
                public_id=checkout_id, tenant_id=tenant_id, conversation_id=conversation.id,
                status="open", channel=channel, source=channel, customer={"phone": phone},
                items=[{"product_id": c, "quantity": q} for c, q in quantities.items()],
                meta={}, delivery_fee=0, last_activity_at=at, created_at=at, updated_at=at,
            )
        )  # fmt: skip
