"""Where and how an order is delivered, and to whom: the request models of the delivery block."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, Strict

from orders_core.fields import Input, LongText, Phone, ShortText


class Location(Input):
    """A point on the map, as WhatsApp shares it."""

    latitude: Annotated[float, Strict()] = Field(ge=-90, le=90)
    longitude: Annotated[float, Strict()] = Field(ge=-180, le=180)


class AddressIn(Input):
    """A structured address; `line1` at least."""

    line1: ShortText = Field(min_length=1)
    line2: ShortText | None = None
    area: ShortText | None = None
    city: ShortText | None = None
    region: ShortText | None = None
    postal_code: Annotated[str, Field(max_length=20)] | None = None
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None = None

    def one_line(self) -> str:
        """The address as one line, the way a rider reads it."""
        parts = (self.line1, self.line2, self.area, self.city, self.region, self.postal_code)
        return ", ".join(p for p in parts if p)


class DeliveryIn(Input):
    """Where and how the order is delivered, and to whom.

    `address` is free text, or structured (stored as given, and as one line in
    `address` for riders and the chat). `notes` is the older name of `instructions`.
    `zone` names one of the business's delivery zones; without it the zone is found from
    `location` or the address (see orders_core.services.delivery.zone_charge).
    """

    method: Literal["delivery", "pickup"] = "delivery"
    zone: ShortText | None = None
    address: LongText | AddressIn | None = None
    location: Location | None = None
    instructions: LongText | None = None
    notes: LongText | None = None
    recipient_name: ShortText | None = None
    recipient_phone: Phone | None = None
    alternate_phone: Phone | None = None


class DeliveryUpdate(DeliveryIn):
    """PATCH /v1/orders/{id} `delivery`: the fields given replace those stored; null clears."""

    method: Literal["delivery", "pickup"] | None = None  # type: ignore[assignment]
