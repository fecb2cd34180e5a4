"""What the bot says: every reply's wording (WhatsApp formatting), and the TwiML around it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from twilio.twiml.messaging_response import MessagingResponse

from bot import wording
from bot.cart import CartLine, cart_total
from orders_core.domain import OrderStatus, format_money
from orders_core.models import Order, Product

# One WhatsApp/SMS message holds at most 1,600 characters; longer replies are split.
MAX_REPLY = 1600
# What MessagingResponse().to_xml() gives: "no reply".
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response />'

STOP_NOTE = "(Reply STOP to stop all messages from us.)"


def twiml(text: str) -> str:
    """A TwiML answer carrying `text`, split into several messages when it is too long."""
    response = MessagingResponse()
    for part in split_reply(text):
        response.message(part)
    return response.to_xml()


def split_reply(text: str, limit: int = MAX_REPLY) -> list[str]:
    """`text` in pieces of at most `limit` characters, cut at line breaks where possible."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            parts.append(current)
            candidate = line
        current = candidate
    parts.append(current)
    return [part for part in parts if part.strip()] or [text[:limit]]


def already_placed(number: int) -> str:
    """Answer to YES after the order went through."""
    return (
        f"Your order #{number} is already placed. Reply *STATUS* to see where it is, "
        "or send new items to start another order."
    )


def address_saved(address: str, lang: str = "en") -> str:
    """Confirmation of a delivery address."""
    return "📍 " + wording.say(lang, "address_saved", address=address)


def _order_with_fee(
    lines: Sequence[CartLine], currency: str, delivery_fee: int, lang: str = "en"
) -> str:
    """The lines, then the delivery fee and the amount to pay when there is a fee."""
    text = wording.cart_lines(lines, currency, lang)
    if delivery_fee:
        total = cart_total(lines) + delivery_fee
        text += (
            f"\n{wording.say(lang, 'delivery')}: {format_money(delivery_fee, currency)}"
            f"\n*{wording.say(lang, 'to_pay')}: {format_money(total, currency)}*"
        )
    return text


def checkout_reply(
    lines: Sequence[CartLine],
    currency: str,
    *,
    delivery_fee: int,
    address: str | None,
    delivers: bool,
    lang: str = "en",
) -> str:
    """The order summary that asks for the final YES."""
    heading = wording.say(lang, "order_heading")
    text = f"*{heading}:*\n{_order_with_fee(lines, currency, delivery_fee, lang)}"
    if delivers and address:
        text += f"\n\n📍 Deliver to: {address}\n(Send another address to change it.)"
    return text + "\n\n" + wording.say(lang, "checkout_question")


def menu_reply(products: Iterable[Product], currency: str, business: str, hint: str) -> str:
    """The menu grouped by category, with prices; sold-out products say so."""
    rows = [f"*{business} — menu*"]
    category: str | None = None
    for product in products:
        if product.category != category and product.category:
            rows.append(f"\n_{product.category}_")
        category = product.category
        sold_out = "" if product.available else " _(sold out)_"
        rows.append(f"• {product.name} — {format_money(product.unit_price, currency)}{sold_out}")
        rows += wording.menu_options(product.option_groups or [], currency)
    if len(rows) == 1:
        return "The menu is empty right now, sorry. Please check back later."
    rows.append("\n" + hint)
    return "\n".join(rows)


def help_reply(business: str, example: str, item: str) -> str:
    """What a customer can say, with examples from the business's own menu."""
    return (
        f"I take orders for *{business}*. You can say:\n"
        "• *MENU* — see what we have\n"
        f"• *{example}* — add to your cart\n"
        f"• *how much is {item}?* — its price\n"
        f"• *make it 3 {item}* / *remove {item}* — change it\n"
        "• *CART* — see your cart · *CLEAR* — empty it\n"
        "• *YES* — place the order\n"
        "• *STATUS* — where is my order · *CANCEL* — cancel a pending order\n"
        "• *HUMAN* — talk to a person\n"
        "• *STOP* — no more messages from us"
    )


