"""Customers: found or created by phone number."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from orders_core.errors import NotFound
from orders_core.models import Customer, utcnow


def find_customer(session: Session, tenant_id: int, phone: str) -> Customer | None:
    """The tenant's customer with this E.164 phone, if any."""
    return session.scalars(
        select(Customer).where(Customer.tenant_id == tenant_id, Customer.phone == phone)
    ).one_or_none()


def upsert_customer(
    session: Session,
    tenant_id: int,
    phone: str,
    *,
    name: str | None = None,
    email: str | None = None,
    address: str | None = None,
    whatsapp: bool | None = None,
) -> Customer:
    """The customer with this phone, created if new; given fields overwrite stored ones."""
    customer = find_customer(session, tenant_id, phone)
    if customer is None:
        customer = Customer(tenant_id=tenant_id, phone=phone, created_at=utcnow())
        session.add(customer)
    for field, value in (("name", name), ("email", email), ("address", address)):
        if value:
            setattr(customer, field, value)
    if whatsapp is not None:
        customer.whatsapp = whatsapp
    session.flush()
    return customer


def get_customer(session: Session, tenant_id: int, customer_id: str) -> Customer:
    """The tenant's customer by `cus_<n>` id or phone; NotFound otherwise."""
    customer = None
    if customer_id.startswith("cus_") and customer_id[4:].isdigit():
        customer = session.get(Customer, int(customer_id[4:]))
    elif customer_id.startswith("+"):
        customer = find_customer(session, tenant_id, customer_id)
    if customer is None or customer.tenant_id != tenant_id:
        raise NotFound(f"No such customer: {customer_id}", param="id")
    return customer
