"""A return's events reach the customer on their channel (through the real twilio library)
and the order's webhooks; a refunded return is said once, by its refund."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from orders_core.models import Return
from orders_core.return_schemas import ReturnActionIn, ReturnCreate
from orders_core.schemas import PaymentIn
from orders_core.services import returns as use
from orders_core.services.orders import get_order
from orders_core.services.payments import record_payment
from orders_core.services.tenants import get_tenant, update_tenant_settings
from tests.conftest import TenantInfo
from tests.twilio_recorder import CUSTOMER, Harness, move, place

HOOK = "https://hooks.example.com/orders"


def _delivered(h: Harness, tenant: TenantInfo, **fields: Any) -> str:
    """A paid, delivered order of 2 jollof whose earlier notices are sent; its id."""
    order_id = place(h.database, tenant.id, **fields)
    with h.database.write() as session:
        order = get_order(session, tenant.id, order_id, lock=True)
        record_payment(session, order, PaymentIn(), actor="t")
    move(h.database, tenant.id, order_id, "delivered")
    h.dispatch()
    h.recorder.requests.clear()
    h.sender.posts.clear()
    return order_id


def _request(h: Harness, tenant: TenantInfo, order_id: str, quantity: int = 1) -> str:
    with h.database.write() as session:
        order = get_order(session, tenant.id, order_id, lock=True)
        item = f"item_{order.items[0].id}"
        data = ReturnCreate.model_validate(
            {"items": [{"item_id": item, "quantity": quantity}], "reason": "damaged"}
        )
        return use.request_return(session, order, data, actor="t").public_id


Step = Callable[..., Return]


def _act(
    h: Harness, tenant: TenantInfo, return_id: str, step: Step, note: str | None = None
) -> None:
    with h.database.write() as session:
        ret = use.get_return(session, tenant.id, return_id, lock=True)
        step(session, ret, ReturnActionIn(note=note), actor="t")


def _bodies(h: Harness) -> list[str]:
    h.dispatch()
    return [form["Body"] for form in h.recorder.sent]


def test_requested_received_refunded_are_told_once_each(h: Harness, tenant: TenantInfo) -> None:
    order_id = _delivered(h, tenant)
    return_id = _request(h, tenant, order_id)
    _act(h, tenant, return_id, use.receive_return)
    _act(h, tenant, return_id, use.refund_return)
    assert _bodies(h) == [
        "Mama Put Lagos: we have your request to return 1 × Jollof Rice (Large) from order "
        "#1001. We will tell you when it reaches us.",
        "Mama Put Lagos: we received the 1 × Jollof Rice (Large) you returned from order #1001.",
        "Mama Put Lagos: we have refunded ₦3,500 for order #1001.",
    ]
    assert {form["To"] for form in h.recorder.sent} == {f"whatsapp:{CUSTOMER}"}


def test_a_rejection_says_why(h: Harness, tenant: TenantInfo) -> None:
    order_id = _delivered(h, tenant)
    return_id = _request(h, tenant, order_id, quantity=2)
    _act(h, tenant, return_id, use.reject_return, note="The seal was broken.")
    assert _bodies(h)[-1] == (
        "Mama Put Lagos: we could not accept your return of 2 × Jollof Rice (Large) "
        "from order #1001. Note: The seal was broken."
    )


def test_the_order_webhooks_receive_every_return_event(h: Harness, tenant: TenantInfo) -> None:
    order_id = _delivered(h, tenant, webhook_urls=[HOOK])
    return_id = _request(h, tenant, order_id)
    _act(h, tenant, return_id, use.receive_return)
    _act(h, tenant, return_id, use.refund_return)
    h.dispatch()
    posted = [json.loads(body) for url, body, _ in h.sender.posts if url == HOOK]
    kinds = [p["type"] for p in posted]
    assert kinds == ["return.requested", "return.received", "refund.created", "return.refunded"]
    refunded = posted[-1]["data"]
    assert refunded["return"]["id"] == return_id and refunded["return"]["refunded_amount"] == 350000


def test_chat_silence_settings_apply_to_returns(h: Harness, tenant: TenantInfo) -> None:
    order_id = _delivered(h, tenant)
    with h.database.write() as session:
        update_tenant_settings(
            session, get_tenant(session, tenant.id), {"auto_notifications": False}
        )
    _request(h, tenant, order_id)
    assert _bodies(h) == []
