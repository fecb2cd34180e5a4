"""The one error shape of the HTTP edge, for every failure."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from orders_core.errors import DomainError

log = logging.getLogger(__name__)

HTTP_CODES = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
}


class ApiError(DomainError):
    """An error raised at the HTTP edge with an explicit status."""

    def __init__(
        self, status: int, message: str, *, code: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(message, **kwargs)
        self.http_status = status
        self.code = code or HTTP_CODES.get(status, "error")


def error_response(
    status: int,
    code: str,
    message: str,
    *,
    param: str | None = None,
    details: dict[str, Any] | None = None,
) -> Response:
    """A JSON error: {"error": {"code", "message", "param", "details"}}, every key present."""
    body = {"code": code, "message": message, "param": param, "details": details or {}}
    response = jsonify({"error": body})
    response.status_code = status
    return response


def _loc_to_param(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def validation_response(exc: ValidationError, *, status: int = 400) -> Response:
    """A 400 naming the first field at fault and listing every problem."""
    problems = [
        {"param": _loc_to_param(tuple(e["loc"])), "message": e["msg"], "type": e["type"]}
        for e in exc.errors(include_url=False, include_context=False, include_input=False)
    ]
    first = problems[0] if problems else {"param": None, "message": "invalid request"}
    message = f"{first['param']}: {first['message']}" if first["param"] else first["message"]
    return error_response(
        status,
        "invalid_request",
        message,
        param=first["param"] or None,
        details={"errors": problems},
    )


def register_error_handlers(app: Flask) -> None:
    """Make every error, expected or not, answer in the error shape."""

    @app.errorhandler(DomainError)
    def _domain(exc: DomainError) -> Response:
        return error_response(
            exc.http_status, exc.code, exc.message, param=exc.param, details=exc.details
        )

    @app.errorhandler(ValidationError)
    def _validation(exc: ValidationError) -> Response:
        return validation_response(exc)

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException) -> Response:
        if isinstance(exc.response, Response):
            return exc.response  # already in the error shape (a rate limit's answer)
        status = exc.code or 500
        response = error_response(
            status, HTTP_CODES.get(status, "error"), exc.description or exc.name
        )
        if status == 405 and exc.get_response().headers.get("Allow"):
            response.headers["Allow"] = exc.get_response().headers["Allow"]
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled error")
        return error_response(
            500, "internal_error", "Something went wrong on our side; nothing was saved."
        )
