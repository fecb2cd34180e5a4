"""The field types every request and response body is built from: limits, validators, and
the base classes of inputs (strict) and outputs."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import cache
from typing import Annotated, Any, TypeVar, get_args, get_origin

from annotated_types import MaxLen
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    HttpUrl,
    ModelWrapValidatorHandler,
    Strict,
    ValidationError,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_core import InitErrorDetails

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


# Documented as E.164; spaces, dashes, brackets, a leading 00 or whatsapp: are forgiven.
E164_PATTERN = r"^\+[1-9][0-9]{6,14}$"
Phone = Annotated[
    str,
    Field(max_length=40, json_schema_extra={"pattern": E164_PATTERN, "example": "+2348012345678"}),
    AfterValidator(normalize_phone),
]
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
# `starting_after` of each list: the last id of the previous page, in that list's id format.
OrderCursor = Annotated[str, Field(max_length=40, pattern=r"^(ord_|#)?[0-9]{1,18}$")]
CustomerCursor = Annotated[str, Field(max_length=40, pattern=r"^cus_[0-9]{1,18}$")]
ReturnCursor = Annotated[str, Field(max_length=40, pattern=r"^ret_[0-9]{1,18}$")]
CheckoutCursor = Annotated[str, Field(max_length=40, pattern=r"^chk_[0-9a-f]{24}$")]
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
    """A request body: unknown fields are errors, strings are trimmed, and a string's length
    limit holds before trimming (what the OpenAPI document says), so 505 characters with
    spaces around them are refused by a 500 limit as a schema validator would refuse them."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="wrap")
    @classmethod
    def _untrimmed_lengths(cls, data: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
        if isinstance(data, dict):
            errors = [
                InitErrorDetails(
                    type="string_too_long", loc=(name,), input=value, ctx={"max_length": limit}
                )
                for name, key, limit in _length_limits(cls)
                if isinstance(value := data.get(key), str) and len(value) > limit
            ]
            if errors:
                raise ValidationError.from_exception_data(cls.__name__, errors)
        return handler(data)


@cache
def _length_limits(model: type[BaseModel]) -> tuple[tuple[str, str, int], ...]:
    """(field name, input key, max length) of the model's string fields with a limit."""
    limits = []
    for name, info in model.model_fields.items():
        limit = _string_limit(info)
        if limit is not None:
            limits.append((name, info.alias or name, limit))
    return tuple(limits)


def _max_length(metadata: Any) -> int | None:
    found = list(metadata)
    for item in (m for m in found if isinstance(m, FieldInfo)):
        found += item.metadata
    return next((m.max_length for m in found if isinstance(m, MaxLen)), None)


def _string_limit(info: FieldInfo) -> int | None:
    """The max length of a string field (`str`, `str | None`, `Annotated[str, ...] | None`);
    None for other fields (a list's max_length counts items, not characters)."""
    if info.annotation is str:
        return _max_length(info.metadata)
    for arg in get_args(info.annotation):
        if arg is str:
            return _max_length(info.metadata)
        if get_origin(arg) is Annotated and get_args(arg)[0] is str:
            return _max_length(get_args(arg)[1:])
    return None


class Output(BaseModel):
    """A response body."""

    model_config = ConfigDict(from_attributes=True)
