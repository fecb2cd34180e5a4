"""/v1/messages: what customers and staff were told, with delivery status."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from flask import Blueprint
from pydantic import Field
from sqlalchemy import select

from bot.outbound import MessageStatus
from orders_core.errors import DomainError
from orders_core.fields import Input, Output, Phone
from orders_core.models import Message, Order
from orders_core.services.orders import parse_order_number
from webhooks.context import db, tenant_id
from webhooks.routes import api_route

bp = Blueprint("messages", __name__, url_prefix="/v1")


class MessageParams(Input):
    """GET /v1/messages query parameters."""

    order: Annotated[str, Field(max_length=40)] | None = None
    customer_phone: Phone | None = None
    direction: Literal["inbound", "outbound"] | None = None
    status: MessageStatus | None = None
    limit: int = Field(default=25, ge=1, le=100)
    starting_after: Annotated[str, Field(max_length=40, pattern=r"^msg_\d{1,18}$")] | None = None


class MessageOut(Output):
    """A message in either direction, with its delivery status."""

    id: str
    object: Literal["message"] = "message"
    direction: str
    channel: str
    kind: str
    status: MessageStatus
    from_: str = Field(alias="from")
    to: str
    customer_phone: str | None
    order_id: str | None
    body: str | None
    content_sid: str | None
    content_variables: dict[str, Any] | None
    sid: str | None
    error_code: str | None
    error_message: str | None
    attempts: int
    next_attempt_at: datetime | None
    created_at: datetime
    updated_at: datetime


class MessageList(Output):
    """A page of messages, newest first."""

    object: Literal["list"] = "list"
    data: list[MessageOut]
    has_more: bool
    next_cursor: str | None = None


def message_out(message: Message, order_number: int | None) -> MessageOut:
    """The API view of a message."""
    return MessageOut(
        id=f"msg_{message.id}",
        direction=message.direction,
        channel=message.channel,
        kind=message.kind,
        status=message.status,
        **{"from": message.from_number},
        to=message.to_number,
        customer_phone=message.customer_phone,
        order_id=f"ord_{order_number}" if order_number is not None else None,
        body=message.body,
        content_sid=message.content_sid,
        content_variables=message.content_variables,
        sid=message.sid,
        error_code=message.error_code,
        error_message=message.error_message,
        attempts=message.attempts,
        next_attempt_at=message.next_attempt_at,
        created_at=message.created_at,
        updated_at=message.updated_at,
    )


@api_route(bp, "/messages", "GET", summary="List messages", query=MessageParams,
           response=MessageList, errors=(400, 401, 429))  # fmt: skip
def list_messages(query: MessageParams) -> dict[str, Any]:
    """A page of the tenant's messages, newest first, filtered by order, phone, direction, status."""
    conditions = [Message.tenant_id == tenant_id()]
    if query.order is not None:
        number = parse_order_number(query.order)
        if number is None:
            raise DomainError("order must be an order id like ord_1042", param="order")
        conditions.append(Order.number == number)
    if query.customer_phone:
        conditions.append(Message.customer_phone == query.customer_phone)
    if query.direction:
        conditions.append(Message.direction == query.direction)
    if query.status:
        conditions.append(Message.status == query.status)
    if query.starting_after:
        conditions.append(Message.id < int(query.starting_after.removeprefix("msg_")))
    statement = (
        select(Message, Order.number)
        .outerjoin(Order, Order.id == Message.order_id)
        .where(*conditions)
        .order_by(Message.id.desc())
        .limit(query.limit + 1)
    )
    with db().read() as session:
        rows = session.execute(statement).all()
    page = [message_out(m, n) for m, n in rows[: query.limit]]
    has_more = len(rows) > query.limit
    listing = MessageList(
        data=page, has_more=has_more, next_cursor=page[-1].id if has_more else None
    )
    return listing.model_dump(mode="json", by_alias=True)
