"""Reply wording that needs the cart or the tenant, in the customer's language."""

from __future__ import annotations

from collections.abc import Sequence

from bot.cart import CartLine, LineOption, cart_total
from bot.language.lexicon import BASE, packs_for_currency
from bot.language.replies import say
from orders_core.domain import format_money


def tenant_packs(languages: Sequence[str] | None, currency: str) -> tuple[str, ...]:
    """The packs a tenant's customers are read with: its setting, else its currency's."""
    if languages:
        return tuple(dict.fromkeys((BASE, *languages)))
    return packs_for_currency(currency)


def options_text(options: Sequence[LineOption]) -> str:
    """A line's options as customers and staff read them: "Large, +Chicken" (an extra from
    an optional group is marked with a plus)."""
    return ", ".join(f"+{o.name}" if o.extra else o.name for o in options)


def line_name(name: str, options: Sequence[LineOption]) -> str:
    """A product's name with the options of its line: "Jollof Rice (Large, +Chicken)"."""
    return f"{name} ({options_text(options)})" if options else name


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
