"""Customers: found or created by phone number."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orders_core.errors import NotFound
from orders_core.models import Customer, utcnow

_CUSTOMER_ID = re.compile(r"^cus_([0-9]{1,18})$")


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
        customer = _insert_customer(session, tenant_id, phone)
    for field, value in (("name", name), ("email", email), ("address", address)):
        if value:
            setattr(customer, field, value)
    if whatsapp is not None:
        customer.whatsapp = whatsapp
    session.flush()
    return customer


def _insert_customer(session: Session, tenant_id: int, phone: str) -> Customer:
    """A new customer row; if a concurrent transaction just inserted the same phone, that one."""
    customer = Customer(tenant_id=tenant_id, phone=phone, created_at=utcnow())
    try:
        with session.begin_nested():
            session.add(customer)
    except IntegrityError:
        existing = find_customer(session, tenant_id, phone)
        if existing is None:
            raise
        return existing
    return customer


def get_customer(session: Session, tenant_id: int, customer_id: str) -> Customer:
    """The tenant's customer by `cus_<n>` id or phone; NotFound otherwise."""
    customer = None
    match = _CUSTOMER_ID.match(customer_id)
    if match:
        customer = session.get(Customer, int(match.group(1)))
    elif customer_id.startswith("+") and len(customer_id) <= 20:
        customer = find_customer(session, tenant_id, customer_id)
    if customer is None or customer.tenant_id != tenant_id:
        raise NotFound(f"No such customer: {customer_id}", param="id")
    return customer
