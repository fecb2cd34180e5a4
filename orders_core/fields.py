"""The field types every request and response body is built from: limits, validators, and
the base classes of inputs (strict) and outputs."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, HttpUrl, Strict

from orders_core.phones import normalize_phone
from orders_core.urls import literal_host_problem

MAX_QUANTITY = 10_000
# No amount, line subtotal or order total may exceed this (money columns are 64-bit).
MAX_AMOUNT = 10**15  # minor units; below 2**53, so JavaScript clients read it exactly
MAX_URL_LENGTH = 2000
_NUMBER = re.compile(r"^\s*[+-]?[0-9]+(\.[0-9]*)?\s*$")


def _not_a_number(value: object) -> object:
    """Refuse unix timestamps where an ISO 8601 date-time is expected."""
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.match(value)):
        raise ValueError("give an ISO 8601 date-time, like 2025-06-15T14:30:00Z")
    return value


def _to_utc(value: datetime) -> datetime:
    """The same instant in UTC (a naive value is taken as UTC)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("date-time out of range") from exc


def _comma_separated(value: object) -> object:
    """A query parameter's "a,b" (or a list) as a list of its non-empty parts."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def _short_url(value: HttpUrl) -> HttpUrl:
    if len(str(value)) > MAX_URL_LENGTH:
        raise ValueError(f"URL longer than {MAX_URL_LENGTH} characters")
    return value


_U = TypeVar("_U")


def public_url(value: _U) -> _U:
    """The URL unchanged, if its host is not plainly internal (webhook targets: no SSRF)."""
    problem = literal_host_problem(str(value))
    if problem:
        raise ValueError(problem)
    return value


Phone = Annotated[str, Field(max_length=40), AfterValidator(normalize_phone)]
Quantity = Annotated[int, Strict(), Field(gt=0, le=MAX_QUANTITY)]
Amount = Annotated[int, Strict(), Field(ge=0, le=MAX_AMOUNT)]
PositiveAmount = Annotated[int, Strict(), Field(gt=0, le=MAX_AMOUNT)]
ShortText = Annotated[str, Field(max_length=200)]
LongText = Annotated[str, Field(max_length=5000)]
MAX_METADATA_KEYS = 50
Metadata = Annotated[dict[str, Any], Field(max_length=MAX_METADATA_KEYS)]
UtcDateTime = Annotated[datetime, BeforeValidator(_not_a_number), AfterValidator(_to_utc)]
Url = Annotated[HttpUrl, AfterValidator(_short_url)]
WebhookUrl = Annotated[HttpUrl, AfterValidator(_short_url), AfterValidator(public_url)]
Cursor = Annotated[str, Field(min_length=1, max_length=40)]
# Where an integrator's order came from: a lowercase name such as website, pos or shopify.
Source = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,39}$")]
# Inputs strip whitespace first, so a blank id is too short.
ExternalId = Annotated[str, Field(min_length=1, max_length=200)]
ExternalNumber = Annotated[str, Field(min_length=1, max_length=100)]
_T = TypeVar("_T")
# A query parameter naming several values: status=pending,confirmed (or expand[]=a&expand[]=b).
CommaList = Annotated[
    list[_T], BeforeValidator(_comma_separated), Field(min_length=1, max_length=10)
]


class Input(BaseModel):
    """A request body: unknown fields are errors, strings are trimmed."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Output(BaseModel):
    """A response body."""

    model_config = ConfigDict(from_attributes=True)
