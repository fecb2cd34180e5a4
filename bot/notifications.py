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

# Reasons a cancellation names (pack key cancel_reason_<reason>); others are not said.
CANCEL_REASONS = ("customer_request", "out_of_stock", "fraud", "duplicate")
# Returns a customer is told about (pack key notice_return_<what>); return.refunded is
# said by refund.created.
RETURN_KINDS = ("return.requested", "return.received", "return.rejected")

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
        body += "\n" + say(lang, "notice_track", url=tracking_url)
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


def _cancel_reason(lang: str, reason: str) -> str:
    return say(lang, f"cancel_reason_{reason}") if reason in CANCEL_REASONS else ""


def cancelled_notice(
    order: dict[str, Any], business: str, reason: str, note: str | None, lang: str = "en"
) -> Notice:
    """The customer's message when an order is cancelled, in their language, with the reason
    when it is a known one.

    The note is added only when staff or a back office wrote it: on a customer's own request
    it is the customer's words ("cancel"), not news to them.
    """
    body = f"{business}: " + say(lang, "notice_cancelled", number=_number(order))
    why = _cancel_reason(lang, reason)
    if why:
        body += " " + say(lang, "notice_cancel_reason", reason=why)
    if reason == "customer_request":
        note = None
    if note:
        body += " " + say(lang, "notice_note", note=note)
    paid = int(order.get("amount_paid") or 0)
    if paid:
        body += "\n" + say(lang, "notice_refund_coming", amount=_money(paid, order))
    english = _cancel_reason("en", reason)
    variables = _variables(order, business, reason=english or reason, note=note or "")
    return Notice("order.cancelled", body, variables)


def payment_notice(order: dict[str, Any], business: str, amount: int, lang: str = "en") -> Notice:
    """The customer's receipt for a payment, in their language, with what is still to pay."""
    money = _money(amount, order)
    body = f"{business}: " + say(lang, "notice_paid", amount=money, number=_number(order))
    due = int(order.get("total") or 0) - int(order.get("amount_paid") or 0)
    if due > 0:
        body += "\n" + say(lang, "notice_still_to_pay", amount=_money(due, order))
    return Notice("payment.recorded", body, _variables(order, business, amount=money))


def refund_notice(order: dict[str, Any], business: str, amount: int, lang: str = "en") -> Notice:
    """The customer's message about a refund, in their language."""
    money = _money(amount, order)
    body = f"{business}: " + say(lang, "notice_refunded", amount=money, number=_number(order))
    return Notice("refund.created", body, _variables(order, business, amount=money))


def return_notice(
    kind: str, order: dict[str, Any], business: str, ret: dict[str, Any], lang: str = "en"
) -> Notice | None:
    """The customer's message when their return is requested, received or rejected, in
    their language; None for other return events."""
    if kind not in RETURN_KINDS:
        return None
    items = ", ".join(f"{line['quantity']} × {line['name']}" for line in ret.get("items", []))
    key = "notice_" + kind.replace(".", "_")
    body = f"{business}: " + say(lang, key, items=items, number=_number(order))
    note = ret.get("rejection_note") if kind == "return.rejected" else None
    if note:
        body += " " + say(lang, "notice_note", note=note)
    return Notice(kind, body, _variables(order, business, items=items, note=note or ""))


def partial_fulfillment_notice(
    order: dict[str, Any], business: str, tracking_url: str | None, lang: str = "en"
) -> Notice:
    """The customer's message when part of an order is dispatched, in their language."""
    body = f"{business}: " + say(lang, "notice_part_on_its_way", number=_number(order))
    if tracking_url:
        body += "\n" + say(lang, "notice_track", url=tracking_url)
    variables = _variables(order, business, tracking_url=tracking_url or "")
    return Notice("fulfillment.created", body, variables)


def unpaid_reminder(order: dict[str, Any], business: str, lang: str = "en") -> Notice:
    """A reminder to pay for a confirmed order, in the customer's language."""
    due = _money(int(order.get("total") or 0) - int(order.get("amount_paid") or 0), order)
    body = f"{business}: " + say(lang, "reminder_unpaid", number=_number(order), amount=due)
    return Notice("reminder.unpaid", body, _variables(order, business, amount=due))


def feedback_request(order: dict[str, Any], business: str, lang: str = "en") -> Notice:
    """A request for feedback after delivery, in the customer's language."""
    body = f"{business}: " + say(lang, "reminder_feedback", number=_number(order))
    return Notice("reminder.feedback", body, _variables(order, business))


def cart_nudge(cart: list[Any], business: str, lang: str = "en") -> Notice:
    """A nudge about a cart left without ordering, in the customer's language."""
    names = [
        f"{item.get('quantity', 1)} × {item.get('name', '')}".strip()
        for item in cart
        if isinstance(item, dict)
    ]
    listed = ", ".join(n for n in names if n)
    body = f"{business}: " + say(
        lang, "reminder_cart", items=listed or say(lang, "reminder_cart_items")
    )
    items = listed or say("en", "reminder_cart_items")
    return Notice("reminder.abandoned_cart", body, {"business": business, "items": items})


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
