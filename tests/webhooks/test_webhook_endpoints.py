"""/v1/webhook_endpoints: create (secret once), list, read, change, delete, rotate; both
POSTs under Idempotency-Key (the secret replayed, never stored)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from bot.webhook_delivery import endpoint_secret, order_urls_secret
from orders_core.db import Database
from orders_core.events import EVENT_TYPES
from orders_core.models import IdempotencyRecord, WebhookEndpoint
from orders_core.settings import Settings
from tests.conftest import TenantInfo
from tests.webhooks.conftest import assert_error


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
            "customer": {"name": "A", "phone": "+2348012345678"},
            "items": [{"product_id": "prod_water", "quantity": 1}],
            "webhook_urls": [url],
        },
        headers=tenant.headers,
    )

    assert response.status_code == 400 and response.json["error"]["param"] == "url"
    assert order.status_code == 400 and order.json["error"]["param"] == "webhook_urls[0]"


# --- Idempotency-Key ------------------------------------------------------------------------


def _post(client: FlaskClient, tenant: TenantInfo, path: str, key: str, **body: object) -> Any:
    headers = {**tenant.headers, "Idempotency-Key": key}
    return client.post(path, json=body or None, headers=headers)


def _stored_answers(client: FlaskClient) -> list[str]:
    with client.application.extensions["chatorders"].db.read() as session:
        return list(session.scalars(select(IdempotencyRecord.response_body)))


def _current_secret(client: FlaskClient, settings: Settings, endpoint_id: str) -> str:
    number = int(endpoint_id.removeprefix("we_"))
    with client.application.extensions["chatorders"].db.read() as session:
        row = session.get(WebhookEndpoint, number)
        assert row is not None
        return endpoint_secret(settings, number, row.salt)


def test_a_retried_create_makes_one_endpoint_and_shows_its_secret_again(
    client: FlaskClient, tenant: TenantInfo, settings: Settings
) -> None:
    url = "https://erp.example.com/hooks"
    first = _post(client, tenant, "/v1/webhook_endpoints", "hook-1", url=url)
    again = _post(client, tenant, "/v1/webhook_endpoints", "hook-1", url=url)
    assert (first.status_code, again.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Secret-Unavailable" not in again.headers
    assert again.json == first.json
    assert first.json["secret"] == _current_secret(client, settings, first.json["id"])
    listed = client.get("/v1/webhook_endpoints", headers=tenant.headers).json["data"]
    assert [e["id"] for e in listed] == [first.json["id"]]
    (stored,) = _stored_answers(client)
    assert first.json["secret"] not in stored  # the secret is never stored in clear
    assert json.loads(stored)["secret"] is None
    changed = _post(client, tenant, "/v1/webhook_endpoints", "hook-1", url=url + "/other")
    assert_error(changed, 409, "idempotency_key_reused", "Idempotency-Key")


def test_a_replay_after_the_secret_changed_says_so_without_a_secret(
    client: FlaskClient, tenant: TenantInfo
) -> None:
    first = _post(client, tenant, "/v1/webhook_endpoints", "hook-2", url="https://a.example/h")
    path = f"/v1/webhook_endpoints/{first.json['id']}"
    assert client.post(f"{path}/rotate_secret", headers=tenant.headers).status_code == 200
    rotated = _post(client, tenant, "/v1/webhook_endpoints", "hook-2", url="https://a.example/h")
    assert rotated.status_code == 201
    assert rotated.headers["Secret-Unavailable"] == "rotated"
    assert rotated.json == {**first.json, "secret": None}
    assert client.delete(path, headers=tenant.headers).status_code == 200
    deleted = _post(client, tenant, "/v1/webhook_endpoints", "hook-2", url="https://a.example/h")
    assert (deleted.status_code, deleted.headers["Secret-Unavailable"]) == (201, "deleted")
    assert deleted.json["secret"] is None
    assert client.get("/v1/webhook_endpoints", headers=tenant.headers).json["data"] == []


def test_a_retried_rotation_rotates_once(
    client: FlaskClient, tenant: TenantInfo, other_tenant: TenantInfo, settings: Settings
) -> None:
    created = _create(client, tenant)
    path = f"/v1/webhook_endpoints/{created['id']}/rotate_secret"
    first = _post(client, tenant, path, "rotate-1")
    again = _post(client, tenant, path, "rotate-1")
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json["secret"] == first.json["secret"] != created["secret"]
    assert first.json["secret"] == _current_secret(client, settings, created["id"])
    assert all(first.json["secret"] not in stored for stored in _stored_answers(client))
    later = _post(client, tenant, path, "rotate-2")
    assert later.json["secret"] not in (first.json["secret"], created["secret"])
    stale = _post(client, tenant, path, "rotate-1")
    assert (stale.json["secret"], stale.headers["Secret-Unavailable"]) == (None, "rotated")
    assert later.json["secret"] == _current_secret(client, settings, created["id"])
    theirs = _post(client, other_tenant, path, "rotate-1")  # keys are per business
    assert_error(theirs, 404, "not_found", "id")
    assert later.json["secret"] == _current_secret(client, settings, created["id"])


def test_openapi_says_both_posts_take_an_idempotency_key(client: FlaskClient) -> None:
    paths = client.get("/openapi.json").json["paths"]
    for path in ("/v1/webhook_endpoints", "/v1/webhook_endpoints/{endpoint_id}/rotate_secret"):
        names = {p["name"] for p in paths[path]["post"].get("parameters", [])}
        assert "Idempotency-Key" in names, path
        assert "409" in paths[path]["post"]["responses"], path


def test_an_endpoint_may_subscribe_to_return_events_by_name(
    client: FlaskClient, tenant: TenantInfo
) -> None:
    events = ["return.requested", "return.refunded", "order.created"]
    response = client.post(
        "/v1/webhook_endpoints",
        json={"url": "https://erp.example.com/hooks", "events": events},
        headers=tenant.headers,
    )
    assert response.status_code == 201, response.json
    assert response.json["events"] == events
