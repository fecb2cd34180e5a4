"""An order's delivery block: how it is stored, and changing it until the order is on its way."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from orders_core.delivery_schemas import AddressIn, DeliveryIn, DeliveryUpdate
from orders_core.domain import OrderStatus
from orders_core.errors import Conflict
from orders_core.events import add_timeline, emit
from orders_core.models import Order, utcnow

# Until a rider has it, the delivery details can still change.
EDITABLE = frozenset(
    {OrderStatus.PENDING, OrderStatus.CONFIRMED, OrderStatus.PREPARING, OrderStatus.ON_HOLD}
)


def _address_fields(address: str | AddressIn) -> dict[str, Any]:
    if isinstance(address, AddressIn):
        return {
            "address": address.one_line(),
            "address_fields": address.model_dump(mode="json", exclude_none=True),
        }
    return {"address": address}


def delivery_doc(data: DeliveryIn) -> dict[str, Any]:
    """The delivery block as stored: a structured address also kept as one line in
    `address` (what riders and the chat read), the older `notes` kept as `instructions`."""
    doc = data.model_dump(mode="json", exclude_none=True, exclude={"address", "notes"})
    if data.address is not None:
        doc.update(_address_fields(data.address))
    if data.notes is not None and data.instructions is None:
        doc["instructions"] = data.notes
    return doc


def update_delivery(session: Session, order: Order, data: DeliveryUpdate, *, actor: str) -> bool:
    """Apply the given delivery fields (null clears one); True if anything changed.

    A new address without a new location drops the old pin, which pointed elsewhere.
    Conflict once the order is out for delivery, delivered or cancelled.
    """
    if order.status not in EDITABLE:
        raise Conflict(
            f"The delivery details cannot change once the order is {order.status}",
            param="delivery",
        )
    given = data.model_fields_set
    updated = dict(order.delivery)
    if "address" in given:
        updated.pop("address_fields", None)
        updated.pop("address", None)
        if data.address is not None:
            updated.update(_address_fields(data.address))
        if "location" not in given:
            updated.pop("location", None)
    for name in given - {"address", "notes"}:
        value = getattr(data, name)
        if value is None:
            updated.pop(name, None)
        else:
            updated[name] = value.model_dump(mode="json") if name == "location" else value
    if "notes" in given and "instructions" not in given:
        updated["instructions"] = data.notes
        if data.notes is None:
            updated.pop("instructions")
    if updated == order.delivery:
        return False
    changed = sorted(k for k in updated.keys() | order.delivery.keys()
                     if updated.get(k) != order.delivery.get(k))  # fmt: skip
    order.delivery = updated
    order.updated_at = utcnow()
    add_timeline(
        session,
        order,
        kind="delivery_changed",
        type="info",
        title="Delivery details changed",
        description=", ".join(changed)
        + (f": {updated['address']}" if "address" in changed and "address" in updated else ""),
        actor=actor,
        data={"changed": changed},
    )
    emit(session, order, "order.updated", {"changed": ["delivery"]})
    return True
