"""Errors a use case raises; the HTTP edge maps each to a status and the error shape."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A request the order core refuses, with a stable code and the field at fault."""

    code = "invalid_request"
    http_status = 400

    def __init__(
        self, message: str, *, param: str | None = None, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.details = details or {}


class ValidationFailed(DomainError):
    """The input is well-formed but not acceptable (unknown product, bad amount, ...)."""

    code = "validation_error"
    http_status = 422


class NotFound(DomainError):
    """No such object for this tenant (another tenant's object is not found, too)."""

    code = "not_found"
    http_status = 404


class Conflict(DomainError):
    """The object is not in a state that allows the request."""

    code = "conflict"
    http_status = 409


class DuplicateExternalId(Conflict):
    """An order with this (source, external_id) exists already; details name it."""

    code = "duplicate_external_id"


class IllegalTransition(Conflict):
    """A status change the lifecycle does not allow; details name the allowed ones."""

    code = "illegal_transition"
