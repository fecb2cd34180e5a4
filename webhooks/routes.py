"""Declared API routes: one decorator parses the body and query with pydantic, serializes
the answer, and records what the OpenAPI document says about the route."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, request
from pydantic import BaseModel, ValidationError

from webhooks.errors import ApiError, validation_response
from webhooks.idempotency import Sealed, json_response, run_idempotent


@dataclass(frozen=True)
class RouteSpec:
    """What the OpenAPI document needs to know about one route."""

    path: str
    method: str
    summary: str
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    errors: tuple[int, ...]
    tag: str
    content_type: str = "application/json"
    idempotent: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


ROUTES: list[RouteSpec] = []
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def json_body() -> Any:
    """The request's JSON body; a 415 for another content type, a 400 for broken JSON."""
    if not request.is_json:
        raise ApiError(415, "Send a JSON body with 'Content-Type: application/json'")
    try:
        data = request.get_json(silent=True)
    except RecursionError:
        raise ApiError(400, "The JSON body is nested too deeply") from None
    if data is None:
        raise ApiError(400, "The body is not valid JSON")
    _refuse_unstorable(data)
    return data


_TEXT = ("unstorable_text", "text must be valid Unicode without NUL characters")
_NUMBER = ("unstorable_number", "numbers must be finite (no NaN, Infinity or 1e999)")


def unstorable(value: Any, param: str = "") -> tuple[str, tuple[str, str]] | None:
    """The param of the first value in `value` a database cannot store (a string with NUL or
    a lone surrogate, a NaN or infinite number), with its problem's (type, message)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return param, _TEXT
        return (param, _TEXT) if "\x00" in value else None
    if isinstance(value, float):
        return None if math.isfinite(value) else (param, _NUMBER)
    if isinstance(value, dict):
        for key, item in value.items():
            name = f"{param}.{key}" if param else str(key)
            found = unstorable(key, name) or unstorable(item, name)
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = unstorable(item, f"{param}[{index}]")
            if found is not None:
                return found
    return None


def _refuse_unstorable(data: Any) -> None:
    found = unstorable(data)
    if found is not None:
        param, (kind, message) = found
        problem = {"param": param, "message": message, "type": kind}
        raise ApiError(
            400, f"{param or 'body'}: {message}", param=param or None,
            details={"errors": [problem]},
        )  # fmt: skip


def parse_query(model: type[BaseModel]) -> BaseModel:
    """The query string validated by `model`; repeated parameters are an error, except
    `name[]=a&name[]=b`, which is read as `name=a,b`."""
    args = {}
    for key in request.args:
        values = request.args.getlist(key)
        if key.endswith("[]"):
            key, values = key[:-2], [",".join(values)]
        if len(values) > 1 or key in args:
            raise ApiError(400, f"{key} given more than once", param=key)
        args[key] = values[0]
    _refuse_unstorable(args)
    return model.model_validate(args)


def api_route(
    bp: Blueprint,
    rule: str,
    method: str,
    *,
    summary: str,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    errors: tuple[int, ...] = (),
    content_type: str = "application/json",
    idempotent: bool | Sealed = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a view; it receives `body=`/`query=` models and returns a model or Response.

    An `idempotent` route (True, or a Sealed for answers holding a secret) is declared so in
    the OpenAPI document and run so: the view also receives `session=`, one write
    transaction guarded by the request's Idempotency-Key (see webhooks.idempotency), and its
    answer, with `status`, is what a retry with the same key gets again.
    """
    if method.upper() in WRITE_METHODS and not idempotent:
        raise ValueError(f"{method} {rule}: a write route takes Idempotency-Key (idempotent=True)")
    ROUTES.append(
        RouteSpec(
            path=(bp.url_prefix or "") + rule,
            method=method.lower(),
            summary=summary,
            body=body,
            query=query,
            response=response,
            status=status,
            errors=errors,
            tag=bp.name,
            content_type=content_type,
            idempotent=bool(idempotent),
        )
    )
    sealed = idempotent if isinstance(idempotent, Sealed) else None

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(**kwargs: Any) -> Response:
            for name, value in kwargs.items():
                if unstorable(value) is not None:
                    raise ApiError(404, f"No such object: {value!r}", param=name)
            try:
                if body is not None:
                    kwargs["body"] = body.model_validate(json_body())
                if query is not None:
                    kwargs["query"] = parse_query(query)
            except ValidationError as exc:
                return validation_response(exc)
            if idempotent:
                return run_idempotent(
                    lambda session: _answer(view(session=session, **kwargs), status), sealed
                )
            return _answer(view(**kwargs), status)

        bp.add_url_rule(rule, view_func=wrapper, methods=[method])
        return wrapper

    return decorate


def _answer(result: Any, status: int) -> Response:
    """A view's result as the response: a Response as it is, else JSON with `status`."""
    return result if isinstance(result, Response) else json_response(result, status)