def media_reply(business: str, example: str, item: str) -> str:
    """Answer to a picture, voice note or file without text."""
    return "I can only read text messages for now, sorry. 🙏\n\n" + help_reply(
        business, example, item
    )


def you_are_welcome(name: str | None, *, has_ordered: bool, hint: str) -> str:
    """Answer to a thank-you; the order status hint only for someone who has ordered."""
    who = f", {name}" if name else ""
    if has_ordered:
        return (
            f"You're welcome{who}! Reply *STATUS* to check on your order, or *MENU* to order again."
        )
    return f"You're welcome{who}! " + hint


def expired_notice(minutes: int) -> str:
    """Why an earlier cart is gone."""
    hours, rest = divmod(minutes, 60)
    span = f"{hours} hour{'s' if hours != 1 else ''}" if hours and not rest else f"{minutes} min"
    return f"Your previous cart expired after {span} without messages, so I cleared it."


def address_needed(
    lines: Sequence[CartLine], currency: str, *, delivery_fee: int, lang: str = "en"
) -> str:
    """The order so far with what it costs delivered, and the question for the address."""
    heading = wording.say(lang, "order_heading")
    return (
        f"*{heading}:*\n{_order_with_fee(lines, currency, delivery_fee, lang)}\n\n"
        f"{wording.say(lang, 'ask_address')}\n({wording.say(lang, 'keep_editing')})"
    )


def opted_back_in() -> str:
    """Why someone who had opted out will hear about this order."""
    return "🔔 You had turned off our messages; we'll send updates about this order. Reply *STOP* to turn them off again."


def cart_cleared_order_kept(number: int) -> str:
    """A CANCEL that emptied the cart, leaving the placed order alone."""
    return (
        f"I've emptied your cart. Your order *#{number}* is still pending: "
        f"reply *CANCEL* again to cancel it too."
    )


def order_placed(
    order: Order, *, delivering: bool, lang: str = "en", kind: str = "restaurant"
) -> str:
    """Confirmation that an order went to the business, in the customer's language."""
    lines = [
        wording.say(lang, "placed", number=order.number),
        *(wording.order_item_text(i, order.currency) for i in order.items),
    ]
    if order.delivery_fee:
        fee = format_money(order.delivery_fee, order.currency)
        lines.append(f"{wording.say(lang, 'delivery')}: {fee}")
    lines.append(f"*{wording.say(lang, 'total')}: {format_money(order.total, order.currency)}*")
    if delivering and order.delivery.get("address"):
        lines.append(f"📍 {order.delivery['address']}")
    if notes := wording.order_notes_beside_lines(order):
        lines.append(f"📝 {notes}")
    lines.append("\n" + wording.say(lang, "placed_next", kind=kind))
    return "\n".join(lines)


def order_status(order: Order, lang: str = "en", kind: str = "restaurant") -> str:
    """Where the customer's order stands, in the customer's language."""
    words = wording.say(lang, f"status_{order.status}", kind=kind)
    total = format_money(order.total, order.currency)
    text = wording.say(lang, "order_status", number=order.number, total=total, status=words)
    if order.status == OrderStatus.PENDING:
        text += " Reply *CANCEL* to cancel it."
    return text


def cancelled_by_customer(order: Order, example: str) -> str:
    """Confirmation of the customer's cancellation, and how to order again."""
    return (
        f"Order *#{order.number}* is cancelled. Nothing more will happen with it.\n"
        f"To order again, send what you'd like, e.g. *{example}*, or reply *MENU*. {STOP_NOTE}"
    )


def cannot_cancel(order: Order, business: str, lang: str = "en", kind: str = "restaurant") -> str:
    """Why the order cannot be cancelled by chat, and who can help."""
    words = wording.say(lang, f"status_{order.status}", kind=kind)
    return (
        f"Order *#{order.number}* is already {words}, so I can't cancel it here. "
        f"Please contact *{business}* directly: reply *HUMAN* and someone will message you. "
        f"{STOP_NOTE}"
    )


