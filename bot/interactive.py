"""Buttons and lists in the chat: when a reply is offered as an interactive Content template,
the values it is sent with, and what a tap means (the words the customer would have typed).

A business that stored approved templates under the keys of `bot.content_templates` gets
its cart summary with Place order / Edit cart buttons, its "did you mean" as a list, and its
staff alerts with Confirm / Reject. Without them every reply stays plain text. An offer is
only made when every variable the tenant's template names has a value; otherwise the text
goes out as it is. The text is always kept with the message, so a refused template can be
sent again as text.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import wording
from bot.cart import CartLine
from bot.chat_step import CHECKOUT_STATES, State, StepBase
from bot.content_templates import CART_SUMMARY, CONTENT, DID_YOU_MEAN, STAFF_BUTTONS
from bot.intents import CatalogEntry
from orders_core.domain import OrderStatus, format_money
from orders_core.models import Order
from orders_core.tenant_settings import TenantSettings

MAX_BODY = 1024  # quick-reply and list-picker bodies
MAX_ITEM = 24  # a list item's title
MAX_DESCRIPTION = 72
# Where a tap's id and title arrive: quick replies, then list pickers (both names accepted).
PAYLOAD_FIELDS = ("ButtonPayload", "ListId")
TITLE_FIELDS = ("ButtonText", "ListTitle")
_ORDER_NUMBER = re.compile(r"[0-9]{1,12}")


@dataclass(frozen=True)
class Offer:
    """A reply to send as the tenant's template `key`, with its values by variable name."""

    key: str
    values: dict[str, str]


@dataclass(frozen=True)
class Content:
    """What the REST API sends for an offer: the template's sid and positional variables."""

    key: str
    content_sid: str
    variables: dict[str, str]


@dataclass(frozen=True)
class Tap:
    """A tapped button or list item: its id (payload) and the title the person saw."""

    payload: str
    title: str


@dataclass(frozen=True)
class Command:
    """What a tap stands for: the text to answer as if typed, and a notice to put first."""

    text: str
    notice: str | None = None


def content_for(settings: TenantSettings, offer: Offer | None) -> Content | None:
    """The template to send `offer` as, or None to send plain text.

    None when the tenant has no template under the key, or when a variable it names has
    no value (a list of three items for two candidates, a body longer than WhatsApp takes).
    """
    if offer is None or offer.key not in settings.templates:
        return None
    template = settings.templates[offer.key]
    if len(offer.values.get("body", "")) > MAX_BODY:
        return None
    variables: dict[str, str] = {}
    for position, name in enumerate(template.variables, start=1):
        value = offer.values.get(name, "")
        if not value.strip():
            return None
        variables[str(position)] = value
    return Content(offer.key, template.content_sid, variables)


def cart_token(lines: Sequence[CartLine]) -> str:
    """A short fingerprint of the cart: a Place-order button carries it, so a tap on a cart
    that changed since is noticed."""
    text = "|".join(f"{line.code}:{line.quantity}:{line.note}" for line in lines)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]


def customer_offer(
    *,
    text: str,
    state: State,
    lines: Sequence[CartLine],
    data: Mapping[str, Any],
    by_code: Mapping[str, CatalogEntry],
    currency: str,
) -> Offer | None:
    """The interactive form of a customer reply, judged from where the step left the chat.

    Awaiting confirmation with a cart: the summary with Place order / Edit cart. A "did you
    mean" waiting for an answer: the candidates as a list. Anything else: None.
    """
    if not text:
        return None
    if state == State.AWAITING_CONFIRMATION and lines:
        return Offer(CART_SUMMARY, {"body": text, "cart": cart_token(lines)})
    pending = data.get("pending")
    if pending and pending.get("codes"):
        values = {"body": text}
        for n, code in enumerate(pending["codes"], start=1):
            entry = by_code.get(code)
            if entry is None:
                return None
            values[f"item_{n}"] = entry.name[:MAX_ITEM]
            values[f"code_{n}"] = entry.code
            values[f"price_{n}"] = format_money(entry.unit_price, currency)[:MAX_DESCRIPTION]
        return Offer(DID_YOU_MEAN, values)
    return None


def staff_offer(text: str, order_number: str | None) -> Offer | None:
    """The new-order alert with Confirm / Reject buttons for the order it is about."""
    if not order_number or not _ORDER_NUMBER.fullmatch(order_number):
        return None
    return Offer(STAFF_BUTTONS, {"body": text, "order_number": order_number})


