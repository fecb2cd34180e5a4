"""The order lifecycle and money: pure rules with no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class OrderStatus(StrEnum):
    """Where an order stands."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    PREPARING = "preparing"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    ON_HOLD = "on_hold"


class PaymentStatus(StrEnum):
    """Whether an order has been paid, and refunded."""

    UNPAID = "unpaid"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"


class Channel(StrEnum):
    """Where an order came from; notifications go back the same way."""

    WHATSAPP = "whatsapp"
    SMS = "sms"
    WEB = "web"
    API = "api"
    POS = "pos"  # a till: the customer may be a walk-in with no phone or email


class FulfillmentStatus(StrEnum):
    """How much of an order has been handed over or dispatched."""

    UNFULFILLED = "unfulfilled"
    PARTIAL = "partial"
    FULFILLED = "fulfilled"


class CancelReason(StrEnum):
    """Why an order was cancelled."""

    CUSTOMER_REQUEST = "customer_request"
    OUT_OF_STOCK = "out_of_stock"
    FRAUD = "fraud"
    DUPLICATE = "duplicate"
    OTHER = "other"


FORWARD: tuple[OrderStatus, ...] = (
    OrderStatus.PENDING,
    OrderStatus.CONFIRMED,
    OrderStatus.PREPARING,
    OrderStatus.OUT_FOR_DELIVERY,
    OrderStatus.DELIVERED,
)
CANCELLABLE = frozenset(
    {OrderStatus.PENDING, OrderStatus.CONFIRMED, OrderStatus.PREPARING, OrderStatus.ON_HOLD}
)
HOLDABLE = frozenset({OrderStatus.PENDING, OrderStatus.CONFIRMED, OrderStatus.PREPARING})
OPEN_STATUSES = frozenset(FORWARD[:-1]) | {OrderStatus.ON_HOLD}
# Done with: nothing more will happen to these unless money moves.
FINISHED_STATUSES = frozenset({OrderStatus.DELIVERED, OrderStatus.CANCELLED})

STATUS_DESCRIPTIONS: dict[OrderStatus, str] = {
    OrderStatus.PENDING: "Order created, awaiting confirmation",
    OrderStatus.CONFIRMED: "Order accepted by the business",
    OrderStatus.PREPARING: "Order is being prepared/picked",
    OrderStatus.OUT_FOR_DELIVERY: "Order dispatched for delivery",
    OrderStatus.DELIVERED: "Order completed and delivered",
    OrderStatus.CANCELLED: "Order cancelled (terminal state)",
    OrderStatus.ON_HOLD: "Paused by the business; resumes to the status it was held from",
}


def allowed_transitions(
    status: OrderStatus, held_from: OrderStatus | None = None
) -> tuple[OrderStatus, ...]:
    """The statuses an order in `status` may move to: forward (skipping allowed), on hold,
    or cancel. An order on hold resumes to `held_from` or is cancelled; without `held_from`
    (the status list) it may resume to any status an order can be held from."""
    if status == OrderStatus.ON_HOLD:
        back = (held_from,) if held_from else tuple(s for s in FORWARD if s in HOLDABLE)
        return (*back, OrderStatus.CANCELLED)
    later = FORWARD[FORWARD.index(status) + 1 :] if status in FORWARD else ()
    hold = (OrderStatus.ON_HOLD,) if status in HOLDABLE else ()
    return later + hold + ((OrderStatus.CANCELLED,) if status in CANCELLABLE else ())


def can_transition(
    current: OrderStatus, target: OrderStatus, held_from: OrderStatus | None = None
) -> bool:
    """True when `current -> target` is a legal move."""
    return target in allowed_transitions(current, held_from)


def payment_status_for(total: int, paid: int, refunded: int) -> PaymentStatus:
    """What an order's money says: refunds first, then paid in full, in part, or not at all."""
    if refunded:
        return PaymentStatus.REFUNDED if refunded >= paid else PaymentStatus.PARTIALLY_REFUNDED
    if paid and paid >= total:
        return PaymentStatus.PAID
    return PaymentStatus.PARTIALLY_PAID if paid else PaymentStatus.UNPAID


def fulfillment_status_for(
    lines: Iterable[tuple[int, int, int]], *, delivered: bool
) -> FulfillmentStatus:
    """From each line's (quantity, fulfilled, refunded): fulfilled when every unit not refunded
    is handed over (a delivered order is), partial when some are, else unfulfilled."""
    if delivered:
        return FulfillmentStatus.FULFILLED
    lines = list(lines)
    if not any(fulfilled for _, fulfilled, _ in lines):
        return FulfillmentStatus.UNFULFILLED
    done = all(fulfilled + refunded >= quantity for quantity, fulfilled, refunded in lines)
    return FulfillmentStatus.FULFILLED if done else FulfillmentStatus.PARTIAL


# ISO 4217 minor-unit exponents that are not 2.
_EXPONENTS = {
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
    "PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0,
    "XPF": 0, "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}  # fmt: skip
_SYMBOLS = {
    "NGN": "₦", "INR": "₹", "KES": "KSh ", "GHS": "GH₵", "ZAR": "R", "USD": "$", "EUR": "€",
    "GBP": "£", "UGX": "USh ", "TZS": "TSh ", "RWF": "RF ", "EGP": "E£", "XOF": "CFA ",
}  # fmt: skip


def currency_exponent(currency: str) -> int:
    """How many decimal places the currency's minor unit has (2 for NGN, 0 for UGX)."""
    return _EXPONENTS.get(currency.upper(), 2)


def format_money(amount: int, currency: str) -> str:
    """A human amount like ₦3,500 or ₹1,299.50 from minor units; no decimals when whole."""
    exponent = currency_exponent(currency)
    sign = "-" if amount < 0 else ""
    major, minor = divmod(abs(amount), 10**exponent) if exponent else (abs(amount), 0)
    symbol = _SYMBOLS.get(currency.upper(), currency.upper() + " ")
    text = f"{major:,}"
    if minor:
        text += f".{minor:0{exponent}d}"
    return f"{sign}{symbol}{text}"


def parse_major_amount(text: str, currency: str) -> int:
    """Minor units from a human amount such as "3500" or "3,500.50"; ValueError if not one."""
    cleaned = text.replace(",", "").strip()
    exponent = currency_exponent(currency)
    whole, _, frac = cleaned.partition(".")
    if not whole.isdigit() or (frac and (not frac.isdigit() or len(frac) > exponent)):
        raise ValueError(f"not an amount: {text!r}")
    return int(whole) * 10**exponent + (int(frac.ljust(exponent, "0")) if frac else 0)
