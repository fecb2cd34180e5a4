"""/dashboard/menu: the products with a one-tap Sold out / Back switch for the counter.

The switch goes through the catalog use case the staff chat command (`sold out jollof`)
uses, so the tenant's version moves and the chat offers the new menu at once.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from orders_core.domain import format_money
from orders_core.schemas import ProductUpdate
from orders_core.services.catalog import get_product, list_products, update_product
from orders_core.services.tenants import get_tenant
from webhooks.context import db, tenant_id
from webhooks.pages import access

bp = Blueprint("menu", __name__, url_prefix="/dashboard/menu")


@bp.before_request
def _guard() -> ResponseReturnValue | None:
    """A live sign-in with a role allowed here, and the CSRF token on every POST."""
    return access.guard()


@bp.get("")
def page() -> ResponseReturnValue:
    """Every product, sold-out ones marked, each with its switch."""
    with db().read() as session:
        tenant = get_tenant(session, tenant_id())
        products = list_products(session, tenant.id)
        return render_template(
            "dashboard/menu.html",
            tenant=tenant,
            products=products,
            sold_out=sum(1 for p in products if not p.available),
            money=lambda amount: format_money(amount, tenant.currency),
        )


@bp.post("/<code>/available")
def toggle(code: str) -> ResponseReturnValue:
    """Mark the product sold out (`available=0`) or back (`available=1`)."""
    wanted = request.form.get("available")
    if wanted not in ("0", "1"):
        flash("Choose Sold out or Back.", "error")
        return redirect(url_for(".page"), 303)
    available = wanted == "1"
    with db().write() as session:
        product = get_product(session, tenant_id(), code)
        if product.available != available:
            update_product(session, product, ProductUpdate(available=available))
        name = product.name
    if available:
        flash(f"{name} is back on: customers can order it again.", "success")
    else:
        flash(
            f"{name} is sold out: the chat tells customers and offers something close.", "success"
        )
    return redirect(url_for(".page") + f"#{code}", 303)