def read_tap(form: Mapping[str, str]) -> Tap | None:
    """The button or list item a message is a tap on; None for anything typed."""
    payload = next((form[f] for f in PAYLOAD_FIELDS if form.get(f, "").strip()), "")
    if not payload:
        return None
    title = next((form[f] for f in TITLE_FIELDS if form.get(f, "").strip()), "")
    return Tap(payload.strip()[:200], (title or form.get("Body") or "").strip())


def _split(payload: str) -> tuple[str, str]:
    action, _, argument = payload.partition(":")
    return action.strip().lower(), argument.strip()


def customer_command(
    tap: Tap,
    *,
    state: State,
    lines: Sequence[CartLine],
    data: Mapping[str, Any],
    by_code: Mapping[str, CatalogEntry],
) -> Command | None:
    """The words a customer's tap stands for, judged against the chat as it is now.

    Place order on the cart it was shown with is YES; on a cart changed since, the new
    summary is shown again (with a notice) instead of placing it; with no cart left (already
    placed), YES says so. Edit cart is NO at checkout. A list pick of a product still being
    asked about is its number in the question; a pick of any other product adds it. None for
    a payload that is none of ours (the tap's title or body is read instead).
    """
    action, argument = _split(tap.payload)
    if action == "place_order":
        if lines and argument and argument != cart_token(lines):
            return Command("checkout", "stale_cart_button")
        return Command("yes")
    if action == "edit_cart":
        return Command("no" if state in CHECKOUT_STATES else "cart")
    if action == "pick":
        pending = data.get("pending") or {}
        codes = list(pending.get("codes") or [])
        if argument in codes:
            return Command(str(codes.index(argument) + 1))
        entry = by_code.get(argument)
        return Command(entry.name) if entry is not None else None
    return None


def read_as_typed(step: StepBase, tap: Tap) -> list[str]:
    """Make a conversation step read `tap` as the words it stands for (an unknown payload
    stays as sent); the notices to put before its answer."""
    command = customer_command(
        tap, state=step.state, lines=step.lines, data=step.data, by_code=step.by_code
    )
    if command is None:
        return []
    step.incoming = replace(step.incoming, text=command.text)
    return [wording.say(step.lang, command.notice)] if command.notice else []


def reply_content(step: StepBase, text: str) -> Content | None:
    """The template to send a step's answer `text` as, judged from where the step left the
    chat; None for plain text (always on SMS, which has no buttons)."""
    if step.incoming.channel != "whatsapp":
        return None
    offer = customer_offer(
        text=text, state=step.state, lines=step.lines, data=step.data,
        by_code=step.by_code, currency=step.currency,
    )  # fmt: skip
    return content_for(step.settings, offer)


def staff_command(session: Session, tenant_id: int, tap: Tap) -> Command | None:
    """The staff command a Confirm / Reject tap stands for; None for any other payload.

    Confirm is CONFIRM <n> (on an order that moved on, that command says so). Reject is
    REJECT <n> only while the order is still new: a late tap on an order confirmed since
    does not cancel it, and the answer (the notice, with no command) says how to.
    """
    action, number = _split(tap.payload)
    if action not in ("confirm", "reject") or not _ORDER_NUMBER.fullmatch(number):
        return None
    if action == "reject":
        status = session.scalar(
            select(Order.status).where(Order.tenant_id == tenant_id, Order.number == int(number))
        )
        if status is not None and status != OrderStatus.PENDING:
            shown = str(status).replace("_", " ")
            return Command(
                "",
                f"Order #{number} is {shown} now, so the Reject button no longer applies. "
                f"To cancel it anyway, reply *REJECT {number}* with the reason.",
            )
    return Command(f"{action} {number}")


def local_buttons(key: str, variables: Mapping[str, str]) -> dict[str, Any] | None:
    """What a phone shows for a message sent as template `key` with these positional
    variables: {"buttons": [{title, id}]} or {"list": {button, items: [{title, id,
    description}]}}; None for a key with no known description."""
    types = CONTENT.get(key, {}).get("types", {})

    def fill(text: str) -> str:
        return re.sub(r"\{\{(\d+)\}\}", lambda m: str(variables.get(m.group(1), "")), text)

    if "twilio/quick-reply" in types:
        actions = types["twilio/quick-reply"]["actions"]
        return {"buttons": [{"title": fill(a["title"]), "id": fill(a["id"])} for a in actions]}
    if "twilio/list-picker" in types:
        picker = types["twilio/list-picker"]
        items = [
            {
                "title": fill(i["item"]),
                "id": fill(i["id"]),
                "description": fill(i.get("description", "")),
            }
            for i in picker["items"]
        ]
        return {"list": {"button": picker["button"], "items": items}}
    return None
