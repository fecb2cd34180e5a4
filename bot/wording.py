"""Reply wording that needs the cart or the tenant, in the customer's language."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.cart import CartLine, LineOption, cart_total
from bot.language.lexicon import BASE, packs_for_currency
from bot.language.replies import say
from orders_core.domain import format_money
from orders_core.models import Order, OrderItem


def tenant_packs(languages: Sequence[str] | None, currency: str) -> tuple[str, ...]:
    """The packs a tenant's customers are read with: its setting, else its currency's."""
    if languages:
        return tuple(dict.fromkeys((BASE, *languages)))
    return packs_for_currency(currency)


def options_text(options: Sequence[LineOption]) -> str:
    """A line's options as customers and staff read them: "Large, +Chicken".

    The options of the line's first group (the size or type, as menus list it) are shown
    bare, those of later groups (extras) with a plus; the same rule for carts and orders.
    """
    first = options[0].group if options else None
    return ", ".join(o.name if o.group == first else f"+{o.name}" for o in options)


def line_name(name: str, options: Sequence[LineOption]) -> str:
    """A product's name with the options of its line: "Jollof Rice (Large, +Chicken)"."""
    return f"{name} ({options_text(options)})" if options else name


def menu_options(groups: Sequence[Mapping[str, Any]], currency: str) -> list[str]:
    """A product's option groups under it on the menu: "   Size: Small · Large +₦500"."""
    rows = []
    for group in groups:
        choices = " · ".join(
            o["name"] + (f" +{format_money(o['price'], currency)}" if o.get("price") else "")
            for o in group["options"]
        )
        rows.append(f"   _{group['name']}_: {choices}")
    return rows


def order_item_name(item: OrderItem) -> str:
    """An order line's name with its options: "Jollof Rice (Large, +Chicken)"."""
    options = [
        LineOption(str(o.get("group", "")), str(o["name"]), int(o.get("price") or 0))
        for o in item.options or []
    ]
    return line_name(item.name, options)


def order_item_text(item: OrderItem, currency: str, *, note: str = "italic") -> str:
    """One order line with its options, note and price; `note="plain"` writes the note
    as staff read it ("• 2 × Jollof Rice (Large, +Chicken) — no pepper — ₦9,000")."""
    said = ""
    if item.note:
        said = f" — {item.note}" if note == "plain" else f" _({item.note})_"
    money = format_money(item.subtotal, currency)
    return f"• {item.quantity} × {order_item_name(item)}{said} — {money}"


def order_notes_beside_lines(order: Order) -> str | None:
    """The order's notes without the "Jollof Rice: no pepper" its lines already show."""
    shown = {f"{item.name}: {item.note}" for item in order.items if item.note}
    parts = [part for part in (order.notes or "").split("; ") if part and part not in shown]
    return "; ".join(parts) or None


def line_text(line: CartLine, currency: str) -> str:
    """One cart line with its options, its note and its price."""
    note = f" _({line.note})_" if line.note else ""
    name = line_name(line.name, line.options)
    return f"• {line.quantity} × {name}{note} — {format_money(line.subtotal, currency)}"


def cart_lines(lines: Sequence[CartLine], currency: str, lang: str = BASE) -> str:
    """The cart as lines with prices and the total."""
    rows = [line_text(line, currency) for line in lines]
    rows.append(f"*{say(lang, 'total')}: {format_money(cart_total(lines), currency)}*")
    return "\n".join(rows)


def order_hint(lang: str, example: str) -> str:
    """How to order, with an example from the tenant's own menu."""
    return say(lang, "order_hint", example=example)


def cart_reply(
    lines: Sequence[CartLine], currency: str, lang: str, example: str, item: str | None = None
) -> str:
    """The cart and what to do next (or how to start when it is empty).

    `item` is how customers call the last line's product, for the examples.
    """
    if not lines:
        return f"{say(lang, 'cart_empty')} {order_hint(lang, example)}"
    item = item or lines[-1].name.split(" (")[0].lower()
    more = example.split(f" {say(lang, 'example_join')} ")[-1]
    return f"*{say(lang, 'cart_heading')}:*\n{cart_lines(lines, currency, lang)}\n\n" + say(
        lang, "cart_next", more=more, item=item
    )


def did_you_mean(lang: str, text: str, suggestions: Sequence[str]) -> str:
    """A clarifying question about words that matched no product, numbered to answer by."""
    shown = text if len(text) <= 60 else text[:57] + "..."
    if not suggestions:
        return say(lang, "not_found", text=shown)
    if len(suggestions) == 1:
        names = f"*{suggestions[0]}*"
    else:
        names = " / ".join(f"{i}. *{name}*" for i, name in enumerate(suggestions[:3], 1))
    return f"{say(lang, 'did_you_mean', text=shown, names=names)} {say(lang, 'did_you_mean_reply')}"
