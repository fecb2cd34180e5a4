"""GET /openapi.json, generated from the declared routes and their pydantic models."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from webhooks.errors import HTTP_CODES
from webhooks.idempotency import KEY_PATTERN, MAX_KEY_LENGTH
from webhooks.routes import ROUTES, RouteSpec

bp = Blueprint("openapi", __name__)

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "param", "details"],
            "properties": {
                "code": {
                    "type": "string",
                    "description": "Stable and machine-readable, e.g. "
                    + ", ".join(sorted(set(HTTP_CODES.values()) | {"illegal_transition"})),
                },
                "message": {"type": "string"},
                "param": {"type": ["string", "null"]},
                "details": {"type": "object"},
            },
        }
    },
}
ERROR_TEXT = {
    400: "Malformed request: the param names the field",
    401: "Missing, invalid or revoked API key",
    404: "No such object for this tenant",
    409: "Conflict: illegal transition, or an Idempotency-Key reused with another body",
    413: "Body too large",
    415: "Not JSON",
    422: "Well-formed but not acceptable (unknown product, amount above what is refundable, ...)",
    429: "Rate limited: see Retry-After",
}


PATH_EXAMPLES = {
    "order_id": "ord_1001",
    "code": "prod_jollof",
    "customer_id": "cus_1",
    "return_id": "ret_1",
    "checkout_id": "chk_3f9a1c2e8b7d4a6f0e5c1b2a",
}


def _path(rule: str) -> tuple[str, list[dict[str, Any]]]:
    names = re.findall(r"<(?:\w+:)?(\w+)>", rule)
    path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)
    params = [
        {"name": n, "in": "path", "required": True, "schema": {"type": "string"}}
        | ({"example": PATH_EXAMPLES[n]} if n in PATH_EXAMPLES else {})
        for n in names
    ]
    return path, params


def _query_params(model: type[BaseModel], schemas: dict[str, Any]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(schema.pop("$defs", {}))
    required = set(schema.get("required", []))
    params = []
    for name, prop in schema.get("properties", {}).items():
        param = {"name": name, "in": "query", "required": name in required,
                 "schema": _not_null(prop)}  # fmt: skip
        if param["schema"].get("type") == "array":  # several values: status=pending,confirmed
            param |= {"style": "form", "explode": False}
        params.append(param)
    return params


def _not_null(prop: dict[str, Any]) -> dict[str, Any]:
    """An optional query parameter's schema without its `null` branch: absent is how to omit it."""
    branches = [b for b in prop.get("anyOf", []) if b != {"type": "null"}]
    if len(branches) != 1:
        return prop
    rest = {k: v for k, v in prop.items() if k not in ("anyOf", "default")}
    return {**branches[0], **rest}


def _operation(route: RouteSpec, schemas: dict[str, Any]) -> dict[str, Any]:
    path, path_params = _path(route.path)
    slug = re.sub(r"\W+", "_", path).strip("_")
    op: dict[str, Any] = {
        "summary": route.summary,
        "operationId": f"{route.method}_{slug}",
        "tags": [route.tag],
        "security": [{"bearer": []}, {"tenant_api_key": []}],
        "parameters": path_params,
        "responses": {},
    }
    if route.query is not None:
        op["parameters"] += _query_params(route.query, schemas)
    if route.idempotent:
        op["parameters"].append(
            {"name": "Idempotency-Key", "in": "header", "required": False,
             "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH,
                        "pattern": KEY_PATTERN}}
        )  # fmt: skip
    if route.body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"$ref": f"#/components/schemas/{route.body.__name__}"}
                }
            },
        }
    if route.response is not None:
        content = {
            "application/json": {
                "schema": {"$ref": f"#/components/schemas/{route.response.__name__}"}
            }
        }
    else:
        content = {route.content_type: {"schema": {"type": "string"}}}
    op["responses"][str(route.status)] = {"description": "Success", "content": content}
    # A malformed Idempotency-Key is a 400, one reused with another body a 409.
    keyed = (400, 409) if route.idempotent else ()
    body_limit = (413,) if route.body is not None else ()
    for status in sorted(set(route.errors + keyed + body_limit)):
        op["responses"][str(status)] = {
            "description": ERROR_TEXT.get(status, HTTP_CODES.get(status, "error")),
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
    return op


def build_spec() -> dict[str, Any]:
    """The OpenAPI 3.1 document of every declared route."""
    models = {m for r in ROUTES for m in (r.body, r.response) if m is not None}
    _, defs = models_json_schema(
        [(m, "validation" if m in {r.body for r in ROUTES} else "serialization") for m in models],
        ref_template="#/components/schemas/{model}",
    )
    schemas: dict[str, Any] = dict(defs.get("$defs", {}))
    schemas["Error"] = ERROR_SCHEMA
    paths: dict[str, Any] = {}
    for route in ROUTES:
        path, _ = _path(route.path)
        paths.setdefault(path, {})[route.method] = _operation(route, schemas)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "chatorders API",
            "version": "1",
            "description": "Orders taken over WhatsApp, reachable by websites, POS systems and back offices. "
            "Money is an integer in the currency's minor unit (kobo, cents, paise).",
        },
        "servers": [{"url": "/"}],
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "sk_live_..."},
                "tenant_api_key": {"type": "apiKey", "in": "header", "name": "X-Tenant-Api-Key"},
            },
        },
        "paths": paths,
    }


@bp.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    """The OpenAPI document."""
    return jsonify(build_spec())
