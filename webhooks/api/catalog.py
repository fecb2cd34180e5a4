"""/v1/products, /v1/customers and /v1/settings."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from orders_core.presenters import customer_out, product_out
from orders_core.query_schemas import CustomerParams
from orders_core.schemas import (
    CustomerList,
    CustomerOut,
    DeletedOut,
    ProductIn,
    ProductList,
    ProductOut,
    ProductUpdate,
)
from orders_core.services import catalog, customers, queries
from orders_core.services.tenants import get_tenant, tenant_settings, update_tenant_settings
from orders_core.tenant_settings import TenantSettings
from webhooks.context import db, tenant_id
from webhooks.routes import api_route

bp = Blueprint("catalog", __name__, url_prefix="/v1")

WRITE_ERRORS = (400, 401, 404, 409, 415, 422, 429)


@api_route(bp, "/products", "GET", summary="List products", response=ProductList, errors=(401, 429))
def list_products() -> ProductList:
    """The menu in order."""
    with db().read() as session:
        tenant = get_tenant(session, tenant_id())
        return ProductList(
            data=[
                product_out(p, tenant.currency) for p in catalog.list_products(session, tenant.id)
            ]
        )


@api_route(bp, "/products", "POST", summary="Add a product", body=ProductIn, response=ProductOut,
           status=201, errors=WRITE_ERRORS, idempotent=True)  # fmt: skip
def add_product(session: Session, body: ProductIn) -> ProductOut:
    """Add a product to the menu."""
    tenant = get_tenant(session, tenant_id())
    return product_out(catalog.add_product(session, tenant.id, body), tenant.currency)


@api_route(bp, "/products/<code>", "GET", summary="Retrieve a product", response=ProductOut,
           errors=(401, 404, 429))  # fmt: skip
def get_product(code: str) -> ProductOut:
    """One product."""
    with db().read() as session:
        tenant = get_tenant(session, tenant_id())
        return product_out(catalog.get_product(session, tenant.id, code), tenant.currency)


@api_route(bp, "/products/<code>", "PATCH", summary="Update a product", body=ProductUpdate,
           response=ProductOut, errors=WRITE_ERRORS, idempotent=True)  # fmt: skip
def update_product(session: Session, code: str, body: ProductUpdate) -> ProductOut:
    """Change price, name, aliases, availability or option groups (given: replaced whole)."""
    tenant = get_tenant(session, tenant_id())
    product = catalog.update_product(session, catalog.get_product(session, tenant.id, code), body)
    return product_out(product, tenant.currency)


@api_route(bp, "/products/<code>", "DELETE", summary="Delete a product",
           response=DeletedOut, errors=(401, 404, 409, 429), idempotent=True)  # fmt: skip
def delete_product(session: Session, code: str) -> DeletedOut:
    """Take a product off the menu for good (placed orders keep their lines)."""
    catalog.delete_product(session, catalog.get_product(session, tenant_id(), code))
    return DeletedOut(id=code, object="product")


@api_route(bp, "/customers", "GET", summary="List customers", query=CustomerParams,
           response=CustomerList, errors=(400, 401, 429))  # fmt: skip
def list_customers(query: CustomerParams) -> CustomerList:
    """Customers, newest first, cursor-paged by id."""
    with db().read() as session:
        rows, has_more = queries.list_customers(session, tenant_id(), query)
    return CustomerList(data=[customer_out(c) for c in rows], has_more=has_more)


@api_route(bp, "/customers/<customer_id>", "GET", summary="Retrieve a customer",
           response=CustomerOut, errors=(401, 404, 429))  # fmt: skip
def get_customer(customer_id: str) -> CustomerOut:
    """One customer by cus_ id or E.164 phone."""
    with db().read() as session:
        return customer_out(customers.get_customer(session, tenant_id(), customer_id))


class SettingsOut(BaseModel):
    """The business profile and its settings."""

    model_config = ConfigDict(extra="forbid")

    object: str = "settings"
    name: str
    currency: str
    timezone: str
    whatsapp_number: str | None
    sms_number: str | None
    staff: list[str]
    settings: TenantSettings


class SettingsUpdate(BaseModel):
    """PATCH /v1/settings: any of the tenant settings."""

    model_config = ConfigDict(extra="forbid")

    settings: dict[str, Any]


def _settings_out(session: Session) -> SettingsOut:
    tenant = get_tenant(session, tenant_id())
    return SettingsOut(
        name=tenant.name,
        currency=tenant.currency,
        timezone=tenant.timezone,
        whatsapp_number=tenant.whatsapp_number,
        sms_number=tenant.sms_number,
        staff=[s.phone for s in tenant.staff],
        settings=tenant_settings(tenant),
    )


@api_route(
    bp, "/settings", "GET", summary="Business settings", response=SettingsOut, errors=(401, 429)
)
def get_settings() -> SettingsOut:
    """The tenant's profile and settings."""
    with db().read() as session:
        return _settings_out(session)


@api_route(bp, "/settings", "PATCH", summary="Change business settings", body=SettingsUpdate,
           response=SettingsOut, errors=WRITE_ERRORS, idempotent=True)  # fmt: skip
def patch_settings(session: Session, body: SettingsUpdate) -> SettingsOut:
    """Merge the given settings (auto_notifications, reminders, templates, ...)."""
    update_tenant_settings(session, get_tenant(session, tenant_id()), body.settings)
    session.flush()
    return _settings_out(session)
