"""/dashboard: the order board for staff, signed in with the business's API key."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import takeover
from orders_core.domain import CancelReason, OrderStatus, format_money
from orders_core.errors import DomainError, NotFound
from orders_core.models import Conversation, Message, Order, TimelineEvent
from orders_core.schemas import CancelIn, PaymentIn
from orders_core.services import orders as use
from orders_core.services import payments as money
from orders_core.services.staff_accounts import account_choices
from orders_core.services.tenants import get_tenant
from orders_core.tenant_settings import TenantSettings
from webhooks.context import db, tenant_id
from webhooks.pages import access, board
from webhooks.pages.signin import (
    current,
    pending_choices,
    sign_in,
    sign_in_with_password,
    sign_out,
    start_account,
)
from webhooks.pages.signin_limits import allow_attempt
from webhooks.twilio import now as clock_now

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

ACTOR = "dashboard"


@bp.before_request
def _guard() -> ResponseReturnValue | None:
    """A live sign-in with a role allowed here, and the CSRF token on every POST."""
    return access.guard()


def _safe_next(target: str | None) -> str:
    """`target` if it is a path inside the dashboard the signed-in role may open, else where
    the role starts (no open redirects)."""
    if target and not any(c in target for c in "\r\n\\"):
        parts = urlsplit(target)
        inside = not parts.scheme and not parts.netloc and parts.path.startswith("/dashboard")
        if inside and access.can(access.endpoint_of(parts.path)):
            return target
    who = current()
    return access.landing(who) if who else url_for(".board")


WRONG_PASSWORD = "The email or password is wrong."
WRONG_KEY = "That key is not valid or has been revoked."


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """The sign-in form: a staff account's email and password, or the business's API key."""
    if request.method == "GET":
        return render_template("dashboard/login.html", next=request.args.get("next", ""))
    next_page = request.form.get("next", "")
    # The form has both ways in: a key typed (or a form without an email field) means the key.
    raw_key = request.form.get("api_key", "").strip()
    with_key = bool(raw_key) or "email" not in request.form
    email = "" if with_key else request.form.get("email", "")
    if not allow_attempt(email):
        flash("Too many sign-in attempts. Wait a minute and try again.", "error")
        return render_template("dashboard/login.html", next=next_page, email=email), 429
    if with_key:
        if sign_in(raw_key):
            return redirect(_safe_next(next_page), 303)
        flash(WRONG_KEY, "error")
        return render_template("dashboard/login.html", next=next_page, use_key=True), 401
    found = sign_in_with_password(email, request.form.get("password", ""))
    if len(found) == 1:
        return redirect(_safe_next(next_page), 303)
    if found:
        return redirect(url_for(".choose", next=next_page), 303)
    flash(WRONG_PASSWORD, "error")
    return render_template("dashboard/login.html", next=next_page, email=email), 401


@bp.route("/login/choose", methods=["GET", "POST"])
def choose() -> ResponseReturnValue:
    """Which business to open, for an email with accounts at several (after its password)."""
    ids = pending_choices()
    if not ids:
        return redirect(url_for(".login"))
    if request.method == "POST":
        wanted = request.form.get("account", type=int)
        if wanted in ids and start_account(wanted):
            return redirect(_safe_next(request.form.get("next")), 303)
        flash("Choose one of the businesses listed.", "error")
    with db().read() as session:
        options = account_choices(session, ids)
    return render_template(
        "dashboard/choose.html", options=options, next=request.args.get("next", "")
    )


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """Sign out and go back to the sign-in form."""
    sign_out()
    flash("You are signed out.", "info")
    return redirect(url_for(".login"), 303)


@bp.get("/", endpoint="board")
def board_page() -> ResponseReturnValue:
    """The board: columns by status, filters and search, today's figures, messages in trouble."""
    filters = board.clean_filters(request.args.to_dict())
    with db().read() as session:
        tenant = get_tenant(session, tenant_id())
        return render_template(
            "dashboard/board.html",
            tenant=tenant,
            filters=filters,
            columns=board.columns(session, tenant.id, filters),
            today=board.today(session, tenant),
            trouble=board.trouble_messages(session, tenant.id),
            version=board.board_version(session, tenant.id),
            **_choices(),
        )


@bp.get("/orders/<order_id>")
def order_page(order_id: str) -> ResponseReturnValue:
    """One order: lines, totals, customer, delivery, actions, messages and its timeline."""
    with db().read() as session:
        tenant = get_tenant(session, tenant_id())
        order = use.get_order(session, tenant.id, order_id)
        events = list(
            session.scalars(
                select(TimelineEvent)
                .where(TimelineEvent.order_id == order.id)
                .order_by(TimelineEvent.id)
            )
        )
        messages = list(
            session.scalars(
                select(Message).where(Message.order_id == order.id).order_by(Message.id)
            )
        )
        return render_template(
            "dashboard/order.html",
            tenant=tenant,
            order=order,
            taken_over_until=_taken_over_until(session, tenant.id, order.customer_phone),
            card=board.card(order, datetime.now(UTC), timezone=tenant.timezone),
            events=events,
            messages=messages,
            money=lambda amount: format_money(amount, order.currency),
            **_choices(),
        )


