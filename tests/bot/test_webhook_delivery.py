"""Signed webhooks: body, signature (checked independently), retries, disabling, real HTTP."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy import event, select

from bot.planning import plan_outbox
from bot.webhook_delivery import (
    DISABLE_AFTER,
    RETRY_DELAYS,
    UrllibSender,
    deliver_webhooks,
    endpoint_secret,
    order_urls_secret,
    sign,
    verify,
)
from orders_core.db import Database
from orders_core.models import OutboxEvent, WebhookDelivery, WebhookEndpoint
from orders_core.settings import Settings
from tests.conftest import TenantInfo
from tests.twilio_recorder import (
    Harness,
    customer_wrote,
    make_harness,
    move,
    outbound,
    place,
)

ENDPOINT_URL = "https://erp.example.com/hooks"
ORDER_URL = "https://shop.example.com/orders/callback"


@pytest.fixture
def h(database: Database, settings: Settings) -> Harness:
    """The dispatcher harness with a SECRET_KEY."""
    return make_harness(database, settings)


def _endpoint(h: Harness, tenant: TenantInfo, events: list[str] | None = None) -> tuple[int, str]:
    with h.database.write() as session:
        endpoint = WebhookEndpoint(
            tenant_id=tenant.id,
            url=ENDPOINT_URL,
            events=events or ["order.created", "order.status_changed"],
            salt="00" * 16,
        )
        session.add(endpoint)
        session.flush()
        return endpoint.id, endpoint_secret(h.settings, endpoint.id, endpoint.salt)


def _check_signature(secret: str, body: bytes, header: str) -> int:
    """Recompute the HMAC here, independently of the code under test; the timestamp."""
    fields = dict(part.split("=", 1) for part in header.split(","))
    expected = hmac.new(
        secret.encode(), fields["t"].encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(fields["v1"], expected)
    return int(fields["t"])


def test_endpoint_and_order_urls_receive_signed_events(h: Harness, tenant: TenantInfo) -> None:
    _, secret = _endpoint(h, tenant)
    place(h.database, tenant.id, channel="api", webhook_urls=[ORDER_URL], meta={"user": 18729})
    h.dispatch()
    posts = {url: (body, headers) for url, body, headers in h.sender.posts}
    assert set(posts) == {ENDPOINT_URL, ORDER_URL}
    body, headers = posts[ENDPOINT_URL]
    assert headers["Content-Type"] == "application/json"
    assert _check_signature(secret, body, headers["Chatorders-Signature"]) == int(h.now.timestamp())
    payload = json.loads(body)
    with h.database.read() as session:
        event = session.scalars(select(OutboxEvent)).one()
    assert payload["id"] == event.public_id and payload["type"] == "order.created"
    assert payload["data"]["order"]["id"] == "ord_1001"
    assert set(payload) == {"id", "type", "created_at", "data"}
    order_body, order_headers = posts[ORDER_URL]
    _check_signature(
        order_urls_secret(h.settings, tenant.id), order_body, order_headers["Chatorders-Signature"]
    )
    assert json.loads(order_body)["meta"] == {"user": 18729}


def test_only_subscribed_events_go_to_an_endpoint(h: Harness, tenant: TenantInfo) -> None:
    _endpoint(h, tenant, events=["order.cancelled"])
    order_id = place(h.database, tenant.id, channel="api")
    move(h.database, tenant.id, order_id, "confirmed")
    h.dispatch()
    assert h.sender.posts == []
    move(h.database, tenant.id, order_id, "cancelled")
    h.dispatch()
    assert [json.loads(b)["type"] for _, b, _ in h.sender.posts] == ["order.cancelled"]


def test_failures_retry_with_the_same_event_id_then_fail(h: Harness, tenant: TenantInfo) -> None:
    _endpoint(h, tenant)
    place(h.database, tenant.id, channel="api")
    h.sender.answers.extend([500] * len(RETRY_DELAYS) + [503])
    h.dispatch()
    for delay in RETRY_DELAYS:
        h.advance(seconds=delay.total_seconds() * 1.2 + 1)
        h.dispatch()
    assert len(h.sender.posts) == len(RETRY_DELAYS) + 1
    assert len({body for _, body, _ in h.sender.posts}) == 1  # same bytes, same id
    with h.database.read() as session:
        delivery = session.scalars(select(WebhookDelivery)).one()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        "failed", len(RETRY_DELAYS) + 1, 503,
    )  # fmt: skip
    h.advance(days=1)
    h.dispatch()
    assert len(h.sender.posts) == len(RETRY_DELAYS) + 1


def test_a_retry_succeeds_and_waits_by_the_schedule(h: Harness, tenant: TenantInfo) -> None:
    _endpoint(h, tenant)
    place(h.database, tenant.id, channel="api")
    h.sender.answers.extend([OSError("connection refused"), 404])
    h.dispatch()
    h.dispatch()
    assert len(h.sender.posts) == 1
    with h.database.read() as session:
        delivery = session.scalars(select(WebhookDelivery)).one()
    wait = delivery.next_attempt_at - h.now  # type: ignore[operator]
    assert RETRY_DELAYS[0] * 0.8 <= wait <= RETRY_DELAYS[0] * 1.2
    assert "connection refused" in (delivery.last_error or "")
    h.advance(minutes=2)
    h.dispatch()  # 404: still failing
    h.advance(minutes=10)
    h.dispatch()  # 200
    with h.database.read() as session:
        delivery = session.scalars(select(WebhookDelivery)).one()
        endpoint = session.scalars(select(WebhookEndpoint)).one()
    assert (delivery.status, delivery.attempts) == ("succeeded", 3)
    assert endpoint.failing_since is None


def test_an_endpoint_failing_for_days_is_disabled_and_staff_told(
    h: Harness, tenant: TenantInfo
) -> None:
    endpoint_id, _ = _endpoint(h, tenant)
    h.sender.answers.extend([500] * 100)
    start = h.now
    while h.now - start <= DISABLE_AFTER:
        place(h.database, tenant.id, channel="api")
        h.dispatch()
        h.advance(hours=6)
    h.dispatch()
    with h.database.read() as session:
        endpoint = session.get(WebhookEndpoint, endpoint_id)
        assert endpoint is not None and endpoint.enabled is False
        assert endpoint.disabled_reason
    alerts = [m for m in outbound(h.database, tenant.id) if m.kind == "alert"]
    assert len(alerts) == 1 and "was disabled" in (alerts[0].body or "")
    assert alerts[0].customer_phone == "+2348000000001"
    posted = len(h.sender.posts)
    place(h.database, tenant.id, channel="api")
    h.advance(days=2)
    h.dispatch()
    assert len(h.sender.posts) == posted  # nothing more goes to a disabled endpoint


def test_verify_accepts_our_signature_and_rejects_tampering() -> None:
    body = b'{"id":"evt_1"}'
    header = sign("whsec_x", body, 1_700_000_000)
    assert verify("whsec_x", body, header, now=1_700_000_100)
    assert not verify("whsec_x", body + b" ", header, now=1_700_000_100)
    assert not verify("whsec_y", body, header, now=1_700_000_100)
    assert not verify("whsec_x", body, header, now=1_700_001_000)  # too old


def test_secrets_are_derived_from_a_server_side_key(settings: Settings) -> None:
    assert settings.secret_key is None and settings.twilio_auth_token
    by_token = endpoint_secret(settings, 1, "salt")
    expected = hmac.new(settings.twilio_auth_token.encode(), b"endpoint:1:salt", hashlib.sha256)
    assert by_token == "whsec_" + expected.hexdigest()  # no SECRET_KEY: the Twilio token keys it
    local = settings.model_copy(update={"twilio_account_sid": None, "twilio_auth_token": None})
    assert endpoint_secret(local, 1, "salt") not in (by_token, "")
    keyed = settings.model_copy(update={"secret_key": "k1"})
    rotated = settings.model_copy(update={"secret_key": "k2"})
    assert endpoint_secret(keyed, 1, "salt") != endpoint_secret(rotated, 1, "salt")
    assert endpoint_secret(keyed, 1, "salt") != endpoint_secret(keyed, 2, "salt")
    assert endpoint_secret(keyed, 1, "salt") != endpoint_secret(keyed, 1, "pepper")


class _Receiver(BaseHTTPRequestHandler):
    received: list[tuple[str, bytes, dict[str, str]]] = []
    status = 200

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        self.received.append((self.path, self.rfile.read(length), dict(self.headers)))
        self.send_response(self.status)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, type[_Receiver]]]:
    """A local HTTP server on 127.0.0.1 that records what it receives."""
    handler = type("Receiver", (_Receiver,), {"received": [], "status": 200})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", handler
    server.shutdown()
    server.server_close()


def test_urllib_sender_posts_to_a_real_server(
    h: Harness, tenant: TenantInfo, receiver: tuple[str, type[_Receiver]]
) -> None:
    base, handler = receiver
    with h.database.write() as session:
        endpoint = WebhookEndpoint(
            tenant_id=tenant.id, url=f"{base}/hook", events=["order.created"], salt="ab" * 16
        )
        session.add(endpoint)
        session.flush()
        secret = endpoint_secret(h.settings, endpoint.id, endpoint.salt)
    h.sender = UrllibSender(timeout=5, allow_private=True)  # type: ignore[assignment]
    place(h.database, tenant.id, channel="api")
    h.dispatch()
    [(path, body, headers)] = handler.received
    assert path == "/hook"
    _check_signature(secret, body, headers["Chatorders-Signature"])
    assert json.loads(body)["type"] == "order.created"
    sender = UrllibSender(timeout=5, allow_private=True)
    handler.status = 500
    assert sender(f"{base}/hook", b"{}", {"Content-Type": "application/json"}) == 500
    handler.status = 302
    assert sender(f"{base}/hook", b"{}", {}) == 302  # redirects are not followed
    with pytest.raises(OSError):
        sender("http://127.0.0.1:9/nothing", b"{}", {})


def test_a_failed_message_is_reported_to_subscribers(h: Harness, tenant: TenantInfo) -> None:
    _endpoint(h, tenant, events=["message.failed"])
    customer_wrote(h.database, tenant.id, h.now)
    order_id = place(h.database, tenant.id)
    move(h.database, tenant.id, order_id, "confirmed")
    h.recorder.queue(21211)
    h.dispatch()
    h.dispatch()  # the failure's own event goes out on the next run
    [(url, body, _)] = h.sender.posts
    payload = json.loads(body)
    assert (url, payload["type"]) == (ENDPOINT_URL, "message.failed")
    assert payload["data"]["message"]["error_code"] == "21211"
    assert payload["data"]["order"]["id"] == order_id


def test_the_default_sender_refuses_internal_addresses() -> None:
    sender = UrllibSender(timeout=1)
    for url in ("http://127.0.0.1:9/hook", "http://localhost:6379/", "http://[::1]:2375/"):
        with pytest.raises(OSError, match="non-public"):
            sender(url, b"{}", {})


def test_claiming_deliveries_costs_the_same_statements_for_2_or_10(
    h: Harness, tenant: TenantInfo
) -> None:
    _endpoint(h, tenant)
    for _ in range(6):  # 12 deliveries: the endpoint and the order's own URL for each
        place(h.database, tenant.id, channel="api", webhook_urls=[ORDER_URL])
    while plan_outbox(h.database, now=h.now):
        pass
    statements: list[str] = []
    seen_at_each_post: list[int] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    def sender(url: str, body: bytes, headers: dict[str, str]) -> int:
        seen_at_each_post.append(len(statements))
        return 200

    claims = []
    event.listen(h.database.engine, "before_cursor_execute", count)
    try:
        for size in (2, 10):
            statements.clear()
            seen_at_each_post.clear()
            assert deliver_webhooks(h.database, h.settings, sender, now=h.now, limit=size) == size
            claims.append(seen_at_each_post[0])
    finally:
        event.remove(h.database.engine, "before_cursor_execute", count)
    # (BEGIN on SQLite) deliveries, their events, their endpoints, all marked delivering
    bound = 5 if h.database.engine.dialect.name == "sqlite" else 4
    assert claims[0] == claims[1] <= bound


def test_an_endpoint_deleted_mid_batch_ends_its_deliveries_and_the_rest_go_on(
    h: Harness, tenant: TenantInfo
) -> None:
    endpoint_id, _ = _endpoint(h, tenant)
    place(h.database, tenant.id, channel="api", webhook_urls=[ORDER_URL])
    place(h.database, tenant.id, channel="api", webhook_urls=[ORDER_URL])
    while plan_outbox(h.database, now=h.now):
        pass
    posted: list[str] = []

    def deleting_sender(url: str, body: bytes, headers: dict[str, str]) -> int:
        """Posts fine; the tenant deletes its endpoint while the first post is in flight."""
        if not posted:
            with h.database.write() as session:
                session.delete(session.get(WebhookEndpoint, endpoint_id))
        posted.append(url)
        return 200

    assert deliver_webhooks(h.database, h.settings, deleting_sender, now=h.now) == 4

    assert sorted(posted) == sorted([ENDPOINT_URL, ENDPOINT_URL, ORDER_URL, ORDER_URL])
    with h.database.read() as session:
        left = list(session.scalars(select(WebhookDelivery)))
    assert [(d.url, d.status) for d in left] == [(ORDER_URL, "succeeded")] * 2
