"""Request and response models of GET /v1/orders/stats."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from orders_core.domain import Channel
from orders_core.fields import Input, Output, UtcDateTime


class StatsParams(Input):
    """GET /v1/orders/stats query parameters."""

    created_after: UtcDateTime | None = None
    created_before: UtcDateTime | None = None
    period: Literal["daily", "weekly", "monthly"] = "daily"
    channel: Channel | None = None


class StatsOut(Output):
    """Order statistics over a range, computed in SQL."""

    object: Literal["order_stats"] = "order_stats"
    currency: str
    range: dict[str, datetime]
    total_orders: int
    revenue: int
    average_order_value: int
    by_status: dict[str, int]
    by_payment_status: dict[str, int]
    periods: list[dict[str, Any]]
