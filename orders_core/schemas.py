"""Pydantic models for every request and response body of the order core."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import EmailStr, Field, Strict, StrictBool, model_validator

from orders_core.domain import CancelReason, Channel, OrderStatus, PaymentStatus
from orders_core.fields import (
    Amount,
    Cursor,
    ExternalId,
    ExternalNumber,
    Input,
    LongText,
    Metadata,
    Output,
    Phone,
    PositiveAmount,
    Quantity,
    ShortText,
    Source,
    Url,
    UtcDateTime,
    WebhookUrl,
)


class CustomerIn(Input):
    """Who the order is for."""

    name: ShortText | None = None
    phone: Phone | None = None
    email: EmailStr | None = None
    address: LongText | None = None


class Location(Input):
    """A point on the map, as WhatsApp shares it."""

    latitude: Annotated[float, Strict()] = Field(ge=-90, le=90)
    longitude: Annotated[float, Strict()] = Field(ge=-180, le=180)


class DeliveryIn(Input):
    """Where and how the order is delivered."""

    method: Literal["delivery", "pickup"] = "delivery"
    address: LongText | None = None
    location: Location | None = None
    notes: LongText | None = None


class OrderItemIn(Input):
    """A catalog item by product_id (price from the catalog unless overridden) or an ad-hoc one."""

    product_id: Annotated[str, Field(max_length=64)] | None = None
    name: ShortText | None = None
    quantity: Quantity
    unit_price: Amount | None = None

    @model_validator(mode="after")
    def _catalog_or_adhoc(self) -> OrderItemIn:
        if self.product_id is None and (self.name is None or self.unit_price is None):
            raise ValueError("give a product_id, or a name and a unit_price for an ad-hoc item")
        return self


class OrderCreate(Input):
    """POST /v1/orders."""

    customer: CustomerIn
    items: Annotated[list[OrderItemIn], Field(min_length=1, max_length=100)]
    channel: Channel = Channel.API
    # The integrator's ids; `source` defaults to the channel. (source, external_id) is
    # unique per business: the same one again is a 409 naming the existing order.
    source: Source | None = None
    external_id: ExternalId | None = None
    external_number: ExternalNumber | None = None
    notes: LongText | None = None
    metadata: Metadata = Field(default_factory=dict)
    discount: Amount = 0
    tax: Amount = 0
    delivery_fee: Amount = 0
    delivery: DeliveryIn | None = None
    webhook_urls: Annotated[list[WebhookUrl], Field(max_length=5)] = Field(default_factory=list)
    meta: Metadata = Field(default_factory=dict)


class OrderUpdate(Input):
    """PATCH /v1/orders/{id}: status, notes, metadata (merged; null deletes a key)."""

    status: OrderStatus | None = None
    notes: LongText | None = None
    metadata: Metadata | None = None


class CancelIn(Input):
    """POST /v1/orders/{id}/cancel."""

    reason: CancelReason = CancelReason.OTHER
    note: LongText | None = None


class PaymentIn(Input):
    """POST /v1/orders/{id}/payments; amount defaults to what is still owed."""

    amount: PositiveAmount | None = None
    method: Literal["cash", "transfer", "card", "mobile_money", "pos", "other"] = "other"
    reference: ShortText | None = None


class ItemQuantity(Input):
    """A quantity of one order line, by its item id."""

    item_id: Annotated[str, Field(max_length=40)]
    quantity: Quantity


class RefundIn(Input):
    """POST /v1/orders/{id}/refunds: by amount, by items, or both (amount wins)."""

    amount: PositiveAmount | None = None
    items: Annotated[list[ItemQuantity], Field(max_length=100)] = Field(default_factory=list)
    reason: LongText | None = None

    @model_validator(mode="after")
    def _amount_or_items(self) -> RefundIn:
        if self.amount is None and not self.items:
            raise ValueError("give an amount, items, or both")
        return self


class FulfillmentIn(Input):
    """POST /v1/orders/{id}/fulfillments; no items means everything not yet fulfilled."""

    items: Annotated[list[ItemQuantity], Field(max_length=100)] = Field(default_factory=list)
    tracking_number: ShortText | None = None
    tracking_company: ShortText | None = None
    tracking_url: Url | None = None
    notify_customer: StrictBool = True


class TimelineEventIn(Input):
    """POST /v1/orders/{id}/timeline."""

    title: ShortText = Field(min_length=1)
    description: LongText | None = None
    type: Literal["success", "pending", "error", "info"] = "info"
    metadata: Metadata = Field(default_factory=dict)


class ProductIn(Input):
    """POST /v1/products."""

    id: Annotated[str, Field(pattern=r"^prod_[a-z0-9_]{1,59}$")] | None = None
    name: ShortText = Field(min_length=1)
    unit_price: Amount
    description: LongText | None = None
    aliases: Annotated[list[ShortText], Field(max_length=20)] = Field(default_factory=list)
    category: Annotated[str, Field(max_length=100)] | None = None
    available: StrictBool = True


class ProductUpdate(Input):
    """PATCH /v1/products/{id}."""

    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    unit_price: Amount | None = None
    description: LongText | None = None
    aliases: Annotated[list[ShortText], Field(max_length=20)] | None = None
    category: Annotated[str, Field(max_length=100)] | None = None
    available: StrictBool | None = None


class OrderItemOut(Output):
    """One line of an order."""

    id: str
    product_id: str | None
    name: str
    quantity: int
    unit_price: int
    subtotal: int
    refunded_quantity: int
    fulfilled_quantity: int


class OrderOut(Output):
    """An order as the API shows it."""

    id: str
    object: Literal["order"] = "order"
    number: int
    status: OrderStatus
    payment_status: PaymentStatus
    channel: Channel
    source: str | None
    external_id: str | None
    external_number: str | None
    customer: dict[str, Any]
    items: list[OrderItemOut]
    subtotal: int
    discount: int
    tax: int
    delivery_fee: int
    total: int
    amount_paid: int
    amount_refunded: int
    currency: str
    notes: str | None
    metadata: dict[str, Any]
    delivery: dict[str, Any]
    webhook_urls: list[str]
    meta: dict[str, Any]
    cancel_reason: CancelReason | None
    cancel_note: str | None
    cancelled_at: datetime | None
    created_at: datetime
    updated_at: datetime


class OrderList(Output):
    """A page of orders."""

    object: Literal["list"] = "list"
    data: list[OrderOut]
    has_more: bool
    next_cursor: str | None = None
    total_count: int | None = None  # with include=total_count: every match, all pages


class PaymentOut(Output):
    """A payment recorded on an order."""

    id: str
    object: Literal["payment"] = "payment"
    order_id: str
    amount: int
    currency: str
    method: str
    reference: str | None
    created_at: datetime


class RefundOut(Output):
    """A refund of an order."""

    id: str
    object: Literal["refund"] = "refund"
    order_id: str
    amount: int
    currency: str
    status: Literal["processed"] = "processed"
    reason: str | None
    items: list[dict[str, Any]]
    created_at: datetime


class FulfillmentOut(Output):
    """A fulfillment of some or all of an order's items."""

    id: str
    object: Literal["fulfillment"] = "fulfillment"
    order_id: str
    status: Literal["shipped"] = "shipped"
    items: list[dict[str, Any]]
    tracking: dict[str, str | None]
    notify_customer: bool
    created_at: datetime


