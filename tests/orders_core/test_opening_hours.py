"""Opening hours: is_open and next_opening in the tenant's timezone, and their validation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from orders_core.opening_hours import is_open, next_opening
from orders_core.tenant_settings import TenantSettings

LAGOS = "Africa/Lagos"  # UTC+1 all year
NEW_YORK = "America/New_York"  # DST: 2026-03-08 and 2026-11-01
SPLIT = {"mon": ["11:00-15:00", "18:00-23:00"], "fri": ["18:00-02:00"], "sat": ["12:00-22:00"]}


def hours(**values: Any) -> TenantSettings:
    return TenantSettings.model_validate(values)


def local(zone: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone))  # type: ignore[misc]


# 2026-12-07 is a Monday; 2026-12-11 a Friday.
@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ((2026, 12, 7, 10, 59), False),
        ((2026, 12, 7, 11, 0), True),
        ((2026, 12, 7, 14, 59), True),
        ((2026, 12, 7, 15, 0), False),  # the end is not included
        ((2026, 12, 7, 17, 30), False),  # between the two ranges
        ((2026, 12, 7, 18, 0), True),
        ((2026, 12, 8, 12, 0), False),  # Tuesday: no hours
        ((2026, 12, 11, 17, 59), False),
        ((2026, 12, 11, 23, 30), True),
        ((2026, 12, 12, 1, 59), True),  # Friday's range past midnight, on Saturday
        ((2026, 12, 12, 2, 0), False),
        ((2026, 12, 12, 12, 0), True),
    ],
)
def test_is_open_with_split_and_past_midnight_ranges(when: tuple[int, ...], expected: bool) -> None:
    assert is_open(hours(opening_hours=SPLIT), local(LAGOS, *when), LAGOS) is expected


def test_the_tenants_timezone_decides() -> None:
    settings = hours(opening_hours=SPLIT)
    # 10:30 UTC on Monday is 11:30 in Lagos (open) and 05:30 in New York (closed).
    now = datetime(2026, 12, 7, 10, 30, tzinfo=UTC)
    assert is_open(settings, now, LAGOS)
    assert not is_open(settings, now, NEW_YORK)
    assert next_opening(settings, now, NEW_YORK) == local(NEW_YORK, 2026, 12, 7, 11, 0)


def test_no_hours_is_always_open_and_next_opening_is_now() -> None:
    settings = TenantSettings()
    now = datetime(2026, 12, 8, 3, 0, tzinfo=UTC)
    assert is_open(settings, now, LAGOS)
    assert next_opening(settings, now, LAGOS) == now


def test_next_opening_later_today_tomorrow_and_next_week() -> None:
    settings = hours(opening_hours=SPLIT)
    assert next_opening(settings, local(LAGOS, 2026, 12, 7, 16, 0), LAGOS) == local(
        LAGOS, 2026, 12, 7, 18, 0
    )
    assert next_opening(settings, local(LAGOS, 2026, 12, 7, 23, 30), LAGOS) == local(
        LAGOS, 2026, 12, 11, 18, 0
    )
    assert next_opening(settings, local(LAGOS, 2026, 12, 12, 23, 0), LAGOS) == local(
        LAGOS, 2026, 12, 14, 11, 0
    )


def test_ranges_given_out_of_order_still_give_the_earliest_opening() -> None:
    settings = hours(opening_hours={"mon": ["18:00-23:00", "11:00-15:00"]})
    assert next_opening(settings, local(LAGOS, 2026, 12, 7, 8, 0), LAGOS) == local(
        LAGOS, 2026, 12, 7, 11, 0
    )


def test_a_holiday_closes_its_day_and_next_opening_skips_it() -> None:
    settings = hours(opening_hours={"fri": ["18:00-02:00"], "sat": ["12:00-22:00"]},
                     closed_dates=["2026-12-25", "2026-12-26"])  # fmt: skip
    assert not is_open(settings, local(LAGOS, 2026, 12, 25, 19, 0), LAGOS)
    assert next_opening(settings, local(LAGOS, 2026, 12, 24, 9, 0), LAGOS) == local(
        LAGOS, 2027, 1, 1, 18, 0
    )
    # A range starting the day before a holiday still runs past midnight into it.
    friday = hours(opening_hours={"fri": ["18:00-02:00"]}, closed_dates=["2026-12-12"])
    assert is_open(friday, local(LAGOS, 2026, 12, 12, 1, 0), LAGOS)


def test_closed_dates_without_hours_close_whole_days() -> None:
    settings = hours(closed_dates=["2026-12-25"])
    assert is_open(settings, local(LAGOS, 2026, 12, 24, 23, 59), LAGOS)
    assert not is_open(settings, local(LAGOS, 2026, 12, 25, 0, 0), LAGOS)
    assert not is_open(settings, local(LAGOS, 2026, 12, 25, 23, 59), LAGOS)
    assert next_opening(settings, local(LAGOS, 2026, 12, 25, 9, 0), LAGOS) == local(
        LAGOS, 2026, 12, 26, 0, 0
    )


def test_a_whole_week_closed_has_no_next_opening() -> None:
    for closed in ({}, {"mon": [], "tue": []}):
        settings = hours(opening_hours=closed)
        now = local(LAGOS, 2026, 12, 7, 12, 0)
        assert not is_open(settings, now, LAGOS)
        assert next_opening(settings, now, LAGOS) is None


def test_pause_closes_and_has_no_known_opening() -> None:
    settings = hours(orders_paused=True, paused_message="Kitchen is full, back soon")
    now = local(LAGOS, 2026, 12, 7, 12, 0)
    assert not is_open(settings, now, LAGOS)
    assert next_opening(settings, now, LAGOS) is None


def test_whole_day_and_24_00_ranges() -> None:
    settings = hours(opening_hours={"sun": ["00:00-00:00"], "mon": ["18:00-24:00"]})
    assert is_open(settings, local(LAGOS, 2026, 12, 6, 0, 0), LAGOS)
    assert is_open(settings, local(LAGOS, 2026, 12, 6, 23, 59), LAGOS)
    assert is_open(settings, local(LAGOS, 2026, 12, 7, 23, 59), LAGOS)
    assert not is_open(settings, local(LAGOS, 2026, 12, 8, 0, 0), LAGOS)


def test_dst_spring_forward_and_fall_back_in_local_time() -> None:
    settings = hours(opening_hours={"sun": ["01:00-04:00"], "sat": ["22:00-03:00"]})
    # 2026-03-08 02:00 EST jumps to 03:00 EDT: Sunday's 01:00-04:00 is 2 real hours.
    assert is_open(settings, datetime(2026, 3, 8, 6, 30, tzinfo=UTC), NEW_YORK)  # 01:30 EST
    assert is_open(settings, datetime(2026, 3, 8, 7, 30, tzinfo=UTC), NEW_YORK)  # 03:30 EDT
    assert not is_open(settings, datetime(2026, 3, 8, 8, 0, tzinfo=UTC), NEW_YORK)  # 04:00 EDT
    # Next opening after Sunday 05:00 EDT is Saturday 22:00 EDT (02:00 UTC Sunday).
    assert next_opening(settings, datetime(2026, 3, 8, 9, 0, tzinfo=UTC), NEW_YORK) == datetime(
        2026, 3, 15, 2, 0, tzinfo=UTC
    )
    # 2026-11-01 02:00 EDT falls back to 01:00 EST: 04:00 EST is 09:00 UTC.
    assert is_open(settings, datetime(2026, 11, 1, 8, 30, tzinfo=UTC), NEW_YORK)  # 03:30 EST
    assert not is_open(settings, datetime(2026, 11, 1, 9, 0, tzinfo=UTC), NEW_YORK)
    # In winter Saturday 22:00 is 03:00 UTC.
    assert next_opening(settings, datetime(2026, 11, 1, 12, 0, tzinfo=UTC), NEW_YORK) == datetime(
        2026, 11, 8, 3, 0, tzinfo=UTC
    )


def test_a_naive_now_is_read_as_utc() -> None:
    settings = hours(opening_hours=SPLIT)
    assert is_open(settings, datetime(2026, 12, 7, 10, 30), LAGOS)


@pytest.mark.parametrize(
    "values",
    [
        {"opening_hours": {"monday": ["11:00-15:00"]}},
        {"opening_hours": {"mon": ["11-15"]}},
        {"opening_hours": {"mon": ["25:00-26:00"]}},
        {"opening_hours": {"mon": ["11:00-24:30"]}},
        {"opening_hours": {"mon": ["11:00-12:00"] * 7}},
        {"closed_dates": ["25/12/2026"]},
        {"closed_dates": ["2026-02-30"]},
        {"api_orders_when_closed": "maybe"},
        {"paused_message": "x" * 301},
    ],
)
def test_bad_hours_and_dates_are_refused(values: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        TenantSettings.model_validate(values)


def test_hours_are_kept_in_weekday_order_and_dates_sorted_once() -> None:
    settings = hours(opening_hours={"sun": ["10:00-12:00"], "mon": []},
                     closed_dates=["2026-12-26", "2026-12-25", "2026-12-26"])  # fmt: skip
    assert list(settings.opening_hours or {}) == ["mon", "sun"]
    assert settings.closed_dates == ["2026-12-25", "2026-12-26"]
    assert TenantSettings.model_validate(settings.model_dump(mode="json")) == settings
