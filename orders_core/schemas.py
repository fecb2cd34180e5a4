"""Pydantic models for every request and response body of the order core."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    EmailStr,
    Field,
    StrictBool,
    ValidationInfo,
    field_validator,
    model_validator,
)

from orders_core.delivery_schemas import DeliveryIn, DeliveryUpdate
from orders_core.domain import (
    CancelReason,
    Channel,
    FulfillmentStatus,
    OrderStatus,
    PaymentStatus,
)
from orders_core.fields import (
    Amount,
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
    WebhookUrl,
)
from orders_core.option_schemas import ChosenOptions, LineOptionOut, OptionGroupOut, OptionGroups
from orders_core.return_schemas import ReturnOut


class CustomerIn(Input):
    """Who the order is for."""

    name: ShortText | None = None
    phone: Phone | None = None
    email: EmailStr | None = None
    address: LongText | None = None


class OrderItemIn(Input):
    """A catalog item by product_id (price from the catalog unless overridden) or an ad-hoc one."""

    product_id: Annotated[str, Field(max_length=64)] | None = None
    name: ShortText | None = None
    quantity: Quantity
    unit_price: Amount | None = None
    sku: Annotated[str, Field(max_length=100)] | None = None
    metadata: Metadata = Field(default_factory=dict)
    # The product's options by name (["Large", "Chicken"]), priced from the catalog.
    options: ChosenOptions = Field(default_factory=list)
    note: ShortText | None = None  # what the customer asked of the line ("no pepper")

    @model_validator(mode="after")
    def _catalog_or_adhoc(self) -> OrderItemIn:
        if self.product_id is None and (self.name is None or self.unit_price is None):
            raise ValueError("give a product_id, or a name and a unit_price for an ad-hoc item")
        if self.product_id is None and self.options:
            raise ValueError("options are a product's: give its product_id")
        return self


class PaymentIn(Input):
    """POST /v1/orders/{id}/payments; amount defaults to what is still owed."""

    amount: PositiveAmount | None = None
    method: Literal["cash", "transfer", "card", "mobile_money", "pos", "other"] = "other"
    reference: ShortText | None = None


class OrderCreate(Input):
    """POST /v1/orders.

    `status` creates the order already that far along (imports, paid web checkouts): any
    status the lifecycle reaches from pending. `payment` is recorded in the same
    transaction; `payment_reference` alone records the whole total as paid by that reference.
    """

    channel: Channel = Channel.API
    customer: CustomerIn
    items: Annotated[list[OrderItemIn], Field(min_length=1, max_length=100)]
    status: OrderStatus = OrderStatus.PENDING
    status_note: LongText | None = None
    payment: PaymentIn | None = None
    payment_reference: ShortText | None = None
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

    @field_validator("customer")
    @classmethod
    def _reachable(cls, customer: CustomerIn, info: ValidationInfo) -> CustomerIn:
        if info.data.get("channel") != Channel.POS and not (customer.phone or customer.email):
            raise ValueError(
                "give customer.phone or customer.email, so the customer can be told about "
                "the order (only a pos order may have neither)"
            )
        return customer

    @model_validator(mode="after")
    def _one_reference(self) -> OrderCreate:
        if self.payment is not None and self.payment_reference is not None:
            raise ValueError("give payment.reference or payment_reference, not both")
        return self


class OrderUpdate(Input):
    """PATCH /v1/orders/{id}: status (with an optional `note` for the timeline), notes,
    metadata (merged; null deletes a key) and delivery (until it is out for delivery)."""

    status: OrderStatus | None = None
    note: LongText | None = None
    notes: LongText | None = None
    metadata: Metadata | None = None
    delivery: DeliveryUpdate | None = None


class CancelIn(Input):
    """POST /v1/orders/{id}/cancel."""

    reason: CancelReason = CancelReason.OTHER
    note: LongText | None = None


class HoldIn(Input):
    """POST /v1/orders/{id}/hold."""

    reason: LongText | None = None


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
    """POST /v1/orders/{id}/timeline; the entry may also come wrapped as {"event": {...}}."""

    title: ShortText = Field(min_length=1)
    description: LongText | None = None
    type: Literal["success", "pending", "error", "info"] = "info"
    metadata: Metadata = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _unwrap(cls, data: Any) -> Any:
        if isinstance(data, dict) and set(data) == {"event"} and isinstance(data["event"], dict):
            return data["event"]
        return data


class ProductIn(Input):
    """POST /v1/products."""

    id: Annotated[str, Field(pattern=r"^prod_[a-z0-9_]{1,59}$")] | None = None
    name: ShortText = Field(min_length=1)
    unit_price: Amount
    description: LongText | None = None
    aliases: Annotated[list[ShortText], Field(max_length=20)] = Field(default_factory=list)
    category: Annotated[str, Field(max_length=100)] | None = None
    available: StrictBool = True
    option_groups: OptionGroups = Field(default_factory=list)


class ProductUpdate(Input):
    """PATCH /v1/products/{id}."""

    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    unit_price: Amount | None = None
    description: LongText | None = None
    aliases: Annotated[list[ShortText], Field(max_length=20)] | None = None
    category: Annotated[str, Field(max_length=100)] | None = None
    available: StrictBool | None = None
    option_groups: OptionGroups | None = None  # replaces them all; [] removes them


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
    sku: str | None
    metadata: dict[str, Any]
    options: list[LineOptionOut]  # each priced per unit: subtotal = (unit_price + options) x qty
    note: str | None
    # Units the customer may still send back: on one order, or a list with expand[]=returns.
    returnable_quantity: int | None = Field(default=None, exclude_if=lambda v: v is None)


class OrderOut(Output):
    """An order as the API shows it."""

    id: str
    object: Literal["order"] = "order"
    number: int
    status: OrderStatus
    payment_status: PaymentStatus
    fulfillment_status: FulfillmentStatus
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
    amount_due: int  # still to pay: nothing on a cancelled order
    payment_reference: str | None
    currency: str
    notes: str | None
    metadata: dict[str, Any]
    delivery: dict[str, Any]
    webhook_urls: list[str]
    meta: dict[str, Any]
    cancel_reason: CancelReason | None
    cancel_note: str | None
    held_from: OrderStatus | None
    hold_reason: str | None
    confirmed_at: datetime | None
    delivered_at: datetime | None
    cancelled_at: datetime | None
    ready_at: datetime | None = None  # when staff said it will be ready (CONFIRM 1042 30)
    created_at: datetime
    updated_at: datetime
    # On one order; on a list only when asked for with expand[]=payments etc.
    payments: list[PaymentOut] | None = Field(default=None, exclude_if=lambda v: v is None)
    refunds: list[RefundOut] | None = Field(default=None, exclude_if=lambda v: v is None)
    fulfillments: list[FulfillmentOut] | None = Field(default=None, exclude_if=lambda v: v is None)
    returns: list[ReturnOut] | None = Field(default=None, exclude_if=lambda v: v is None)


class OrderList(Output):
    """A page of orders."""

    object: Literal["list"] = "list"
    data: list[OrderOut]
    has_more: bool
    next_cursor: str | None = None
    total_count: int | None = None  # with include=total_count: every match, all pages


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
    option_groups: list[OptionGroupOut]


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