def nothing_to_cancel(example: str) -> str:
    """Answer to cancel when there is no order or cart."""
    return (
        f"You have no pending order to cancel. To order, send e.g. *{example}*, "
        f"reply *STATUS* for your last order, or *HUMAN* to reach the team. {STOP_NOTE}"
    )


def cart_cancelled(example: str) -> str:
    """Answer to cancel when only a cart existed."""
    return (
        f"OK, I cleared your cart; no order was placed. Send new items any time, "
        f"e.g. *{example}*, or reply *MENU*. {STOP_NOTE}"
    )


def no_orders(hint: str) -> str:
    """Answer to status when the customer never ordered."""
    return "You haven't placed an order with us yet. " + hint


def opted_out(business: str) -> str:
    """Confirmation of STOP."""
    return (
        f"You're unsubscribed: *{business}* won't send you any more messages. "
        "Reply *START* to opt back in. "
        "(To cancel an order instead, reply *CANCEL*.)"
    )


def opted_in(business: str, hint: str) -> str:
    """Confirmation of START."""
    return f"Welcome back! You'll get order updates from *{business}* again. {hint}"


def human_requested() -> str:
    """Answer to a request for a person."""
    return (
        "I've asked the team to message you — someone will reply here soon. "
        "You can keep ordering with me meanwhile."
    )


def placement_failed(reason: str) -> str:
    """The order could not be placed (a product went away, ...)."""
    return f"Sorry, I couldn't place the order: {reason}. Please check your cart and try again."


# Staff


def staff_help() -> str:
    """What staff can say."""
    return (
        "*Staff commands:*\n"
        "• *CONFIRM 1042* — accept an order (just *CONFIRM* if only one is waiting); "
        "*CONFIRM 1042 30* also tells the customer it is ready in about 30 minutes "
        "(*ETA 1042 45* changes that later)\n"
        "• *REJECT 1042 out of stock* (or *CANCEL 1042 ...*) — cancel it, with the reason\n"
        "• *PREPARING 1042* · *OUT 1042* · *DELIVERED 1042*\n"
        "• *PAID 1042* — record payment of the balance; *PAID 1042 3500* — part of it\n"
        "• *HOLD 1042 waiting for stock* — pause it (the customer is told); *RESUME 1042*\n"
        "• *ORDERS* — the open orders\n"
        "• *REPLY 1042 your rider is at the gate* — write to the customer yourself (also "
        "*REPLY +2348012345678 ...*); the bot stays quiet in that chat until *BOT ON 1042*\n"
        "• *SOLD OUT jollof* · *BACK jollof* — take a product off and put it back"
    )


def order_line(order: Order) -> str:
    """One order in a list for staff."""
    who = order.customer_name or order.customer_phone or "walk-in"
    status = order.status.replace("_", " ")
    return f"#{order.number} · {status} · {who} · {format_money(order.total, order.currency)}"


def open_orders(orders: Sequence[Order]) -> str:
    """The open orders for staff."""
    if not orders:
        return "No open orders right now."
    return "*Open orders:*\n" + "\n".join(order_line(o) for o in orders)


def new_order_alert(order: Order) -> str:
    """The alert staff get for a new order."""
    who = order.customer_name or "Customer"
    lines = [
        f"🆕 *New order #{order.number}* ({order.channel})",
        f"{who} · {order.customer_phone}",
        *(wording.order_item_text(i, order.currency, note="plain") for i in order.items),
    ]
    if order.delivery_fee:
        lines.append(f"Delivery: {format_money(order.delivery_fee, order.currency)}")
    lines.append(f"*Total: {format_money(order.total, order.currency)}*")
    address = order.delivery.get("address")
    location = order.delivery.get("location")
    if address:
        lines.append(f"📍 {address}")
    if location:
        lines.append(f"https://maps.google.com/?q={location['latitude']},{location['longitude']}")
    lines.append(f"\nReply *CONFIRM {order.number}* or *REJECT {order.number} <reason>*")
    return "\n".join(lines)


