"""An order's delivery block: how it is stored, and changing it until the order is on its way."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from orders_core.delivery_schemas import AddressIn, DeliveryIn, DeliveryUpdate
from orders_core.delivery_zones import find_zone, zone_named
from orders_core.domain import OrderStatus, format_money
from orders_core.errors import Conflict, ValidationFailed
from orders_core.events import add_timeline, emit
from orders_core.models import Order, utcnow
from orders_core.schemas import OrderCreate
from orders_core.tenant_settings import TenantSettings

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


def zone_charge(
    settings: TenantSettings, data: OrderCreate, subtotal: int, currency: str
) -> tuple[int, str | None]:
    """The delivery fee of a new order and the name of its delivery zone, if it has one.

    Without zones, or for an order with no address, pin or zone: the `delivery_fee` given.
    A pickup has no fee and no zone. Otherwise the zone is the one `delivery.zone` names,
    else the one the pin or the address is in (the structured `area` tried first). Its fee
    is charged and its minimum order checked unless `delivery_fee` was given (the caller
    priced delivery itself; the zone is still recorded). ValidationFailed when no zone
    can be found and no fee was given, or the order is below the zone's minimum.
    """
    given = "delivery_fee" in data.model_fields_set
    delivery = data.delivery
    if delivery is not None and delivery.method == "pickup":
        if data.delivery_fee:
            raise ValidationFailed("A pickup order has no delivery fee", param="delivery_fee")
        if delivery.zone is not None:
            raise ValidationFailed("A pickup order has no delivery zone", param="delivery.zone")
        return 0, None
    zones = settings.delivery_zones
    named = delivery.zone if delivery is not None else None
    if not zones:
        if named is not None:
            raise ValidationFailed("This business has no delivery zones", param="delivery.zone")
        return data.delivery_fee, None
    names = [zone.name for zone in zones]
    if named is not None:
        zone = zone_named(zones, named)
        if zone is None:
            raise ValidationFailed(
                f"No delivery zone is named {named!r}", param="delivery.zone",
                details={"zones": names},
            )  # fmt: skip
    else:
        texts = _address_texts(data)
        point = delivery.location if delivery is not None else None
        if not texts and point is None:
            return data.delivery_fee, None
        found = None
        for text in texts or [None]:
            found = find_zone(zones, address=text, point=point, shop=settings.location).zone
            if found is not None:
                break
        if found is None:
            if given:
                return data.delivery_fee, None
            raise ValidationFailed(
                "No delivery zone covers this address; name one in delivery.zone "
                "or give delivery_fee",
                param="delivery.zone", details={"zones": names},
            )  # fmt: skip
        zone = found
    if given:
        return data.delivery_fee, zone.name
    if subtotal < zone.min_order:
        raise ValidationFailed(
            f"Delivery to {zone.name} needs an order of at least "
            f"{format_money(zone.min_order, currency)} "
            f"({format_money(zone.min_order - subtotal, currency)} more)",
            param="items", details={"zone": zone.name, "min_order": zone.min_order},
        )  # fmt: skip
    return zone.fee, zone.name


def _address_texts(data: OrderCreate) -> list[str]:
    """The texts that may name the delivery area: the structured `area`, then the address."""
    address = data.delivery.address if data.delivery is not None else None
    if isinstance(address, AddressIn):
        return [t for t in (address.area, address.one_line()) if t]
    return [t for t in (address or data.customer.address,) if t]
