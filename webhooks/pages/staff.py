"""/dashboard/staff: the owner adds staff accounts and disables or re-enables them."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from orders_core.errors import DomainError
from orders_core.models import StaffRole
from orders_core.services import staff_accounts as accounts
from orders_core.services.tenants import get_tenant
from webhooks.context import db, tenant_id
from webhooks.pages import access
from webhooks.pages.signin import current

bp = Blueprint("staff", __name__, url_prefix="/dashboard/staff")

ROLE_HELP = {
    StaffRole.OWNER: "everything: hours, staff, the board, the kitchen",
    StaffRole.COUNTER: "the board, orders, payments, replies, the menu and the kitchen",
    StaffRole.KITCHEN: "the kitchen screen only",
}


@bp.before_request
def _guard() -> ResponseReturnValue | None:
    """A live sign-in with a role allowed here, and the CSRF token on every POST."""
    return access.guard()


def _render(status: int = 200, **form: object) -> ResponseReturnValue:
    with db().read() as session:
        tenant = get_tenant(session, tenant_id())
        who = current()
        return render_template(
            "dashboard/staff.html",
            tenant=tenant,
            accounts=accounts.list_accounts(session, tenant.id),
            roles=ROLE_HELP,
            me=who.account_id if who else None,
            min_password=accounts.MIN_PASSWORD,
            form=form,
        ), status


@bp.get("")
def page() -> ResponseReturnValue:
    """The business's staff accounts and the form to add one."""
    return _render()


@bp.post("")
def add() -> ResponseReturnValue:
    """Add an account; a bad field is shown on the form, nothing is saved."""
    fields = {k: request.form.get(k, "") for k in ("email", "name", "role")}
    password = request.form.get("password", "")
    if password != request.form.get("password_again", ""):
        return _render(422, error="The two passwords are not the same.", **fields)
    try:
        with db().write() as session:
            account = accounts.add_account(session, tenant_id(), password=password, **fields)
            name, role = account.name, account.role
    except DomainError as exc:
        return _render(422 if exc.http_status == 422 else exc.http_status,
                       error=exc.message, **fields)  # fmt: skip
    flash(f"{name} can sign in now as {role}.", "success")
    return redirect(url_for(".page"), 303)


@bp.post("/<int:account_id>/disable")
def disable(account_id: int) -> ResponseReturnValue:
    """Stop an account signing in; it is signed out everywhere at its next click."""
    who = current()
    if who is not None and who.account_id == account_id:
        flash("You cannot disable your own account while signed in with it.", "error")
        return redirect(url_for(".page"), 303)
    with db().write() as session:
        account = accounts.get_account(session, tenant_id(), account_id=account_id)
        accounts.disable_account(session, account)
        name = account.name
    flash(f"{name} can no longer sign in.", "success")
    return redirect(url_for(".page"), 303)


@bp.post("/<int:account_id>/enable")
def enable(account_id: int) -> ResponseReturnValue:
    """Let a disabled account sign in again."""
    with db().write() as session:
        account = accounts.get_account(session, tenant_id(), account_id=account_id)
        accounts.enable_account(session, account)
        name = account.name
    flash(f"{name} can sign in again.", "success")
    return redirect(url_for(".page"), 303)