def new_order_alert_variables(order: Order) -> dict[str, str]:
    """What a `staff.new_order` template may name, for alerts outside the 24-hour window."""
    return {
        "order_number": str(order.number),
        "customer_name": order.customer_name or "Customer",
        "customer_phone": order.customer_phone or "",
        "items": ", ".join(f"{i.quantity} × {wording.order_item_name(i)}" for i in order.items),
        "total": format_money(order.total, order.currency),
        "address": str(order.delivery.get("address") or ""),
    }


def customer_cancelled_alert(order: Order) -> str:
    """The alert staff get when a customer cancels."""
    who = order.customer_name or order.customer_phone
    return f"❌ Order #{order.number} was cancelled by the customer ({who})."


def human_alert(phone: str, name: str | None, text: str, ref: str | None = None) -> str:
    """The alert staff get when a customer asks for a person, with the command to answer
    (`ref`: the order number or the phone the REPLY command names)."""
    who = f"{name} ({phone})" if name else phone
    quoted = text if len(text) <= 300 else text[:297] + "..."
    ref = ref or phone
    return (
        f"🙋 {who} asks to talk to a person.\nTheir message: {quoted}\n"
        f"Answer here with *REPLY {ref} your message* (the bot then stays quiet in that chat), "
        f"or call {phone}."
    )


def staff_done(order: Order) -> str:
    """Confirmation of a staff status change, with the next step."""
    text = f"Order #{order.number} is now *{order.status}*."
    following = {
        OrderStatus.CONFIRMED: "PREPARING",
        OrderStatus.PREPARING: "OUT",
        OrderStatus.OUT_FOR_DELIVERY: "DELIVERED",
        OrderStatus.ON_HOLD: "RESUME",
    }.get(OrderStatus(order.status))
    if following:
        text += f" Next: *{following} {order.number}*."
    return text


def staff_rejected(order: Order) -> str:
    """Confirmation of a staff rejection."""
    reason = f" ({order.cancel_note})" if order.cancel_note else ""
    return f"Order #{order.number} is rejected and cancelled{reason}."


def staff_paid(order: Order, amount: int) -> str:
    """Confirmation of a payment recorded by staff."""
    return (
        f"💰 Order #{order.number}: {format_money(amount, order.currency)} recorded; "
        f"it is now *{order.payment_status}*."
    )


def staff_illegal(order: Order, requested: str, allowed: Sequence[str]) -> str:
    """Why a staff command does not apply to the order, and what does."""
    if not allowed:
        return f"Order #{order.number} is *{order.status}*, and that status is final."
    commands = {
        "confirmed": "CONFIRM",
        "preparing": "PREPARING",
        "out_for_delivery": "OUT",
        "delivered": "DELIVERED",
        "cancelled": "REJECT",
        "on_hold": "HOLD",
    }
    if order.held_from:  # on hold: going back there is RESUME
        commands[order.held_from] = "RESUME"
    options = ", ".join(f"*{commands.get(a, a.upper())} {order.number}*" for a in allowed)
    return (
        f"Order #{order.number} is *{order.status}*, so it can't be {requested}. "
        f"Allowed now: {options}."
    )


def staff_no_such_order(number: str, orders: Sequence[Order]) -> str:
    """Answer to an order number that does not exist."""
    text = f"There is no order #{number}."
    if orders:
        text += " Open orders: " + ", ".join(f"#{o.number}" for o in orders[:10]) + "."
    return text


def staff_which_order(command: str, orders: Sequence[Order]) -> str:
    """Answer to a command without a number when it could mean several orders."""
    if not orders:
        return f"Which order? Reply *{command} 1042* with the order number."
    listing = "\n".join(order_line(o) for o in orders[:10])
    return f"Which order? Reply *{command} {orders[0].number}*, for example.\n{listing}"


def staff_nothing_pending() -> str:
    """Answer to a bare CONFIRM with no pending orders."""
    return "No orders are waiting for confirmation."
