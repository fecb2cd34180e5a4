"""What customers and staff are told about their orders: wording only, no I/O.

Each notice names the tenant template to use outside WhatsApp's 24-hour window
(TenantSettings.templates key) and the variables a template can pick by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.cart import LineOption
from bot.language.replies import say
from bot.wording import line_name
from orders_core.domain import format_money

CANCEL_REASONS = {  # said after "Reason: "
    "customer_request": "at your request",
    "out_of_stock": "out of stock",
    "fraud": "we could not verify the order",
    "duplicate": "it was a duplicate",
}

STATUS_LINES = ("confirmed", "preparing", "out_for_delivery", "delivered")


@dataclass(frozen=True)
class Notice:
    """A message to send: its free-text body, the template key, the template variables."""

    template: str
    body: str
    variables: dict[str, str]


def _number(order: dict[str, Any]) -> str:
    return str(order.get("number") or str(order.get("id", "")).removeprefix("ord_"))


def _money(amount: int, order: dict[str, Any]) -> str:
    return format_money(int(amount), str(order.get("currency") or ""))


def _lines(order: dict[str, Any]) -> str:
    lines = [
        f"{item['quantity']} × {_item_name(item)} — {_money(item['subtotal'], order)}"
        for item in order.get("items", [])
    ]
    return "\n".join([*lines, f"Total: {_money(order.get('total', 0), order)}"])


def _item_name(item: dict[str, Any]) -> str:
    """The line's name with its options, as the cart showed it: "Moi Moi (Egg)"."""
    options = [
        LineOption(o["group"], o["name"], o.get("price", 0)) for o in item.get("options") or []
    ]
    return line_name(str(item["name"]), options)


def _variables(order: dict[str, Any], business: str, **extra: str) -> dict[str, str]:
    customer = order.get("customer") or {}
    return {
        "business": business,
        "order_number": _number(order),
        "customer_name": str(customer.get("name") or ""),
        "total": _money(order.get("total", 0), order),
        "status": str(order.get("status", "")),
        **extra,
    }


def status_notice(
    order: dict[str, Any], business: str, tracking_url: str | None, lang: str = "en"
) -> Notice | None:
    """The customer's message for the order's new status, in their language; None for
    statuses said elsewhere."""
    status = str(order.get("status"))
    if status not in STATUS_LINES:
        return None
    line = say(lang, f"notice_{status}")
    body = f"{business}: {say(lang, 'notice_your_order')} #{_number(order)} {line}"
    if status == "confirmed":
        body += "\n" + _lines(order)
    if status == "out_for_delivery" and tracking_url:
        body += f"\nTrack it here: {tracking_url}"
    variables = _variables(order, business, tracking_url=tracking_url or "")
    return Notice(f"order.{status}", body, variables)


def received_notice(order: dict[str, Any], business: str, lang: str = "en") -> Notice:
    """The customer's message when a web/API order comes in: received, with its lines."""
    line = say(lang, "notice_received")
    body = f"{business}: {say(lang, 'notice_your_order')} #{_number(order)} {line}"
    body += "\n" + _lines(order)
    return Notice("order.created", body, _variables(order, business, tracking_url=""))


def ready_notice(order: dict[str, Any], business: str, minutes: int, lang: str = "en") -> Notice:
    """The customer's message when staff promise the order ready in `minutes`."""
    body = f"{business}: " + say(lang, "ready_in", number=_number(order), minutes=minutes)
    return Notice("order.eta", body, _variables(order, business, minutes=str(minutes)))


def hold_notice(
    order: dict[str, Any], business: str, reason: str | None, lang: str = "en"
) -> Notice:
    """The customer's message when the business puts their order on hold, with the reason."""
    body = f"{business}: {say(lang, 'notice_your_order')} #{_number(order)} {say(lang, 'notice_on_hold')}"
    if reason:
        body += f"\n{reason}"
    body += "\n" + say(lang, "notice_on_hold_later")
    return Notice("order.on_hold", body, _variables(order, business, reason=reason or ""))


def resumed_notice(order: dict[str, Any], business: str, lang: str = "en") -> Notice:
    """The customer's message when their order comes off hold."""
    line = say(lang, "notice_resumed")
    body = f"{business}: {say(lang, 'notice_your_order')} #{_number(order)} {line}"
    return Notice("order.resumed", body, _variables(order, business))


