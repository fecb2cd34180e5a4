"""Opening hours: whether a business takes orders now, and when it opens next.

Hours are kept per weekday as "HH:MM-HH:MM" ranges in the tenant's timezone; a range whose
end is at or before its start runs past midnight ("18:00-02:00", "00:00-00:00" is the whole
day). A closed date (a holiday) drops the ranges that start on it. No hours at all
(`opening_hours` None) is open every hour of every day but the closed dates. The manual
pause (`orders_paused`) closes the business until it is turned off, with no known opening.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from orders_core.errors import Conflict

if TYPE_CHECKING:
    from orders_core.tenant_settings import TenantSettings

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_RANGES_A_DAY = 6
_RANGE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]|24):([0-5]\d)$")
_WHOLE_DAY = ("00:00-00:00",)
# How far ahead the next opening is looked for: a year of closed dates at most.
LOOKAHEAD_DAYS = 367


def _parse_range(text: str) -> tuple[time, time]:
    match = _RANGE.match(text)
    if match is None or (match[3] == "24" and match[4] != "00"):
        raise ValueError(f"{text!r} is not a range like 11:00-15:00")
    start = time(int(match[1]), int(match[2]))
    end = time(0, 0) if match[3] == "24" else time(int(match[3]), int(match[4]))
    return start, end


def check_hours(hours: dict[str, list[str]]) -> dict[str, list[str]]:
    """Validate opening hours: weekday keys, at most a few well-formed ranges a day."""
    for day, ranges in hours.items():
        if day not in WEEKDAYS:
            raise ValueError(f"{day!r} is not a weekday: use one of {', '.join(WEEKDAYS)}")
        if len(ranges) > MAX_RANGES_A_DAY:
            raise ValueError(f"{day}: at most {MAX_RANGES_A_DAY} ranges a day")
        for text in ranges:
            _parse_range(text)
    return {day: list(hours[day]) for day in WEEKDAYS if day in hours}


def check_dates(dates: list[str]) -> list[str]:
    """Validate closed dates (YYYY-MM-DD); returned sorted, without repeats."""
    for text in dates:
        try:
            date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{text!r} is not a date like 2026-12-25") from None
        if len(text) != 10:
            raise ValueError(f"{text!r} is not a date like 2026-12-25")
    return sorted(set(dates))


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _intervals(
    settings: TenantSettings, zone: ZoneInfo, first: date, days: int
) -> Iterator[tuple[datetime, datetime]]:
    """The open intervals (UTC) of the ranges starting on `days` local dates from `first`."""
    closed = set(settings.closed_dates)
    hours = settings.opening_hours
    for offset in range(days):
        day = first + timedelta(days=offset)
        if day.isoformat() in closed:
            continue
        ranges = _WHOLE_DAY if hours is None else hours.get(WEEKDAYS[day.weekday()], [])
        for text in sorted(ranges):
            start, end = _parse_range(text)
            end_day = day if end > start else day + timedelta(days=1)
            opens = datetime.combine(day, start, zone).astimezone(UTC)
            closes = datetime.combine(end_day, end, zone).astimezone(UTC)
            if closes > opens:
                yield opens, closes


def is_open(settings: TenantSettings, now: datetime, timezone: str) -> bool:
    """Whether the business takes orders at `now`: not paused, and within its hours."""
    if settings.orders_paused:
        return False
    if settings.opening_hours is None and not settings.closed_dates:
        return True
    now = _aware(now).astimezone(UTC)
    zone = ZoneInfo(timezone)
    yesterday = now.astimezone(zone).date() - timedelta(days=1)
    return any(opens <= now < closes for opens, closes in _intervals(settings, zone, yesterday, 2))


def next_opening(settings: TenantSettings, now: datetime, timezone: str) -> datetime | None:
    """When the business next opens (UTC): `now` while open; None when paused (nobody knows
    when it resumes) or when no hours open within a year."""
    if settings.orders_paused:
        return None
    if is_open(settings, now, timezone):
        return _aware(now).astimezone(UTC)
    now = _aware(now).astimezone(UTC)
    zone = ZoneInfo(timezone)
    today = now.astimezone(zone).date()
    starts = (
        opens for opens, _ in _intervals(settings, zone, today, LOOKAHEAD_DAYS) if opens > now
    )
    return next(starts, None)


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class BusinessClosed(Conflict):
    """An order sent while the business is closed, which it set to refuse such orders."""

    code = "business_closed"


def refuse_when_closed(settings: TenantSettings, now: datetime, timezone: str) -> None:
    """Raise BusinessClosed (details: opens_at, paused) for an order while closed, when the
    business set `api_orders_when_closed` to "refuse"; nothing otherwise."""
    if settings.api_orders_when_closed == "accept" or is_open(settings, now, timezone):
        return
    opens_at = next_opening(settings, now, timezone)
    if settings.orders_paused:
        message = "The business has paused orders."
    elif opens_at is None:
        message = "The business is closed and has no opening hours ahead."
    else:
        message = f"The business is closed; it opens at {_iso(opens_at)}."
    raise BusinessClosed(
        message,
        details={
            "opens_at": _iso(opens_at) if opens_at else None,
            "paused": settings.orders_paused,
        },
    )


def in_quiet_hours(now: datetime, timezone: str, start: int, end: int) -> bool:
    """True when `now` falls in [start, end) o'clock in `timezone` (wrapping past midnight)."""
    if start == end:
        return False
    hour = now.astimezone(ZoneInfo(timezone)).hour
    return start <= hour < end if start < end else hour >= start or hour < end
