"""/v1/webhook_endpoints: create (secret once), list, read, change, delete, rotate."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from bot.webhook_delivery import endpoint_secret, order_urls_secret
from orders_core.db import Database
from orders_core.events import EVENT_TYPES
from orders_core.models import WebhookEndpoint
from orders_core.settings import Settings
from tests.conftest import TenantInfo


@pytest.fixture
def settings(database: Database) -> Settings:
    """Test settings with a SECRET_KEY, so endpoints can be signed."""
    return Settings(
        database_url=database.engine.url.render_as_string(hide_password=False),
        public_base_url="https://chatorders.example.com",
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token="test-auth-token",
        secret_key="test-secret-key",
    )


def _create(client: FlaskClient, tenant: TenantInfo, **body: object) -> dict:
    response = client.post(
        "/v1/webhook_endpoints",
        json={"url": "https://erp.example.com/hooks", **body},
        headers=tenant.headers,
    )
    assert response.status_code == 201, response.json
    return response.json


def test_create_shows_the_secret_once(
    client: FlaskClient, tenant: TenantInfo, settings: Settings
) -> None:
    created = _create(client, tenant, events=["order.created", "order.cancelled"])
    assert created["id"].startswith("we_") and created["object"] == "webhook_endpoint"
    assert created["events"] == ["order.created", "order.cancelled"]
    assert created["enabled"] is True
    number = int(created["id"].removeprefix("we_"))
    with client.application.extensions["chatorders"].db.read() as session:
        row = session.get(WebhookEndpoint, number)
        assert row is not None
        assert created["secret"] == endpoint_secret(settings, number, row.salt)
        assert created["secret"] not in (row.salt, row.url)  # nothing secret is stored
    fetched = client.get(f"/v1/webhook_endpoints/{created['id']}", headers=tenant.headers).json
    assert fetched["secret"] is None
    listed = client.get("/v1/webhook_endpoints", headers=tenant.headers).json
    assert [e["id"] for e in listed["data"]] == [created["id"]]
    assert listed["data"][0]["secret"] is None


def test_events_default_to_all_and_are_validated(client: FlaskClient, tenant: TenantInfo) -> None:
    assert _create(client, tenant)["events"] == list(EVENT_TYPES)
    for body in (
        {"url": "ftp://erp.example.com"},
        {"url": "not a url"},
        {"url": "https://x.example", "events": ["order.exploded"]},
        {"url": "https://x.example", "events": []},
        {"url": "https://x.example", "secret": "mine"},
    ):
        response = client.post("/v1/webhook_endpoints", json=body, headers=tenant.headers)
        assert response.status_code == 400, body
        assert response.json["error"]["code"] == "invalid_request"


def test_patch_delete_and_rotate(client: FlaskClient, tenant: TenantInfo) -> None:
    created = _create(client, tenant)
    path = f"/v1/webhook_endpoints/{created['id']}"
    patched = client.patch(
        path, json={"enabled": False, "events": ["payment.recorded"]}, headers=tenant.headers
    )
    assert patched.status_code == 200
    assert (patched.json["enabled"], patched.json["events"]) == (False, ["payment.recorded"])
    moved = client.patch(path, json={"url": "https://erp2.example.com/h"}, headers=tenant.headers)
    assert moved.json["url"] == "https://erp2.example.com/h"
    rotated = client.post(f"{path}/rotate_secret", headers=tenant.headers)
    assert rotated.status_code == 200
    assert rotated.json["secret"].startswith("whsec_")
    assert rotated.json["secret"] != created["secret"]
    deleted = client.delete(path, headers=tenant.headers)
    assert deleted.json == {"id": created["id"], "object": "webhook_endpoint", "deleted": True}
    assert client.get(path, headers=tenant.headers).status_code == 404


def test_endpoints_are_per_tenant(
    client: FlaskClient, tenant: TenantInfo, other_tenant: TenantInfo
) -> None:
    created = _create(client, tenant)
    path = f"/v1/webhook_endpoints/{created['id']}"
    for response in (
        client.get(path, headers=other_tenant.headers),
        client.patch(path, json={"enabled": False}, headers=other_tenant.headers),
        client.delete(path, headers=other_tenant.headers),
        client.get("/v1/webhook_endpoints/we_nope", headers=tenant.headers),
    ):
        assert response.status_code == 404
    assert client.get("/v1/webhook_endpoints", headers=other_tenant.headers).json["data"] == []
    assert client.get("/v1/webhook_endpoints").status_code == 401


def test_order_urls_secret(client: FlaskClient, tenant: TenantInfo, settings: Settings) -> None:
    response = client.get("/v1/webhook_secret", headers=tenant.headers)
    assert response.json["secret"] == order_urls_secret(settings, tenant.id)


def test_openapi_documents_the_endpoints(client: FlaskClient) -> None:
    paths = client.get("/openapi.json").json["paths"]
    assert {"post", "get"} <= set(paths["/v1/webhook_endpoints"])
    assert {"get", "patch", "delete"} <= set(paths["/v1/webhook_endpoints/{endpoint_id}"])
    assert "get" in paths["/v1/messages"]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:6379/",
        "http://169.254.169.254/latest/meta-data/",
        "http://localhost/hook",
        "http://10.0.0.7/hook",
        "http://[::1]:2375/containers",
        "http://0x7f000001/hook",
    ],
)
def test_internal_addresses_are_refused(client: FlaskClient, tenant: TenantInfo, url: str) -> None:
    response = client.post(
        "/v1/webhook_endpoints",
        json={"url": url, "events": ["order.created"]},
        headers=tenant.headers,
    )
    order = client.post(
        "/v1/orders",
        json={
            "customer": {"name": "A"},
            "items": [{"product_id": "prod_water", "quantity": 1}],
            "webhook_urls": [url],
        },
        headers=tenant.headers,
    )

    assert response.status_code == 400 and response.json["error"]["param"] == "url"
    assert order.status_code == 400 and order.json["error"]["param"] == "webhook_urls[0]"
