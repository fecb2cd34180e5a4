"""Options on order lines (priced from the product's groups) and the menu CSV's `options` text."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from orders_core.domain import parse_major_amount
from orders_core.errors import ValidationFailed
from orders_core.models import Product

_GROUP_HEAD = re.compile(r"^(?P<name>[^()]+?)\s*(?:\((?P<min>\d+)\s*-\s*(?P<max>\d+)\))?$")
_OPTION = re.compile(r"^(?P<name>[^+]+?)\s*(?:\+\s*(?P<price>[^+]*))?$")


def line_options(product: Product, names: Sequence[str], param: str) -> list[dict[str, Any]]:
    """The options named on a line of `product`, as [{group, name, price}] in menu order.

    ValidationFailed (with `param`) for an unknown or repeated option, a group given more
    than its max, or a required group (min > 0) given fewer than its min.
    """
    wanted = {}
    for name in names:
        key = name.casefold()
        if key in wanted:
            raise ValidationFailed(f"{name} is given twice", param=param)
        wanted[key] = name
    chosen = []
    for group in product.option_groups or []:
        picked = [o for o in group["options"] if o["name"].casefold() in wanted]
        for option in picked:
            del wanted[option["name"].casefold()]
        if len(picked) < group["min"]:
            choices = ", ".join(o["name"] for o in group["options"])
            how_many = "a choice" if group["min"] == 1 else f"{group['min']} choices"
            raise ValidationFailed(
                f"{product.name} needs {how_many} of {group['name']} ({choices})", param=param
            )
        if len(picked) > group["max"]:
            raise ValidationFailed(
                f"{product.name}: choose at most {group['max']} of {group['name']}", param=param
            )
        chosen += [{"group": group["name"], "name": o["name"], "price": o["price"]} for o in picked]
    if wanted:
        unknown = ", ".join(wanted.values())
        known = ", ".join(o["name"] for g in product.option_groups or [] for o in g["options"])
        offer = f" (options: {known})" if known else " (it has no options)"
        raise ValidationFailed(f"{product.name} has no option {unknown}{offer}", param=param)
    return chosen


def parse_options_text(text: str, currency: str) -> list[dict[str, Any]]:
    """Option groups from the menu CSV's `options` cell.

    `Size: Small | Large +500; Extras (0-2): Chicken +1500 | Plantain +300`: groups split
    by `;`, options by `|`; a group is a required single choice unless `(min-max)` follows
    its name; `+price` is in major units (no price: 0). Names hold none of `;|:+`.
    ValueError if it is not that shape.
    """
    groups = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        head, colon, body = part.partition(":")
        match = _GROUP_HEAD.match(head.strip())
        if not colon or match is None:
            raise ValueError(f"options: {part!r} is not 'Group: Option | Option +price'")
        options = []
        for cell in filter(None, (c.strip() for c in body.split("|"))):
            option = _OPTION.match(cell)
            if option is None:
                raise ValueError(f"options: {cell!r} is not 'Option' or 'Option +price'")
            price = option["price"]
            options.append({
                "name": option["name"].strip(),
                "price": parse_major_amount(price, currency) if price else 0,
            })  # fmt: skip
        low, high = (int(match["min"]), int(match["max"])) if match["min"] else (1, 1)
        groups.append({"name": match["name"].strip(), "min": low, "max": high, "options": options})
    return groups
