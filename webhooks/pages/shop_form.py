"""The shop page's forms: opening hours per weekday and closed dates, read from form fields
into settings values with a message per field that is wrong (shown beside it)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from orders_core.opening_hours import MAX_RANGES_A_DAY, WEEKDAYS, check_dates, check_hours
from orders_core.tenant_settings import TenantSettings

_SPLIT = re.compile(r"[,;\n]+")
MAX_DATES = 366


def form_values(settings: TenantSettings | None) -> dict[str, str]:
    """The forms' fields as they show `settings` (blank when None)."""
    hours = settings.opening_hours if settings else None
    values = {f"hours_{day}": ", ".join((hours or {}).get(day, [])) for day in WEEKDAYS}
    values["always_open"] = "1" if settings is not None and hours is None else ""
    values["closed_dates"] = "\n".join(settings.closed_dates) if settings else ""
    return values


def _ranges(text: str) -> list[str]:
    return [re.sub(r"\s+", "", part) for part in _SPLIT.split(text) if part.strip()]


def parse_hours(form: Mapping[str, str]) -> tuple[dict[str, list[str]] | None, dict[str, str]]:
    """Opening hours from the fields `hours_mon`..`hours_sun` ("11:00-15:00, 17:00-22:00";
    blank is closed), or None (open all day) when `always_open` is ticked and no day has
    hours; and the errors by field name."""
    if form.get("always_open"):
        if any(form.get(f"hours_{day}", "").strip() for day in WEEKDAYS):
            return None, {"hours": "Untick Open all day to keep these hours, or clear them."}
        return None, {}
    hours: dict[str, list[str]] = {}
    errors: dict[str, str] = {}
    for day in WEEKDAYS:
        ranges = _ranges(form.get(f"hours_{day}", ""))
        if len(ranges) > MAX_RANGES_A_DAY:
            errors[f"hours_{day}"] = f"At most {MAX_RANGES_A_DAY} ranges a day."
            continue
        try:
            check_hours({day: ranges})
        except ValueError as exc:
            errors[f"hours_{day}"] = f"{exc}." if not str(exc).endswith(".") else str(exc)
            continue
        if ranges:
            hours[day] = ranges
    if not errors and not hours:
        errors["hours"] = "Every day is closed: give some hours, or tick Open all day."
    return hours, errors


def parse_dates(text: str) -> tuple[list[str], dict[str, str]]:
    """Closed dates from a text of dates (YYYY-MM-DD, one a line or comma-separated), and an
    error for the field when one is not a date."""
    dates = [part.strip() for part in _SPLIT.split(text) if part.strip()]
    if len(dates) > MAX_DATES:
        return [], {"closed_dates": f"At most {MAX_DATES} dates."}
    try:
        return check_dates(dates), {}
    except ValueError as exc:
        return [], {"closed_dates": f"{exc}."}