def _taken_over_until(session: Session, tenant: int, phone: str | None) -> datetime | None:
    """Until when staff hold the customer's chat (None: the bot answers)."""
    if not phone:
        return None
    conversation = session.scalar(
        select(Conversation).where(Conversation.tenant_id == tenant, Conversation.phone == phone)
    )
    if conversation is None or not takeover.is_taken_over(conversation, clock_now()):
        return None
    return conversation.taken_over_until


def _choices() -> dict[str, Any]:
    return {
        "column_titles": {s.value: t for s, t in board.COLUMN_TITLES.items()},
        "payment_labels": {s.value: t for s, t in board.PAYMENT_LABELS.items()},
        "channel_labels": {c.value: t for c, t in board.CHANNEL_LABELS.items()},
        "cancel_reasons": {r.value: t for r, t in board.CANCEL_REASONS.items()},
        "payment_methods": board.PAYMENT_METHODS,
    }


def _act(order_id: str, change: Callable[[Session, Order], str]) -> Response:
    """Run `change` on the locked order, flash its outcome (or the refusal) and go back."""
    try:
        with db().write() as session:
            order = use.get_order(session, tenant_id(), order_id, lock=True)
            outcome = change(session, order)
    except NotFound:
        raise
    except (DomainError, ValidationError, ValueError) as exc:
        flash(getattr(exc, "message", None) or "That change was not accepted.", "error")
    else:
        flash(outcome, "success")
    return redirect(_safe_next(request.form.get("next")), 303)


@bp.post("/orders/<order_id>/status")
def change_status(order_id: str) -> Response:
    """Move the order to the status of the pressed button, if the lifecycle allows it."""

    def change(session: Session, order: Order) -> str:
        target = OrderStatus(request.form.get("status", ""))
        use.transition(session, order, target, actor=ACTOR)
        return f"Order {order.number} is now {board.COLUMN_TITLES[target].lower()}."

    return _act(order_id, change)


@bp.post("/orders/<order_id>/cancel")
def cancel(order_id: str) -> Response:
    """Cancel the order with a reason (a paid order is refunded)."""

    def change(session: Session, order: Order) -> str:
        data = CancelIn(
            reason=CancelReason(request.form.get("reason") or CancelReason.OTHER),
            note=(request.form.get("note") or "").strip() or None,
        )
        use.cancel_order(session, order, data, actor=ACTOR)
        return f"Order {order.number} is cancelled."

    return _act(order_id, change)


@bp.post("/orders/<order_id>/pay")
def mark_paid(order_id: str) -> Response:
    """Record the balance due as paid."""

    def change(session: Session, order: Order) -> str:
        data = PaymentIn.model_validate({"method": request.form.get("method") or "other"})
        payment = money.record_payment(session, order, data, actor=ACTOR)
        return f"Order {order.number}: {format_money(payment.amount, order.currency)} received."

    return _act(order_id, change)


class _Refused(ValueError):
    """A change refused with a message for staff (flashed as the error)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@bp.post("/orders/<order_id>/reply")
def reply(order_id: str) -> Response:
    """Write to the order's customer from the business's number; the bot stays quiet in that
    chat for the tenant's takeover_minutes (or until handed back)."""

    def change(session: Session, order: Order) -> str:
        tenant = get_tenant(session, order.tenant_id)
        if not order.customer_phone:
            return "This order has no customer phone to write to."
        minutes = TenantSettings.model_validate(tenant.settings or {}).takeover_minutes
        try:
            takeover.staff_reply(
                session, tenant, order.customer_phone, request.form.get("body", ""),
                by=ACTOR, minutes=minutes, now=clock_now(), order=order,
            )  # fmt: skip
        except takeover.ReplyRefused as exc:
            raise _Refused(f"Not sent: {exc}") from None
        return f"Sent. The bot stays quiet in this chat for {minutes} minutes."

    return _act(order_id, change)


@bp.post("/orders/<order_id>/handback")
def hand_back(order_id: str) -> Response:
    """Give the order's chat back to the bot."""

    def change(session: Session, order: Order) -> str:
        tenant = get_tenant(session, order.tenant_id)
        handed = takeover.hand_back(session, tenant, order.customer_phone or "", clock_now())
        return "The bot answers this customer again." if handed else "The bot was answering."

    return _act(order_id, change)


@bp.get("/api/version")
def version() -> Response:
    """A marker that changes when the board would show something new (the page polls it)."""
    with db().read() as session:
        return jsonify({"version": board.board_version(session, tenant_id())})
