"""Staff mark products sold out and back from the staff phone: `sold out jollof`, `back jollof`.

The change goes through the catalog use case (the same as PATCH /v1/products available), so
the chat reads the new menu at once (the tenant's version moves with its catalog).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy.orm import Session

from orders_core.models import Product, Tenant
from orders_core.schemas import ProductUpdate
from orders_core.services.catalog import list_products, update_product
from orders_core.services.orders import parse_order_number

_SOLD_OUT = re.compile(
    r"^\s*\*?(?:sold\s*out|out\s+of\s+stock|finished|no\s+more)\*?\s*[:\-]?\s*(?P<name>.*?)\s*$",
    re.IGNORECASE,
)
_BACK = re.compile(
    r"^\s*\*?(?:back\s+in\s+stock|in\s+stock|back|available)\*?\s*[:\-]?\s*(?P<name>.*?)\s*$",
    re.IGNORECASE,
)
_SHOWN = 5


def stock_command(session: Session, tenant: Tenant, text: str) -> str | None:
    """Carry out `sold out <product>` / `back <product>`; None when `text` is neither."""
    sold_out = _SOLD_OUT.match(text)
    match = sold_out or _BACK.match(text)
    if match is None:
        return None
    name = match.group("name").strip(" .,!*")
    if name and parse_order_number(name) is not None:
        return None  # "back 1042" is about an order, not a product
    word = "SOLD OUT" if sold_out else "BACK"
    if not name:
        return f"Say *{word} jollof* with the product's name."
    products = list_products(session, tenant.id)
    found = find_products(products, name)
    if not found:
        return (
            f'No product called "{name}" on the menu. Reply *{word}* with its name as on the menu.'
        )
    if len(found) > 1:
        names = ", ".join(f"*{p.name}*" for p in found[:_SHOWN])
        return f'"{name}" could be {names}. Say *{word}* with more of the name.'
    product = found[0]
    available = sold_out is None
    if product.available == available:
        state = "available" if available else "sold out"
        return f"*{product.name}* is already {state}."
    update_product(session, product, ProductUpdate(available=available))
    if available:
        return f"✅ *{product.name}* is back on: customers can order it again."
    return (
        f"⛔ *{product.name}* is sold out: the chat tells customers and offers something "
        f"close. Say *BACK {name}* when you have it again."
    )


def find_products(products: Sequence[Product], name: str) -> list[Product]:
    """The products `name` means: an exact name, alias or code, else those containing it."""
    wanted = " ".join(name.lower().split())
    exact = [
        p
        for p in products
        if wanted in {p.name.lower(), p.code.lower(), *(a.lower() for a in p.aliases or [])}
    ]
    if exact:
        return exact
    return [
        p
        for p in products
        if any(wanted in text for text in (p.name.lower(), *(a.lower() for a in p.aliases or [])))
    ]
