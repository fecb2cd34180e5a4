"""/dashboard/shop: whether the business takes orders now, its opening hours and closed dates
(the owner edits them), and the pause switch (kitchen busy) with the message customers are told
while it is on."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from orders_core.errors import DomainError
from orders_core.opening_hours import WEEKDAYS, is_open, next_opening
from orders_core.services.tenants import get_tenant, tenant_settings, update_tenant_settings
from orders_core.tenant_settings import TenantSettings
from webhooks.context import db, tenant_id
from webhooks.pages import access, shop_form
from webhooks.twilio import now as clock_now

bp = Blueprint("shop", __name__, url_prefix="/dashboard/shop")

DAY_NAMES = dict(zip(WEEKDAYS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
                                "Saturday", "Sunday"), strict=True))  # fmt: skip
MAX_MESSAGE = 300


@bp.before_request
def _guard() -> ResponseReturnValue | None:
    """A live sign-in with a role allowed here, and the CSRF token on every POST."""
    return access.guard()


def status_line(settings: TenantSettings, now: datetime, timezone: str) -> str:
    """The shop's state in a few words: open, paused, or closed until when."""
    if settings.orders_paused:
        return "Paused: chat orders wait until you resume."
    if is_open(settings, now, timezone):
        return "Open: taking orders."
    opens_at = next_opening(settings, now, timezone)
    if opens_at is None:
        return "Closed: no opening hours ahead."
    return f"Closed: opens {opens_at.astimezone(ZoneInfo(timezone)):%A %d %B at %H:%M}."


def hours_rows(settings: TenantSettings) -> list[tuple[str, str]]:
    """Each weekday and its hours, as the page lists them."""
    hours = settings.opening_hours
    if hours is None:
        return [("Every day", "Open all day (no opening hours set)")]
    return [(DAY_NAMES[day], ", ".join(hours.get(day, [])) or "Closed") for day in WEEKDAYS]


def _render(status: int = 200, errors: dict[str, str] | None = None,
            typed: dict[str, str] | None = None) -> ResponseReturnValue:  # fmt: skip
    with db().read() as session:
        tenant = get_tenant(session, tenant_id())
        settings = tenant_settings(tenant)
        return render_template(
            "dashboard/shop.html",
            tenant=tenant,
            settings=settings,
            status=status_line(settings, clock_now(), tenant.timezone),
            hours=hours_rows(settings),
            fields=typed or shop_form.form_values(settings),
            days=[(day, DAY_NAMES[day]) for day in WEEKDAYS],
            errors=errors or {},
            max_message=MAX_MESSAGE,
        ), status


@bp.get("")
def page() -> ResponseReturnValue:
    """The shop's status, its hours and closed dates (editable), and the pause switch."""
    return _render()


@bp.post("/hours")
def save_hours() -> ResponseReturnValue:
    """Save the opening hours per weekday (or open all day); a wrong range is shown inline."""
    typed = {k: v for k, v in request.form.items() if k.startswith("hours_") or k == "always_open"}
    hours, errors = shop_form.parse_hours(request.form)
    if errors:
        return _render(422, errors, {**shop_form.form_values(None), **typed})
    return _save({"opening_hours": hours}, "Opening hours saved.")


@bp.post("/dates")
def save_dates() -> ResponseReturnValue:
    """Save the closed dates (one a line); a wrong date is shown inline."""
    typed = {"closed_dates": request.form.get("closed_dates", "")}
    dates, errors = shop_form.parse_dates(typed["closed_dates"])
    if errors:
        return _render(422, errors, {**shop_form.form_values(None), **typed})
    return _save({"closed_dates": dates}, "Closed dates saved.")


def _save(changes: dict[str, object], done: str) -> ResponseReturnValue:
    try:
        with db().write() as session:
            update_tenant_settings(session, get_tenant(session, tenant_id()), changes)
    except DomainError as exc:
        return _render(422, {"form": exc.message})
    flash(done, "ok")
    return redirect(url_for(".page"), 303)


@bp.post("/pause")
def pause() -> ResponseReturnValue:
    """Pause orders, with the message customers are told (blank: none)."""
    message = (request.form.get("message") or "").strip()[:MAX_MESSAGE] or None
    with db().write() as session:
        tenant = get_tenant(session, tenant_id())
        update_tenant_settings(session, tenant, {"orders_paused": True, "paused_message": message})
    flash("Orders paused. Customers are told you are not taking orders.", "ok")
    return redirect(url_for(".page"), 303)


@bp.post("/resume")
def resume() -> ResponseReturnValue:
    """Take orders again; customers who left a cart are asked at the next scheduler run."""
    with db().write() as session:
        update_tenant_settings(session, get_tenant(session, tenant_id()), {"orders_paused": False})
    flash("Orders resumed.", "ok")
    return redirect(url_for(".page"), 303)
