"""/v1/checkouts: create, list, read, change, and complete into an order (once)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask import Blueprint
from sqlalchemy.orm import Session

from orders_core.checkout_schemas import (
    CheckoutCreate,
    CheckoutLineOut,
    CheckoutList,
    CheckoutOut,
    CheckoutParams,
    CheckoutUpdate,
)
from orders_core.models import Checkout, Product, utcnow
from orders_core.presenters import order_out
from orders_core.schemas import OrderOut
from orders_core.services import checkouts as use
from orders_core.tenant_cache import TenantSnapshot
from webhooks.context import caller_business, db, tenant_id
from webhooks.routes import api_route

bp = Blueprint("checkouts", __name__, url_prefix="/v1")

WRITE_ERRORS = (400, 401, 404, 409, 415, 422, 429)
READ_ERRORS = (400, 401, 404, 429)


def checkout_out(
    checkout: Checkout, business: TenantSnapshot, now: datetime, order_number: int | None = None
) -> CheckoutOut:
    """The checkout priced from the catalog as it is now, with its status as read now."""
    lines = [_line(item, business.by_code) for item in checkout.items]
    subtotal = sum(line.subtotal for line in lines)
    abandoned_after = use.idle_limit(business.settings.abandoned_cart_minutes)
    return CheckoutOut(
        id=checkout.public_id,
        status=use.checkout_status(checkout, abandoned_after, now),
        channel=checkout.channel,
        source=checkout.source,
        external_id=checkout.external_id,
        external_number=checkout.external_number,
        customer=checkout.customer,
        items=lines,
        currency=business.tenant.currency,
        subtotal=subtotal,
        delivery_fee=checkout.delivery_fee,
        total=subtotal + checkout.delivery_fee,
        delivery=checkout.delivery,
        notes=checkout.notes,
        metadata=checkout.meta,
        order_id=f"ord_{order_number}" if order_number is not None else None,
        last_activity_at=checkout.last_activity_at,
        completed_at=checkout.completed_at,
        created_at=checkout.created_at,
        updated_at=checkout.updated_at,
    )


def _priced_options(product: Product | None, names: list[str]) -> list[dict[str, Any]]:
    """The named options of the product at today's prices; a name the menu no longer has is
    left out here (completing the checkout refuses it with a 422 naming it)."""
    wanted = {name.casefold() for name in names}
    return [
        {"group": group["name"], "name": option["name"], "price": option["price"]}
        for group in (product.option_groups or [] if product else [])
        for option in group["options"]
        if option["name"].casefold() in wanted
    ]


def _line(item: Mapping[str, Any], catalog: Mapping[str, Product]) -> CheckoutLineOut:
    code: str | None = item.get("product_id")
    product = catalog.get(code) if code is not None else None
    quantity = int(item["quantity"])
    own_price: int | None = item.get("unit_price")
    unit_price = own_price if own_price is not None else product.unit_price if product else 0
    options = _priced_options(product, item.get("options") or [])
    return CheckoutLineOut(
        product_id=code,
        name=item.get("name") or (product.name if product else code) or "",
        quantity=quantity,
        unit_price=unit_price,
        options=options,
        subtotal=(unit_price + sum(o["price"] for o in options)) * quantity,
        note=item.get("note") or None,
        available=code is None or (product is not None and product.available),
    )


def _out(session: Session, business: TenantSnapshot, checkout: Checkout) -> CheckoutOut:
    numbers = use.order_numbers(session, [checkout])
    number = numbers.get(checkout.order_id) if checkout.order_id is not None else None
    return checkout_out(checkout, business, utcnow(), number)


@api_route(bp, "/checkouts", "POST", summary="Create a checkout", body=CheckoutCreate,
           response=CheckoutOut, status=201, errors=WRITE_ERRORS, idempotent=True)  # fmt: skip
def create(session: Session, body: CheckoutCreate) -> CheckoutOut:
    """Open a checkout: a cart priced live from the catalog until it is completed."""
    business = caller_business(session)
    checkout = use.create_checkout(session, business.tenant, body, catalog=business.by_code)
    return checkout_out(checkout, business, utcnow())


@api_route(bp, "/checkouts", "GET", summary="List checkouts", query=CheckoutParams,
           response=CheckoutList, errors=READ_ERRORS)  # fmt: skip
def list_(query: CheckoutParams) -> CheckoutList:
    """A page of checkouts (API ones and chat carts), newest first."""
    with db().read() as session:
        business = caller_business(session)
        abandoned_after = use.idle_limit(business.settings.abandoned_cart_minutes)
        rows, has_more = use.list_checkouts(
            session, tenant_id(), query, abandoned_after=abandoned_after
        )
        numbers = use.order_numbers(session, rows)
        now = utcnow()
        data = [
            checkout_out(c, business, now, numbers.get(c.order_id) if c.order_id else None)
            for c in rows
        ]
    return CheckoutList(data=data, has_more=has_more, next_cursor=data[-1].id if has_more else None)


@api_route(bp, "/checkouts/<checkout_id>", "GET", summary="Retrieve a checkout",
           response=CheckoutOut, errors=READ_ERRORS)  # fmt: skip
def retrieve(checkout_id: str) -> CheckoutOut:
    """One checkout, priced as of now."""
    with db().read() as session:
        business = caller_business(session)
        return _out(session, business, use.get_checkout(session, tenant_id(), checkout_id))


@api_route(bp, "/checkouts/<checkout_id>", "PATCH", summary="Change a checkout",
           body=CheckoutUpdate, response=CheckoutOut, errors=WRITE_ERRORS,
           idempotent=True)  # fmt: skip
def update(session: Session, checkout_id: str, body: CheckoutUpdate) -> CheckoutOut:
    """Replace its items, customer, delivery or notes, merge metadata; only while open."""
    business = caller_business(session)
    checkout = use.get_checkout(session, tenant_id(), checkout_id, lock=True)
    use.update_checkout(
        session, checkout, body, catalog=business.by_code,
        abandoned_after=use.idle_limit(business.settings.abandoned_cart_minutes),
    )  # fmt: skip
    return _out(session, business, checkout)


@api_route(bp, "/checkouts/<checkout_id>/complete", "POST", summary="Complete a checkout",
           response=OrderOut, errors=WRITE_ERRORS, idempotent=True)  # fmt: skip
def complete(session: Session, checkout_id: str) -> OrderOut:
    """Place the checkout's order; completing it again answers with the same order."""
    business = caller_business(session)
    checkout = use.get_checkout(session, tenant_id(), checkout_id, lock=True)
    order = use.complete_checkout(
        session, business.tenant, checkout, catalog=business.by_code,
        abandoned_after=use.idle_limit(business.settings.abandoned_cart_minutes),
    )  # fmt: skip
    return order_out(order)
