"""The OpenAPI document describes the API, and the API keeps to it under generated input."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from orders_core.db import Database
from orders_core.settings import Settings
from tests.conftest import BACKENDS, TenantInfo, open_database
from webhooks.app import create_app
from webhooks.openapi import build_spec

schema = schemathesis.openapi.from_dict(build_spec())


@pytest.fixture(params=BACKENDS[-1:])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """Generated input runs against one database: PostgreSQL when configured (its JSON and
    types refuse more than SQLite does), else SQLite; the rest of the suite covers both."""
    yield from open_database(request, request.param, tmp_path)


@pytest.fixture
def configured_app(settings: Settings, database: Database) -> Flask:
    """The app with every optional setting a production server has (webhook signing too)."""
    return create_app(settings.model_copy(update={"secret_key": "s" * 32}), db=database)


def test_openapi_json_is_served_and_lists_every_endpoint(client: FlaskClient) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    spec = response.json
    assert spec["openapi"].startswith("3.1")
    operations = {(path, method) for path, ops in spec["paths"].items() for method in ops}
    assert {
        ("/v1/orders", "post"), ("/v1/orders", "get"), ("/v1/orders/{order_id}", "get"),
        ("/v1/orders/{order_id}", "patch"), ("/v1/orders/{order_id}/cancel", "post"),
        ("/v1/orders/{order_id}/payments", "post"), ("/v1/orders/{order_id}/refunds", "post"),
        ("/v1/orders/{order_id}/fulfillments", "post"), ("/v1/orders/{order_id}/timeline", "get"),
        ("/v1/orders/{order_id}/timeline", "post"), ("/v1/orders/stats", "get"),
        ("/v1/orders/export", "get"), ("/v1/order_statuses", "get"), ("/v1/products", "get"),
        ("/v1/products", "post"), ("/v1/products/{code}", "get"), ("/v1/products/{code}", "patch"),
        ("/v1/products/{code}", "delete"), ("/v1/customers", "get"),
        ("/v1/customers/{customer_id}", "get"), ("/v1/settings", "get"), ("/v1/settings", "patch"),
    } <= operations  # fmt: skip
    create = spec["paths"]["/v1/orders"]["post"]
    assert {"201", "400", "401", "409", "413", "415", "422", "429"} <= set(create["responses"])
    assert "Idempotency-Key" in {p["name"] for p in create["parameters"]}
    assert spec["components"]["schemas"]["Error"]["properties"]["error"]["required"] == [
        "code", "message", "param", "details",
    ]  # fmt: skip


@schema.parametrize()
@hypothesis_settings(
    max_examples=30, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)
def test_api_conforms_to_its_schema(
    case: schemathesis.Case, configured_app: Flask, tenant: TenantInfo
) -> None:
    """No 5xx, only documented statuses, bodies matching their schemas, bad input refused.

    Schema-valid input may still be refused (a phone that is not E.164, an unknown product),
    so the positive-data check is left out; everything else schemathesis knows is on.
    """
    app = configured_app
    app.test_client().post(
        "/v1/orders",
        json={"customer": {"phone": "+2348012345678"},
              "items": [{"product_id": "prod_jollof", "quantity": 1}]},
        headers=tenant.headers,
    )  # fmt: skip
    case.operation.schema.app = app
    case.call_and_validate(
        headers=tenant.headers, app=app, excluded_checks=[positive_data_acceptance]
    )
