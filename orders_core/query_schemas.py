"""Query-string models: the order list's filters, sort and paging, and the customer list's."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from orders_core.domain import Channel, FulfillmentStatus, OrderStatus, PaymentStatus
from orders_core.fields import (
    MAX_AMOUNT,
    CommaList,
    CustomerCursor,
    ExternalId,
    Input,
    OrderCursor,
    Phone,
    Source,
    UtcDateTime,
)

# An amount in minor units given in a query string (text, so not strict like body amounts).
QueryAmount = Annotated[int, Field(ge=0, le=MAX_AMOUNT)]


class OrderFilters(Input):
    """Filters shared by the order list and the export; lists are comma-separated."""

    status: CommaList[OrderStatus] | None = None
    active: bool | None = None  # neither delivered, cancelled nor refunded (false: the rest)
    payment_status: CommaList[PaymentStatus] | None = None
    fulfillment_status: CommaList[FulfillmentStatus] | None = None
    channel: CommaList[Channel] | None = None
    source: Source | None = None
    external_id: ExternalId | None = None
    customer_phone: Phone | None = None
    customer_email: Annotated[str, Field(max_length=320)] | None = None
    total_gte: QueryAmount | None = None
    total_lte: QueryAmount | None = None
    created_after: UtcDateTime | None = None
    created_before: UtcDateTime | None = None
    updated_after: UtcDateTime | None = None
    updated_before: UtcDateTime | None = None
    q: Annotated[str, Field(max_length=200)] | None = None


OrderSort = Literal["created_at", "-created_at", "updated_at", "-updated_at", "total", "-total"]


class ListParams(OrderFilters):
    """GET /v1/orders query parameters."""

    limit: int = Field(default=25, ge=1, le=100)
    starting_after: OrderCursor | None = None
    # A leading "-" sorts descending; ties are broken by the order number. Unset: newest
    # first by order number (the order orders were placed in).
    sort: OrderSort | None = None
    include: Literal["total_count"] | None = None
    expand: CommaList[Literal["payments", "refunds", "fulfillments", "returns"]] | None = None


class CustomerParams(Input):
    """GET /v1/customers query parameters."""

    limit: int = Field(default=25, ge=1, le=100)
    starting_after: CustomerCursor | None = None
    q: Annotated[str, Field(max_length=200)] | None = None
