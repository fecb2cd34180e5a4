"""/dashboard/kitchen: the kitchen screen, printable tickets, and the ask before an unpaid
order is marked delivered."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from orders_core.domain import OrderStatus, format_money
from orders_core.errors import DomainError, NotFound
from orders_core.models import Order
from orders_core.services import orders as use
from orders_core.services.tenants import get_tenant
from webhooks.context import db, tenant_id
from webhooks.pages import access, board
from webhooks.pages.kitchen_tickets import (
    AMBER_MINUTES,
    RED_MINUTES,
    kitchen_orders,
    ready_status,
    ticket,
)
from webhooks.pages.signin import signed_in_tenant

bp = Blueprint("kitchen", __name__, url_prefix="/dashboard")

ACTOR = "kitchen"
TICKET_WIDTHS = (58, 80)
CONFIRM_FIELD = "confirm_unpaid"


@bp.before_request
def _guard() -> ResponseReturnValue | None:
    """A live sign-in with a role allowed here, and the CSRF token on every POST."""
    return access.guard()


def _back(target: str | None, fallback: str) -> str:
    """`target` if it is a path inside the dashboard, else `fallback` (no open redirects)."""
    if target and not any(c in target for c in "\r\n\\"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and parts.path.startswith("/dashboard"):
            return target
    return fallback


@bp.get("/kitchen")
def screen() -> ResponseReturnValue:
    """The kitchen screen: tickets to cook, oldest first; `?fragment=1` gives the tickets only."""
    now = datetime.now(UTC)
    with db().read() as session:
        tenant = get_tenant(session, tenant_id())
        tickets = [
            ticket(order, now, tenant.timezone) for order in kitchen_orders(session, tenant.id)
        ]
        template = "dashboard/_kitchen_tickets.html" if request.args.get("fragment") else None
        return render_template(
            template or "dashboard/kitchen.html",
            tenant=tenant,
            tickets=tickets,
            version=board.board_version(session, tenant.id),
            amber=AMBER_MINUTES,
            red=RED_MINUTES,
        )


@bp.get("/api/kitchen")
def tickets_version() -> ResponseReturnValue:
    """What the kitchen screen polls: a version marker and the order numbers on it."""
    with db().read() as session:
        numbers = [order.number for order in kitchen_orders(session, tenant_id())]
        return jsonify({"version": board.board_version(session, tenant_id()), "numbers": numbers})


@bp.post("/kitchen/<order_id>/advance")
def advance(order_id: str) -> ResponseReturnValue:
    """One tap: a confirmed order to preparing, a preparing one to ready (out for delivery,
    or delivered for a pickup; an unpaid pickup asks first)."""
    back = url_for(".screen")
    wanted = request.form.get("status", "")
    try:
        with db().write() as session:
            order = use.get_order(session, tenant_id(), order_id, lock=True)
            if wanted == "ready" and order.status == OrderStatus.PREPARING:
                target = ready_status(order)
            elif wanted == OrderStatus.PREPARING and order.status == OrderStatus.CONFIRMED:
                target = OrderStatus.PREPARING
            else:
                flash(f"Order {order.number} has moved on already; the screen is updated.", "info")
                return redirect(back, 303)
            unpaid = order.amount_paid < order.total
            if target == OrderStatus.DELIVERED and unpaid and not request.form.get(CONFIRM_FIELD):
                return redirect(url_for(".confirm_delivered", order_id=order_id, next=back), 303)
            use.transition(session, order, target, actor=ACTOR)
            title = board.COLUMN_TITLES[target].lower()
    except NotFound:
        raise
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(f"Order {order.number} is now {title}.", "success")
    return redirect(back, 303)


@bp.get("/orders/<order_id>/deliver")
def confirm_delivered(order_id: str) -> ResponseReturnValue:
    """Asks before an order that is not fully paid is marked delivered (works without JS)."""
    with db().read() as session:
        tenant = get_tenant(session, tenant_id())
        order = use.get_order(session, tenant.id, order_id)
        return render_template(
            "dashboard/confirm_delivered.html",
            tenant=tenant,
            order=order,
            due=format_money(order.total - order.amount_paid, order.currency),
            next=_back(request.args.get("next"), url_for("pages.dashboard.board")),
            confirm_field=CONFIRM_FIELD,
        )


@bp.get("/orders/<order_id>/ticket")
def print_ticket(order_id: str) -> ResponseReturnValue:
    """A ticket to print on a 58 or 80 mm receipt printer (`?width=58|80`, 80 by default)."""
    width = request.args.get("width", type=int)
    with db().read() as session:
        tenant = get_tenant(session, tenant_id())
        order = use.get_order(session, tenant.id, order_id)
        return render_template(
            "dashboard/ticket.html",
            tenant=tenant,
            order=order,
            ticket=ticket(order, datetime.now(UTC), tenant.timezone),
            width=width if width in TICKET_WIDTHS else 80,
            money=lambda amount: format_money(amount, order.currency),
        )


@bp.before_app_request
def _ask_before_unpaid_delivered() -> ResponseReturnValue | None:
    """The board's and the order page's "Delivered" on an order not fully paid goes to the
    question first; the question's own form carries `confirm_unpaid` and passes."""
    if request.method != "POST" or request.endpoint != "pages.dashboard.change_status":
        return None
    if request.form.get("status") != OrderStatus.DELIVERED or request.form.get(CONFIRM_FIELD):
        return None
    owner = signed_in_tenant()
    if not access.can("pages.dashboard.change_status"):
        return None  # the dashboard's guard answers (sign in, or not for this role)
    order_id = (request.view_args or {}).get("order_id", "")
    number = use.parse_order_number(order_id)
    if owner is None or number is None:
        return None
    with db().read() as session:
        row = session.execute(
            select(Order.total, Order.amount_paid).where(
                Order.tenant_id == owner, Order.number == number
            )
        ).one_or_none()
    if row is None or row.amount_paid >= row.total:
        return None
    back = _back(request.form.get("next"), url_for("pages.dashboard.board"))
    return redirect(url_for("pages.kitchen.confirm_delivered", order_id=order_id, next=back), 303)
