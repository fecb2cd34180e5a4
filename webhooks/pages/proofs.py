"""/dashboard/orders/<id>/proof/approve and /reject: staff decide a customer's transfer proof
from the board or the order page (counter staff and the owner; CSRF-checked like every
dashboard form). Approving records the payment, and the customer is told it was received;
rejecting tells the customer the reason."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from bot.transfer_proof_decisions import approve_proof, reject_proof
from orders_core.errors import DomainError
from orders_core.models import Order
from orders_core.services.orders import get_order
from orders_core.services.tenants import get_tenant, tenant_settings
from webhooks.context import db, tenant_id
from webhooks.pages import access
from webhooks.pages.board_payments import OrderPayments, order_payments
from webhooks.twilio import now as clock_now

bp = Blueprint("proofs", __name__, url_prefix="/dashboard/orders/<order_id>/proof")

ACTOR = "dashboard"
MAX_REASON = 500


@bp.before_request
def _guard() -> ResponseReturnValue | None:
    """A live sign-in with a role allowed here, and the CSRF token on every POST."""
    return access.guard()


@bp.app_context_processor
def _helpers() -> dict[str, object]:
    return {"order_payments": _order_payments}


def _order_payments(order: Order) -> OrderPayments:
    """For the order page: the order's proofs and payment links (read while it renders)."""
    with db().read() as session:
        tenant = get_tenant(session, order.tenant_id)
        return order_payments(session, order, tenant_settings(tenant).payments)


def _back() -> ResponseReturnValue:
    """Back to the dashboard page the form was on (the board when it names none)."""
    target = request.form.get("next") or ""
    inside = target.startswith("/dashboard") and not any(c in target for c in "\r\n\\")
    if not inside or target.startswith("//"):
        target = url_for("pages.dashboard.board")
    return redirect(target, 303)


def _decide(order_id: str, decide: Callable[[Session, Order], str]) -> ResponseReturnValue:
    """Run `decide` on the locked order and flash its outcome (or why it was refused)."""
    found = False
    try:
        with db().write() as session:
            order = get_order(session, tenant_id(), order_id, lock=True)
            found = True
            outcome = decide(session, order)
    except DomainError as exc:
        if not found:
            raise  # no such order: the 404 page
        flash(exc.message, "error")
    else:
        flash(outcome, "success")
    return _back()


@bp.post("/approve")
def approve(order_id: str) -> ResponseReturnValue:
    """Approve the waiting proof: the balance is recorded as paid by transfer."""
    return _decide(order_id, lambda session, order: approve_proof(session, order, actor=ACTOR))


@bp.post("/reject")
def reject(order_id: str) -> ResponseReturnValue:
    """Reject the waiting proof with the reason typed; the customer is told it."""
    reason = " ".join((request.form.get("reason") or "").split())[:MAX_REASON]
    if not reason:
        flash("Say why the transfer was not found: the customer is told the reason.", "error")
        return _back()

    def decide(session: Session, order: Order) -> str:
        tenant = get_tenant(session, order.tenant_id)
        return reject_proof(session, tenant, order, reason, actor=ACTOR, now=clock_now())

    return _decide(order_id, decide)
