"""/v1/orders: create, list, read, change, cancel, pay, refund, fulfil, timeline, stats, export."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, stream_with_context
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.routing import BaseConverter

from orders_core.domain import STATUS_DESCRIPTIONS, OrderStatus, allowed_transitions
from orders_core.models import Order, TimelineEvent
from orders_core.opening_hours import refuse_when_closed
from orders_core.presenters import (
    fulfillment_out,
    order_out,
    payment_out,
    refund_out,
    timeline_out,
)
from orders_core.query_schemas import ListParams, OrderFilters
from orders_core.schemas import (
    CancelIn,
    FulfillmentIn,
    FulfillmentOut,
    HoldIn,
    OrderCreate,
    OrderList,
    OrderOut,
    OrderUpdate,
    PaymentIn,
    PaymentOut,
    RefundIn,
    RefundOut,
    StatusInfo,
    StatusList,
    TimelineEventIn,
    TimelineEventOut,
    TimelineList,
)
from orders_core.services import orders as use
from orders_core.services import payments as money
from orders_core.services.placing import place_order
from orders_core.services.queries import count_orders, export_csv, list_orders
from orders_core.services.related import order_view, related_of
from orders_core.services.stats import order_stats
from orders_core.stats_schemas import StatsOut, StatsParams
from webhooks.context import caller_business, db, tenant_id
from webhooks.routes import api_route
from webhooks.twilio import now as clock_now

bp = Blueprint("orders", __name__, url_prefix="/v1")


class OrderIdConverter(BaseConverter):
    """An order id segment: anything but the collection's own sub-paths (stats, export)."""

    regex = r"(?!(?:stats|export)$)[^/]+"


bp.record_once(lambda state: state.app.url_map.converters.setdefault("order_id", OrderIdConverter))

WRITE_ERRORS = (400, 401, 404, 409, 415, 422, 429)
READ_ERRORS = (400, 401, 404, 429)


@api_route(bp, "/orders", "POST", summary="Create an order", body=OrderCreate,
           response=OrderOut, status=201, errors=WRITE_ERRORS, idempotent=True)  # fmt: skip
def create_order(session: Session, body: OrderCreate) -> OrderOut:
    """Place an order priced from the catalog."""
    business = caller_business(session)
    refuse_when_closed(business.settings, clock_now(), business.tenant.timezone)
    order = place_order(session, business.tenant, body, actor="api", catalog=business.by_code)
    return order_view(session, order)


@api_route(bp, "/orders", "GET", summary="List orders", query=ListParams,
           response=OrderList, errors=READ_ERRORS)  # fmt: skip
def list_(query: ListParams) -> OrderList:
    """A page of orders, newest first unless `sort` says otherwise."""
    with db().read() as session:
        orders, has_more = list_orders(session, tenant_id(), query)
        if query.expand:
            related = related_of(session, orders, query.expand)
            data = [order_out(o, related[o.id], query.expand) for o in orders]
        else:
            data = [order_out(o) for o in orders]
        total = count_orders(session, tenant_id(), query) if query.include else None
    return OrderList(
        data=data,
        has_more=has_more,
        next_cursor=data[-1].id if has_more else None,
        total_count=total,
    )


@api_route(bp, "/orders/stats", "GET", summary="Order statistics", query=StatsParams,
           response=StatsOut, errors=READ_ERRORS)  # fmt: skip
def stats(query: StatsParams) -> StatsOut:
    """Gross, net, counts and average order value of a range, by status and period."""
    with db().read() as session:
        business = caller_business(session)
        return StatsOut.model_validate(order_stats(session, business.tenant, query))


@api_route(bp, "/orders/export", "GET", summary="Export orders as CSV", query=OrderFilters,
           errors=READ_ERRORS, content_type="text/csv")  # fmt: skip
def export(query: OrderFilters) -> Response:
    """The matching orders as a streamed CSV download."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d")
    chunks = export_csv(db().read, tenant_id(), query)
    response = Response(stream_with_context(chunks), mimetype="text/csv")
    response.headers["Content-Disposition"] = f"attachment; filename=orders-{stamp}.csv"
    return response


@api_route(bp, "/orders/<order_id:order_id>", "GET", summary="Retrieve an order",
           response=OrderOut, errors=READ_ERRORS)  # fmt: skip
def retrieve(order_id: str) -> OrderOut:
    """One order with its lines, payments, refunds and fulfillments."""
    with db().read() as session:
        return order_view(session, use.get_order(session, tenant_id(), order_id))


def _locked(session: Session, order_id: str) -> Order:
    """The caller's order, locked for the change."""
    return use.get_order(session, tenant_id(), order_id, lock=True)


@api_route(bp, "/orders/<order_id:order_id>", "PATCH", summary="Update status, notes or metadata",
           body=OrderUpdate, response=OrderOut, errors=WRITE_ERRORS, idempotent=True)  # fmt: skip
