"""Request and response bodies of /v1/checkouts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from orders_core.delivery_schemas import DeliveryIn
from orders_core.domain import Channel
from orders_core.fields import (
    Amount,
    CheckoutCursor,
    ExternalId,
    ExternalNumber,
    Input,
    LongText,
    Metadata,
    Output,
    ShortText,
    Source,
)
from orders_core.models import CheckoutStatus
from orders_core.schemas import CustomerIn, OrderItemIn


class CheckoutItemIn(OrderItemIn):
    """An order line, as on POST /v1/orders, with what the customer asked of it."""

    note: ShortText | None = None


CheckoutItems = Annotated[list[CheckoutItemIn], Field(min_length=1, max_length=100)]


class CheckoutCreate(Input):
    """POST /v1/checkouts: a cart priced live from the catalog until it is completed."""

    customer: CustomerIn
    items: CheckoutItems
    channel: Channel = Channel.API
    # The integrator's ids, as on orders; (source, external_id) is unique per business.
    source: Source | None = None
    external_id: ExternalId | None = None
    external_number: ExternalNumber | None = None
    delivery: DeliveryIn | None = None
    delivery_fee: Amount = 0
    notes: LongText | None = None
    metadata: Metadata = Field(default_factory=dict)


class CheckoutUpdate(Input):
    """PATCH /v1/checkouts/{id}: the fields given replace those stored (items as a whole);
    `metadata` is merged (null deletes a key); null clears delivery and notes."""

    customer: CustomerIn | None = None
    items: CheckoutItems | None = None
    external_number: ExternalNumber | None = None
    delivery: DeliveryIn | None = None
    delivery_fee: Amount | None = None
    notes: LongText | None = None
    metadata: Metadata | None = None


class CheckoutParams(Input):
    """GET /v1/checkouts: newest first; `status=abandoned` is open and idle past the
    business's abandoned_cart_minutes, `status=open` the rest of the open ones."""

    status: CheckoutStatus | None = None
    channel: Channel | None = None
    limit: int = Field(default=25, ge=1, le=100)
    starting_after: CheckoutCursor | None = None


class CheckoutLineOut(Output):
    """A line at the catalog's price now (or the line's own price, for an ad-hoc one)."""

    product_id: str | None
    name: str
    quantity: int
    unit_price: int
    options: list[dict[str, Any]] = []  # [{group, name, price}], priced now
    subtotal: int
    note: str | None = None
    available: bool


class CheckoutOut(Output):
    """A checkout: `open`, `abandoned` (open but idle), `completed` (see `order_id`) or
    `expired` (a chat cart left longer than the chat keeps one)."""

    id: str
    object: Literal["checkout"] = "checkout"
    status: CheckoutStatus
    channel: str
    source: str | None
    external_id: str | None
    external_number: str | None
    customer: dict[str, Any]
    items: list[CheckoutLineOut]
    currency: str
    subtotal: int
    delivery_fee: int
    total: int
    delivery: dict[str, Any] | None
    notes: str | None
    metadata: dict[str, Any]
    order_id: str | None
    last_activity_at: datetime
    completed_at: datetime | None
    created_at: datetime
    updated_at: datetime


class CheckoutList(Output):
    """A page of checkouts."""

    object: Literal["list"] = "list"
    data: list[CheckoutOut]
    has_more: bool
    next_cursor: str | None = None
