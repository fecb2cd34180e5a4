"""The tenant's catalog: products with prices and chat aliases."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from orders_core.errors import Conflict, NotFound
from orders_core.models import Product, utcnow
from orders_core.schemas import ProductIn, ProductUpdate


def slug_code(name: str) -> str:
    """A product id made from its name: "Jollof Rice (Large)" -> "prod_jollof_rice_large"."""
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:59] or "item"
    return f"prod_{slug}"


def list_products(
    session: Session, tenant_id: int, *, available_only: bool = False
) -> list[Product]:
    """The tenant's products in menu order."""
    query = select(Product).where(Product.tenant_id == tenant_id)
    if available_only:
        query = query.where(Product.available.is_(True))
    return list(session.scalars(query.order_by(Product.position, Product.id)))


def get_product(session: Session, tenant_id: int, code: str) -> Product:
    """The tenant's product by id; NotFound otherwise."""
    product = session.scalars(
        select(Product).where(Product.tenant_id == tenant_id, Product.code == code)
    ).one_or_none()
    if product is None:
        raise NotFound(f"No such product: {code}", param="id")
    return product


def add_product(session: Session, tenant_id: int, data: ProductIn) -> Product:
    """A new product; its id is derived from the name when not given. A taken id is a Conflict."""
    code = data.id or slug_code(data.name)
    taken = session.scalar(
        select(func.count()).where(Product.tenant_id == tenant_id, Product.code == code)
    )
    if taken:
        raise Conflict(f"A product with id {code} exists already", param="id")
    position = session.scalar(
        select(func.coalesce(func.max(Product.position), -1) + 1).where(
            Product.tenant_id == tenant_id
        )
    )
    product = Product(
        tenant_id=tenant_id,
        code=code,
        name=data.name,
        unit_price=data.unit_price,
        description=data.description,
        aliases=[a.lower() for a in data.aliases],
        category=data.category,
        available=data.available,
        option_groups=[group.model_dump(mode="json") for group in data.option_groups],
        position=position,
        created_at=utcnow(),
        updated_at=utcnow(),
    )
    session.add(product)
    session.flush()
    return product


def update_product(session: Session, product: Product, data: ProductUpdate) -> Product:
    """Change the given fields of a product."""
    for field in data.model_fields_set:
        value = getattr(data, field)
        if field == "aliases" and value is not None:
            value = [a.lower() for a in value]
        if field == "option_groups" and value is not None:
            value = [group.model_dump(mode="json") for group in value]
        if value is not None or field in {"description", "category"}:
            setattr(product, field, value)
    product.updated_at = utcnow()
    return product


def delete_product(session: Session, product: Product) -> None:
    """Remove a product from the menu; orders keep their own copy of its name and price."""
    session.delete(product)


def import_menu(session: Session, tenant_id: int, rows: Iterable[dict[str, Any]]) -> list[Product]:
    """Add or update products from menu rows (id, name, unit_price, aliases, option_groups, ...).

    An existing product keeps whatever a row leaves out (its aliases, availability, ...).
    """
    result = []
    for row in rows:
        data = ProductIn.model_validate(row)
        code = data.id or slug_code(data.name)
        existing = session.scalars(
            select(Product).where(Product.tenant_id == tenant_id, Product.code == code)
        ).one_or_none()
        if existing is None:
            result.append(add_product(session, tenant_id, data.model_copy(update={"id": code})))
        else:
            update_fields = data.model_dump(exclude={"id"}, exclude_unset=True)
            result.append(update_product(session, existing, ProductUpdate(**update_fields)))
    return result