def update(session: Session, order_id: str, body: OrderUpdate) -> OrderOut:
    """Change status (by the lifecycle, `note` on the timeline), notes, metadata (merged;
    null deletes a key) or delivery details (until out for delivery)."""
    order = use.update_order(session, _locked(session, order_id), body, actor="api")
    return order_view(session, order)


@api_route(bp, "/orders/<order_id:order_id>/cancel", "POST", summary="Cancel an order", body=CancelIn,
           response=OrderOut, errors=WRITE_ERRORS, idempotent=True)  # fmt: skip
def cancel(session: Session, order_id: str, body: CancelIn) -> OrderOut:
    """Cancel with a reason; a paid order is refunded."""
    order = use.cancel_order(session, _locked(session, order_id), body, actor="api")
    return order_view(session, order)


@api_route(bp, "/orders/<order_id:order_id>/hold", "POST", summary="Put an order on hold",
           body=HoldIn, response=OrderOut, errors=WRITE_ERRORS, idempotent=True)  # fmt: skip
def hold(session: Session, order_id: str, body: HoldIn) -> OrderOut:
    """Pause a pending, confirmed or preparing order; the customer is told."""
    order = _locked(session, order_id)
    use.transition(session, order, OrderStatus.ON_HOLD, actor="api", note=body.reason)
    return order_view(session, order)


@api_route(bp, "/orders/<order_id:order_id>/resume", "POST", summary="Resume an order on hold",
           response=OrderOut, errors=WRITE_ERRORS, idempotent=True)  # fmt: skip
def resume(session: Session, order_id: str) -> OrderOut:
    """Move an order on hold back to the status it was held from."""
    return order_view(session, use.resume_order(session, _locked(session, order_id), actor="api"))


@api_route(bp, "/orders/<order_id:order_id>/payments", "POST", summary="Record a payment", body=PaymentIn,
           response=PaymentOut, status=201, errors=WRITE_ERRORS, idempotent=True)  # fmt: skip
def pay(session: Session, order_id: str, body: PaymentIn) -> PaymentOut:
    """Record money received (by default, the balance due)."""
    order = _locked(session, order_id)
    return payment_out(money.record_payment(session, order, body, actor="api"), order)


@api_route(bp, "/orders/<order_id:order_id>/refunds", "POST", summary="Refund an order", body=RefundIn,
           response=RefundOut, status=201, errors=WRITE_ERRORS, idempotent=True)  # fmt: skip
def refund(session: Session, order_id: str, body: RefundIn) -> RefundOut:
    """Refund by amount and/or items, never above what was paid."""
    order = _locked(session, order_id)
    return refund_out(money.refund_order(session, order, body, actor="api"), order)


@api_route(bp, "/orders/<order_id:order_id>/fulfillments", "POST", summary="Fulfil items with tracking",
           body=FulfillmentIn, response=FulfillmentOut, status=201, errors=WRITE_ERRORS,
           idempotent=True)  # fmt: skip
def fulfill(session: Session, order_id: str, body: FulfillmentIn) -> FulfillmentOut:
    """Dispatch some or all items."""
    order = _locked(session, order_id)
    return fulfillment_out(use.fulfill_order(session, order, body, actor="api"), order)


@api_route(bp, "/orders/<order_id:order_id>/timeline", "GET", summary="An order's timeline",
           response=TimelineList, errors=READ_ERRORS)  # fmt: skip
def timeline(order_id: str) -> TimelineList:
    """Every entry of the order's history, oldest first."""
    with db().read() as session:
        order = use.get_order(session, tenant_id(), order_id)
        events = session.scalars(
            select(TimelineEvent)
            .where(TimelineEvent.order_id == order.id)
            .order_by(TimelineEvent.id)
        )
        return TimelineList(data=[timeline_out(e) for e in events])


@api_route(bp, "/orders/<order_id:order_id>/timeline", "POST", summary="Add a timeline entry",
           body=TimelineEventIn, response=TimelineEventOut, status=201, errors=WRITE_ERRORS,
           idempotent=True)  # fmt: skip
def add_timeline_event(session: Session, order_id: str, body: TimelineEventIn) -> TimelineEventOut:
    """Append a custom entry."""
    return timeline_out(use.add_note(session, _locked(session, order_id), body, actor="api"))


@api_route(bp, "/order_statuses", "GET", summary="Order statuses and transitions",
           response=StatusList, errors=(401, 429))  # fmt: skip
def statuses() -> StatusList:
    """The lifecycle: each status and where it may go."""
    return StatusList(
        data=[
            StatusInfo(
                status=s,
                description=STATUS_DESCRIPTIONS[s],
                terminal=not allowed_transitions(s),
                allowed_transitions=list(allowed_transitions(s)),
            )
            for s in OrderStatus
        ]
    )