def cancelled_notice(order: dict[str, Any], business: str, reason: str, note: str | None) -> Notice:
    """The customer's message when an order is cancelled, with the reason when it is a known one.

    The note is added only when staff or a back office wrote it: on a customer's own request
    it is the customer's words ("cancel"), not news to them.
    """
    why = CANCEL_REASONS.get(reason, "")
    body = f"{business}: your order #{_number(order)} was cancelled."
    if why:
        body += f" Reason: {why}."
    if reason == "customer_request":
        note = None
    if note:
        body += f" Note: {note}"
    paid = int(order.get("amount_paid") or 0)
    if paid:
        body += f"\nYour payment of {_money(paid, order)} will be refunded."
    variables = _variables(order, business, reason=why or reason, note=note or "")
    return Notice("order.cancelled", body, variables)


def payment_notice(order: dict[str, Any], business: str, amount: int) -> Notice:
    """The customer's receipt for a payment."""
    money = _money(amount, order)
    body = (
        f"{business}: we received your payment of {money} for order #{_number(order)}. Thank you!"
    )
    due = int(order.get("total") or 0) - int(order.get("amount_paid") or 0)
    if due > 0:
        body += f"\nStill to pay: {_money(due, order)}"
    return Notice("payment.recorded", body, _variables(order, business, amount=money))


def refund_notice(order: dict[str, Any], business: str, amount: int) -> Notice:
    """The customer's message about a refund."""
    money = _money(amount, order)
    body = f"{business}: we have refunded {money} for order #{_number(order)}."
    return Notice("refund.created", body, _variables(order, business, amount=money))


RETURN_LINES = {  # said after "{business}: "; return.refunded is said by refund.created
    "return.requested": "we have your request to return {items} from order #{number}. "
    "We will tell you when it reaches us.",
    "return.received": "we received the {items} you returned from order #{number}.",
    "return.rejected": "we could not accept your return of {items} from order #{number}.",
}


def return_notice(
    kind: str, order: dict[str, Any], business: str, ret: dict[str, Any]
) -> Notice | None:
    """The customer's message when their return is requested, received or rejected."""
    if kind not in RETURN_LINES:
        return None
    items = ", ".join(f"{line['quantity']} × {line['name']}" for line in ret.get("items", []))
    body = f"{business}: " + RETURN_LINES[kind].format(items=items, number=_number(order))
    note = ret.get("rejection_note") if kind == "return.rejected" else None
    if note:
        body += f" Note: {note}"
    return Notice(kind, body, _variables(order, business, items=items, note=note or ""))


def partial_fulfillment_notice(
    order: dict[str, Any], business: str, tracking_url: str | None
) -> Notice:
    """The customer's message when part of an order is dispatched."""
    body = f"{business}: part of your order #{_number(order)} is on its way 🛵"
    if tracking_url:
        body += f"\nTrack it here: {tracking_url}"
    variables = _variables(order, business, tracking_url=tracking_url or "")
    return Notice("fulfillment.created", body, variables)


def unpaid_reminder(order: dict[str, Any], business: str) -> Notice:
    """A reminder to pay for a confirmed order."""
    due = int(order.get("total") or 0) - int(order.get("amount_paid") or 0)
    body = (
        f"{business}: a reminder that order #{_number(order)} is waiting for payment "
        f"of {_money(due, order)}. Reply here if you need our payment details."
    )
    return Notice("reminder.unpaid", body, _variables(order, business, amount=_money(due, order)))


def feedback_request(order: dict[str, Any], business: str) -> Notice:
    """A request for feedback after delivery."""
    body = (
        f"{business}: how was order #{_number(order)}? "
        "Reply with a number from 1 (poor) to 5 (great), or tell us in your own words."
    )
    return Notice("reminder.feedback", body, _variables(order, business))


def cart_nudge(cart: list[Any], business: str) -> Notice:
    """A nudge about a cart left without ordering."""
    names = [
        f"{item.get('quantity', 1)} × {item.get('name', '')}".strip()
        for item in cart
        if isinstance(item, dict)
    ]
    listed = ", ".join(n for n in names if n) or "your items"
    body = (
        f"{business}: you left {listed} in your cart. "
        "Reply YES to place the order, or tell us what to change."
    )
    return Notice("reminder.abandoned_cart", body, {"business": business, "items": listed})


def staff_pending_reminder(order: dict[str, Any], minutes: int) -> str:
    """A staff alert about an order still waiting for confirmation."""
    number = _number(order)
    return (
        f"⏰ Order #{number} has been waiting {minutes} min for confirmation.\n"
        f"{_lines(order)}\nReply 'confirm {number}' or 'reject {number} <reason>'."
    )


def staff_endpoint_disabled(url: str, days: int) -> str:
    """A staff alert that an outbound webhook endpoint was turned off."""
    return (
        f"⚠️ Webhook {url} has failed every delivery for {days} days and was disabled. "
        "Fix it, then re-enable it in the API (PATCH /v1/webhook_endpoints)."
    )
