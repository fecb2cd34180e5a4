"""Returns: their statuses and reason codes, and the request and response bodies.

Only orders_core.fields is imported, so orders_core.schemas may embed ReturnOut in an order.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, field_validator

from orders_core.fields import Input, LongText, Output, Quantity, ReturnCursor


class ReturnStatus(StrEnum):
    """Where a return stands: requested -> received -> refunded, or rejected."""

    REQUESTED = "requested"
    RECEIVED = "received"
    REFUNDED = "refunded"
    REJECTED = "rejected"


class ReturnReason(StrEnum):
    """Why the customer sends units back."""

    CHANGED_MIND = "changed_mind"
    DAMAGED = "damaged"
    WRONG_ITEM = "wrong_item"
    NOT_AS_DESCRIBED = "not_as_described"
    OTHER = "other"


RETURN_REASON_LABELS: dict[ReturnReason, str] = {
    ReturnReason.CHANGED_MIND: "I changed my mind",
    ReturnReason.DAMAGED: "The item arrived damaged",
    ReturnReason.WRONG_ITEM: "I received the wrong item",
    ReturnReason.NOT_AS_DESCRIBED: "The item is not as described",
    ReturnReason.OTHER: "Other",
}

# From each status, the statuses a return may move to.
RETURN_TRANSITIONS: dict[ReturnStatus, tuple[ReturnStatus, ...]] = {
    ReturnStatus.REQUESTED: (ReturnStatus.RECEIVED, ReturnStatus.REJECTED),
    ReturnStatus.RECEIVED: (ReturnStatus.REFUNDED, ReturnStatus.REJECTED),
    ReturnStatus.REFUNDED: (),
    ReturnStatus.REJECTED: (),
}


class ReturnItemIn(Input):
    """Units of one order line to return, by its item id."""

    item_id: Annotated[str, Field(max_length=40)]
    quantity: Quantity


class ReturnCreate(Input):
    """POST /v1/orders/{id}/returns: delivered units to send back, and why."""

    items: Annotated[list[ReturnItemIn], Field(min_length=1, max_length=100)]
    reason: ReturnReason
    note: LongText | None = None

    @field_validator("items")
    @classmethod
    def _each_item_once(cls, items: list[ReturnItemIn]) -> list[ReturnItemIn]:
        ids = [item.item_id for item in items]
        if len(set(ids)) != len(ids):
            raise ValueError("name each item once, with its whole quantity")
        return items


class ReturnActionIn(Input):
    """POST /v1/returns/{id}/receive|refund|reject: an optional note for the timeline."""

    note: LongText | None = None


class ReturnListParams(Input):
    """GET /v1/returns query parameters."""

    limit: int = Field(default=25, ge=1, le=100)
    starting_after: ReturnCursor | None = None
    status: ReturnStatus | None = None
    order_id: Annotated[str, Field(max_length=40)] | None = None


class ReturnReasonOut(Output):
    """A reason code a customer may give, with words to show them."""

    code: ReturnReason
    label: str


class ReturnReasonList(Output):
    """Every return reason."""

    object: Literal["list"] = "list"
    data: list[ReturnReasonOut]


class ReturnLineOut(Output):
    """Units of one order line in a return."""

    item_id: str
    name: str
    quantity: int
    unit_price: int
    amount: int


class ReturnOut(Output):
    """A return of delivered units; `amount` is their value, `refunded_amount` what was paid back."""

    id: str
    object: Literal["return"] = "return"
    order_id: str
    status: ReturnStatus
    reason: ReturnReason
    note: str | None
    items: list[ReturnLineOut]
    amount: int
    refunded_amount: int
    currency: str
    refund_id: str | None
    rejection_note: str | None
    created_at: datetime
    updated_at: datetime
    received_at: datetime | None
    refunded_at: datetime | None
    rejected_at: datetime | None


class ReturnList(Output):
    """A page of returns, newest first."""

    object: Literal["list"] = "list"
    data: list[ReturnOut]
    has_more: bool
    next_cursor: str | None = None
