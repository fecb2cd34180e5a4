"""/v1 returns: reason codes, a return per order, its list, and receive, refund, reject."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint
from sqlalchemy.orm import Session

from orders_core.models import Return
from orders_core.return_presenters import return_out
from orders_core.return_schemas import (
    RETURN_REASON_LABELS,
    ReturnActionIn,
    ReturnCreate,
    ReturnList,
    ReturnListParams,
    ReturnOut,
    ReturnReasonList,
    ReturnReasonOut,
)
from orders_core.services import returns as use
from orders_core.services.orders import get_order
from webhooks.context import db, tenant_id
from webhooks.routes import api_route

bp = Blueprint("returns", __name__, url_prefix="/v1")

WRITE_ERRORS = (400, 401, 404, 409, 415, 422, 429)
READ_ERRORS = (400, 401, 404, 429)


@api_route(bp, "/return_reasons", "GET", summary="Return reason codes",
           response=ReturnReasonList, errors=(401, 429))  # fmt: skip
def reasons() -> ReturnReasonList:
    """Every reason a customer may give for a return, with its label."""
    return ReturnReasonList(
        data=[
            ReturnReasonOut(code=code, label=label) for code, label in RETURN_REASON_LABELS.items()
        ]
    )


@api_route(bp, "/orders/<order_id>/returns", "POST", summary="Request a return",
           body=ReturnCreate, response=ReturnOut, status=201, errors=WRITE_ERRORS,
           idempotent=True)  # fmt: skip
def create(session: Session, order_id: str, body: ReturnCreate) -> ReturnOut:
    """Open a return of delivered units, no more than each line's returnable quantity."""
    order = get_order(session, tenant_id(), order_id, lock=True)
    return return_out(use.request_return(session, order, body, actor="api"), order)


@api_route(bp, "/returns", "GET", summary="List returns", query=ReturnListParams,
           response=ReturnList, errors=READ_ERRORS)  # fmt: skip
def list_(query: ReturnListParams) -> ReturnList:
    """A page of returns, newest first, by status and/or order."""
    with db().read() as session:
        rows, has_more = use.list_returns(session, tenant_id(), query)
        data = [return_out(r, r.order) for r in rows]
    return ReturnList(data=data, has_more=has_more, next_cursor=data[-1].id if has_more else None)


@api_route(bp, "/returns/<return_id>", "GET", summary="Retrieve a return",
           response=ReturnOut, errors=READ_ERRORS)  # fmt: skip
def retrieve(return_id: str) -> ReturnOut:
    """One return with its lines."""
    with db().read() as session:
        ret = use.get_return(session, tenant_id(), return_id)
        return return_out(ret, ret.order)


Action = Callable[[Session, Return, ReturnActionIn], Return]


def _act(session: Session, return_id: str, body: ReturnActionIn, action: Action) -> ReturnOut:
    """Run `action` on the locked return and answer with the return."""
    ret = use.get_return(session, tenant_id(), return_id, lock=True)
    action(session, ret, body)
    return return_out(ret, ret.order)


@api_route(bp, "/returns/<return_id>/receive", "POST", summary="Mark a return received",
           body=ReturnActionIn, response=ReturnOut, errors=WRITE_ERRORS,
           idempotent=True)  # fmt: skip
def receive(session: Session, return_id: str, body: ReturnActionIn) -> ReturnOut:
    """The units came back: requested -> received."""
    return _act(session, return_id, body, lambda s, r, b: use.receive_return(s, r, b, actor="api"))


@api_route(bp, "/returns/<return_id>/refund", "POST", summary="Refund a return",
           body=ReturnActionIn, response=ReturnOut, errors=WRITE_ERRORS,
           idempotent=True)  # fmt: skip
def refund(session: Session, return_id: str, body: ReturnActionIn) -> ReturnOut:
    """Refund the received units' value (capped at what is left to refund): -> refunded."""
    return _act(session, return_id, body, lambda s, r, b: use.refund_return(s, r, b, actor="api"))


@api_route(bp, "/returns/<return_id>/reject", "POST", summary="Reject a return",
           body=ReturnActionIn, response=ReturnOut, errors=WRITE_ERRORS,
           idempotent=True)  # fmt: skip
def reject(session: Session, return_id: str, body: ReturnActionIn) -> ReturnOut:
    """Refuse a requested or received return; its units become returnable again."""
    return _act(session, return_id, body, lambda s, r, b: use.reject_return(s, r, b, actor="api"))