class TimelineEventOut(Output):
    """One entry in an order's timeline."""

    id: str
    object: Literal["timeline_event"] = "timeline_event"
    kind: str
    type: str
    title: str
    description: str | None
    actor: str | None
    metadata: dict[str, Any]
    timestamp: datetime


class ProductOut(Output):
    """A product of the catalog."""

    id: str
    object: Literal["product"] = "product"
    name: str
    unit_price: int
    currency: str
    description: str | None
    aliases: list[str]
    category: str | None
    available: bool


class DeletedOut(Output):
    """What a DELETE answers: the id of the object that is gone."""

    id: str
    object: str
    deleted: Literal[True] = True


class CustomerOut(Output):
    """A customer known to the tenant."""

    id: str
    object: Literal["customer"] = "customer"
    phone: str
    name: str | None
    email: str | None
    address: str | None
    opted_out: bool
    last_inbound_at: datetime | None
    created_at: datetime


class StatusInfo(Output):
    """One order status with the statuses it may move to."""

    status: OrderStatus
    description: str
    terminal: bool
    allowed_transitions: list[OrderStatus]


class OrderFilters(Input):
    """Filters shared by the order list, the export and the stats."""

    status: OrderStatus | None = None
    payment_status: PaymentStatus | None = None
    channel: Channel | None = None
    source: Source | None = None
    external_id: ExternalId | None = None
    customer_phone: Phone | None = None
    created_after: UtcDateTime | None = None
    created_before: UtcDateTime | None = None
    q: Annotated[str, Field(max_length=200)] | None = None


OrderSort = Literal["created_at", "-created_at", "updated_at", "-updated_at", "total", "-total"]


class ListParams(OrderFilters):
    """GET /v1/orders query parameters."""

    limit: int = Field(default=25, ge=1, le=100)
    starting_after: Cursor | None = None
    # A leading "-" sorts descending; ties are broken by the order number. Unset: newest
    # first by order number (the order orders were placed in).
    sort: OrderSort | None = None
    include: Literal["total_count"] | None = None


class TimelineList(Output):
    """The entries of an order's timeline, oldest first."""

    object: Literal["list"] = "list"
    data: list[TimelineEventOut]


class StatusList(Output):
    """Every order status with its allowed transitions."""

    object: Literal["list"] = "list"
    data: list[StatusInfo]


class ProductList(Output):
    """The tenant's products in menu order."""

    object: Literal["list"] = "list"
    data: list[ProductOut]


class CustomerList(Output):
    """A page of customers."""

    object: Literal["list"] = "list"
    data: list[CustomerOut]
    has_more: bool


class CustomerParams(Input):
    """GET /v1/customers query parameters."""

    limit: int = Field(default=25, ge=1, le=100)
    starting_after: Cursor | None = None
    q: Annotated[str, Field(max_length=200)] | None = None
