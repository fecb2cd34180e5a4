"""Request and response models of GET /v1/orders/stats."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from orders_core.domain import Channel, OrderStatus, PaymentStatus
from orders_core.fields import CommaList, Input, Output, Phone, Source, UtcDateTime


class StatsParams(Input):
    """GET /v1/orders/stats query parameters: the range, the period and the filters (lists
    comma-separated, as on GET /v1/orders)."""

    created_after: UtcDateTime | None = None
    created_before: UtcDateTime | None = None
    period: Literal["daily", "weekly", "monthly"] = "daily"
    status: CommaList[OrderStatus] | None = None
    payment_status: CommaList[PaymentStatus] | None = None
    channel: CommaList[Channel] | None = None
    source: Source | None = None
    customer_phone: Phone | None = None


class StatsFigures(Output):
    """What a set of orders adds up to, money in the currency's minor units.

    gross = the totals of the orders not cancelled; order_count = how many they are;
    average_order_value = gross // order_count. total_orders = order_count + cancelled_count.
    net = amount_paid - amount_refunded, over every order counted (a cancelled order's
    payment is refunded, so it nets to nothing). revenue is gross, kept under its old name.
    """

    total_orders: int
    order_count: int
    gross: int
    average_order_value: int
    cancelled_count: int
    cancelled_amount: int
    amount_paid: int
    amount_refunded: int
    net: int
    active_orders: int
    revenue: int


class StatsPeriod(StatsFigures):
    """One local day, week (from Monday) or month with orders; `orders` is total_orders."""

    start: str
    orders: int


class StatsOut(StatsFigures):
    """Order statistics over a range, computed in SQL."""

    object: Literal["order_stats"] = "order_stats"
    currency: str
    range: dict[str, datetime]
    by_status: dict[str, int]
    by_payment_status: dict[str, int]
    periods: list[StatsPeriod]
