"""The dashboard through Flask's test client: sign-in, CSRF, actions, isolation."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from orders_core.db import Database
from orders_core.domain import OrderStatus, allowed_transitions
from orders_core.models import Order, TimelineEvent
from orders_core.schemas import OrderCreate, PaymentIn, RefundIn
from orders_core.services import orders as use
from orders_core.services import payments as money
from orders_core.services.placing import place_order
from orders_core.services.stats import order_stats
from orders_core.services.tenants import get_tenant, revoke_api_key
from orders_core.stats_schemas import StatsParams
from tests.conftest import TenantInfo
from webhooks.pages import board

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def place(database: Database, tenant: TenantInfo, *, name: str = "Amara Obi") -> str:
    """A pending order of 2 jollof and a chapman; its public id."""
    with database.write() as session:
        order = place_order(
            session,
            get_tenant(session, tenant.id),
            OrderCreate.model_validate(
                {
                    "customer": {"name": name, "phone": "+2348012345678"},
                    "items": [
                        {"product_id": "prod_jollof", "quantity": 2},
                        {"product_id": "prod_chapman", "quantity": 1},
                    ],
                    "channel": "whatsapp",
                }
            ),
        )
        return order.public_id


def move(database: Database, tenant: TenantInfo, order_id: str, *targets: OrderStatus) -> None:
    """Walk the order through `targets` with the core's use case."""
    with database.write() as session:
        order = use.get_order(session, tenant.id, order_id, lock=True)
        for target in targets:
            use.transition(session, order, target, actor="test")


def status_of(database: Database, tenant: TenantInfo, order_id: str) -> str:
    """The stored status of the order."""
    with database.read() as session:
        return use.get_order(session, tenant.id, order_id).status


def csrf(client: FlaskClient, path: str = "/dashboard/login") -> str:
    """The session's CSRF token, read from a page's form."""
    match = CSRF.search(client.get(path).get_data(as_text=True))
    assert match, f"no CSRF field on {path}"
    return match.group(1)


def sign_in(client: FlaskClient, key: str) -> str:
    """Sign in with `key`; the session's CSRF token."""
    token = csrf(client)
    response = client.post("/dashboard/login", data={"api_key": key, "csrf_token": token})
    assert response.status_code == 303, response.get_data(as_text=True)
    return csrf(client, "/dashboard/")


@pytest.fixture
def signed_in(client: FlaskClient, tenant: TenantInfo) -> str:
    """The client signed in as the demo tenant; its CSRF token."""
    return sign_in(client, tenant.key)


def dashboard_rules(app: Flask) -> list[str]:
    """Every dashboard URL (with a sample order id) other than the sign-in form."""
    paths = []
    for rule in app.url_map.iter_rules():
        if (
            rule.endpoint.startswith("pages.dashboard.")
            and rule.endpoint != "pages.dashboard.login"
        ):
            paths.append(rule.rule.replace("<order_id>", "ord_1001"))
    return paths


def test_nothing_on_the_dashboard_is_readable_without_signing_in(
    app: Flask, client: FlaskClient, database: Database, tenant: TenantInfo
) -> None:
    order_id = place(database, tenant)
    token = csrf(client)
    paths = dashboard_rules(app)
    assert {"/dashboard/", "/dashboard/api/version", "/dashboard/orders/ord_1001"} <= set(paths)
    for path in paths:
        for method in ("GET", "POST"):
            response = client.open(
                path, method=method, data={"csrf_token": token, "status": "confirmed"}
            )
            if response.status_code == 405:
                continue
            body = response.get_data(as_text=True)
            assert "Amara" not in body and "8,500" not in body, (method, path)
            if path.startswith("/dashboard/api/"):
                assert response.status_code == 401, (method, path)
                assert response.json["error"]["code"] == "unauthorized"
            else:
                assert response.status_code == 302, (method, path)
                assert response.headers["Location"].startswith("/dashboard/login"), (method, path)
    assert status_of(database, tenant, order_id) == "pending"


def test_a_wrong_key_is_rejected(client: FlaskClient, tenant: TenantInfo) -> None:
    token = csrf(client)
    for wrong in ("sk_test_nope", tenant.key + "x", "", "Bearer " + tenant.key):
        response = client.post("/dashboard/login", data={"api_key": wrong, "csrf_token": token})
        assert response.status_code == 401
        assert "not valid" in response.get_data(as_text=True)
    assert client.get("/dashboard/").status_code == 302


def test_a_revoked_key_signs_the_browser_out_at_its_next_request(
    client: FlaskClient, database: Database, tenant: TenantInfo, signed_in: str
) -> None:
    assert client.get("/dashboard/").status_code == 200
    with database.write() as session:
        from orders_core.models import ApiKey

        key_id = session.scalars(select(ApiKey.id).where(ApiKey.tenant_id == tenant.id)).one()
        revoke_api_key(session, f"key_{key_id}")
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert client.get("/dashboard/api/version").status_code == 401


def test_sign_in_goes_back_to_the_page_asked_for_but_never_off_site(
    client: FlaskClient, database: Database, tenant: TenantInfo
) -> None:
    order_id = place(database, tenant)
    first = client.get(f"/dashboard/orders/{order_id}")
    assert first.headers["Location"] == f"/dashboard/login?next=/dashboard/orders/{order_id}"
    token = csrf(client)
    data = {"api_key": tenant.key, "csrf_token": token, "next": f"/dashboard/orders/{order_id}"}
    assert (
        client.post("/dashboard/login", data=data).headers["Location"]
        == f"/dashboard/orders/{order_id}"
    )
    for evil in (
        "https://evil.example/dashboard",
        "//evil.example/dashboard",
        "/v1/orders",
        "/dashboard/\r\nSet-Cookie: x=1",
        "/dashboard\\..\\v1",
    ):
        data.update(next=evil, csrf_token=csrf(client))
        assert client.post("/dashboard/login", data=data).headers["Location"] == "/dashboard/"


def test_logout_ends_the_session(client: FlaskClient, signed_in: str) -> None:
    response = client.post("/dashboard/logout", data={"csrf_token": signed_in})
    assert response.status_code == 303
    assert client.get("/dashboard/").status_code == 302


def test_posts_without_the_session_csrf_token_are_refused(
    client: FlaskClient, database: Database, tenant: TenantInfo, signed_in: str
) -> None:
    order_id = place(database, tenant)
    url = f"/dashboard/orders/{order_id}/status"
    assert client.post(url, data={"status": "confirmed"}).status_code == 400
    bad = client.post(url, data={"status": "confirmed", "csrf_token": "x" * 43})
    assert bad.status_code == 400
    header_only = client.post(url, data={"status": "confirmed"}, headers={"X-CSRF-Token": "nope"})
    assert header_only.status_code == 400
    assert client.post("/dashboard/logout").status_code == 400
    assert status_of(database, tenant, order_id) == "pending"
    ok = client.post(url, data={"status": "confirmed", "csrf_token": signed_in})
    assert ok.status_code == 303
    assert status_of(database, tenant, order_id) == "confirmed"


def test_sign_in_itself_needs_the_csrf_token(client: FlaskClient, tenant: TenantInfo) -> None:
    assert client.post("/dashboard/login", data={"api_key": tenant.key}).status_code == 400
    assert client.get("/dashboard/").status_code == 302


def _card_buttons(html: str) -> dict[int, tuple[set[str], bool, bool]]:
    """Per card on the board: the status buttons, whether it can be cancelled and marked paid."""
    cards = {}
    for chunk in html.split('<article class="card" data-order="')[1:]:
        number = int(chunk.split('"', 1)[0])
        body = chunk.split("</article>", 1)[0]
        statuses = set(re.findall(r'name="status" value="([a-z_]+)"', body))
        cards[number] = (statuses, "/cancel" in body, "/pay" in body)
    return cards


def test_the_board_offers_only_the_allowed_transitions(
    client: FlaskClient, database: Database, tenant: TenantInfo, signed_in: str
) -> None:
    walks = {
        OrderStatus.PENDING: (),
        OrderStatus.CONFIRMED: (OrderStatus.CONFIRMED,),
        OrderStatus.PREPARING: (OrderStatus.CONFIRMED, OrderStatus.PREPARING),
        OrderStatus.OUT_FOR_DELIVERY: (OrderStatus.OUT_FOR_DELIVERY,),
        OrderStatus.DELIVERED: (OrderStatus.DELIVERED,),
        OrderStatus.CANCELLED: (OrderStatus.CANCELLED,),
    }
    numbers = {}
    for status, steps in walks.items():
        order_id = place(database, tenant)
        move(database, tenant, order_id, *steps)
        numbers[status] = int(order_id.removeprefix("ord_"))
    cards = _card_buttons(client.get("/dashboard/").get_data(as_text=True))
    for status, number in numbers.items():
        allowed = {s.value for s in allowed_transitions(status)}
        buttons, cancellable, payable = cards[number]
        assert buttons == allowed - {"cancelled"}, status
        assert cancellable == ("cancelled" in allowed), status
        assert payable == (status != OrderStatus.CANCELLED), status
        page = client.get(f"/dashboard/orders/ord_{number}").get_data(as_text=True)
        assert set(re.findall(r'name="status" value="([a-z_]+)"', page)) == allowed - {"cancelled"}


def test_an_illegal_move_is_refused_with_the_reason(
    client: FlaskClient, database: Database, tenant: TenantInfo, signed_in: str
) -> None:
    order_id = place(database, tenant)
    move(database, tenant, order_id, OrderStatus.DELIVERED)
    response = client.post(
        f"/dashboard/orders/{order_id}/status",
        data={"status": "confirmed", "csrf_token": signed_in},
        follow_redirects=True,
    )
    assert "Cannot move an order from delivered to confirmed" in response.get_data(as_text=True)
    assert status_of(database, tenant, order_id) == "delivered"
    bogus = client.post(
        f"/dashboard/orders/{order_id}/status",
        data={"status": "teleported", "csrf_token": signed_in},
        follow_redirects=True,
    )
    assert "not accepted" in bogus.get_data(as_text=True)


def test_actions_run_the_core_use_cases_as_the_dashboard(
    client: FlaskClient, database: Database, tenant: TenantInfo, signed_in: str
) -> None:
    order_id = place(database, tenant)
    other_id = place(database, tenant, name="Tunde")
    post: dict[str, Any] = {"csrf_token": signed_in}
    client.post(f"/dashboard/orders/{order_id}/status", data={**post, "status": "confirmed"})
    client.post(f"/dashboard/orders/{order_id}/pay", data={**post, "method": "transfer"})
    client.post(
        f"/dashboard/orders/{other_id}/cancel",
        data={**post, "reason": "out_of_stock", "note": "No more chapman"},
    )
    with database.read() as session:
        paid = use.get_order(session, tenant.id, order_id)
        cancelled = use.get_order(session, tenant.id, other_id)
        actors = set(
            session.scalars(
                select(TimelineEvent.actor).where(
                    TimelineEvent.order_id.in_([paid.id, cancelled.id])
                )
            )
        )
    assert (paid.status, paid.payment_status, paid.amount_paid) == ("confirmed", "paid", 850000)
    assert (cancelled.status, cancelled.cancel_reason, cancelled.cancel_note) == (
        "cancelled", "out_of_stock", "No more chapman",
    )  # fmt: skip
    assert "dashboard" in actors
    page = client.get(f"/dashboard/orders/{order_id}").get_data(as_text=True)
    assert "Payment received" in page and "by dashboard" in page


def test_another_tenants_order_is_not_reachable(
    client: FlaskClient,
    database: Database,
    tenant: TenantInfo,
    other_tenant: TenantInfo,
    signed_in: str,
) -> None:
    theirs = place(database, other_tenant, name="Wanjiru")
    assert client.get(f"/dashboard/orders/{theirs}").status_code == 404
    response = client.post(
        f"/dashboard/orders/{theirs}/status", data={"status": "confirmed", "csrf_token": signed_in}
    )
    assert response.status_code == 404
    assert (
        client.post(
            f"/dashboard/orders/{theirs}/cancel", data={"reason": "fraud", "csrf_token": signed_in}
        ).status_code
        == 404
    )
    assert status_of(database, other_tenant, theirs) == "pending"
    assert "Wanjiru" not in client.get("/dashboard/").get_data(as_text=True)
    with database.read() as session:
        assert (
            session.scalars(select(Order.status).where(Order.tenant_id == other_tenant.id)).one()
            == "pending"
        )


def test_filters_and_search_narrow_the_board(
    client: FlaskClient, database: Database, tenant: TenantInfo, signed_in: str
) -> None:
    place(database, tenant, name="Amara Obi")
    tunde = place(database, tenant, name="Tunde Bakare")
    move(database, tenant, tunde, OrderStatus.CONFIRMED)
    html = client.get("/dashboard/?q=tunde").get_data(as_text=True)
    assert "Tunde Bakare" in html and "Amara Obi" not in html
    html = client.get("/dashboard/?status=pending").get_data(as_text=True)
    assert "Amara Obi" in html and "Tunde Bakare" not in html
    assert 'data-status="confirmed"' not in html
    html = client.get("/dashboard/?payment_status=paid").get_data(as_text=True)
    assert "Amara Obi" not in html
    html = client.get("/dashboard/?channel=api&status=nonsense").get_data(as_text=True)
    assert "Amara Obi" not in html and 'data-status="confirmed"' in html


def test_today_counts_orders_and_revenue(
    client: FlaskClient, database: Database, tenant: TenantInfo, signed_in: str
) -> None:
    """Today's figures are the stats' for today: a cancelled order is counted apart, not in
    the orders, the revenue (gross) or the average, nor in the hours."""
    kept = place(database, tenant)
    cancelled = place(database, tenant)
    move(database, tenant, cancelled, OrderStatus.CANCELLED)
    html = client.get("/dashboard/").get_data(as_text=True)
    assert re.search(r'data-testid="today-orders">1<', html)
    assert re.search(r'data-testid="today-revenue">₦8,500<', html)
    assert re.search(r"<dt>Average order</dt><dd>₦8,500<", html)
    with database.write() as session:
        order = use.get_order(session, tenant.id, kept, lock=True)
        money.record_payment(session, order, PaymentIn(method="cash"), actor="test")
        money.refund_order(session, order, RefundIn(amount=1_500_00), actor="test")
    with database.read() as session:
        figures = board.today(session, get_tenant(session, tenant.id))
        stats = order_stats(session, get_tenant(session, tenant.id), StatsParams(
            created_after=board.local_midnight(get_tenant(session, tenant.id), datetime.now(UTC))
        ))  # fmt: skip
    assert (figures["orders"], figures["revenue"], figures["average"]) == (1, "₦8,500", "₦8,500")
    assert (figures["net"], figures["cancelled"], figures["active"]) == ("₦7,000", 1, 1)
    assert sum(figures["hours"]) == figures["orders"] == stats["order_count"]
    assert stats["net"] == 7_000_00 and stats["gross"] == 8_500_00


def test_the_version_marker_changes_when_an_order_does(
    client: FlaskClient, database: Database, tenant: TenantInfo, signed_in: str
) -> None:
    order_id = place(database, tenant)
    before = client.get("/dashboard/api/version").json["version"]
    assert client.get("/dashboard/api/version").json["version"] == before
    move(database, tenant, order_id, OrderStatus.CONFIRMED)
    assert client.get("/dashboard/api/version").json["version"] != before


def test_messages_that_failed_or_need_a_template_are_listed(
    client: FlaskClient, database: Database, tenant: TenantInfo, signed_in: str
) -> None:
    from bot.outbound import queue_message

    with database.write() as session:
        owner = get_tenant(session, tenant.id)
        for status, body in (
            ("needs_template", "Your order is ready"),
            ("dead", "<b>Hi</b>"),
            ("sent", "Fine"),
        ):
            queue_message(
                session, owner, to_phone="+2348012345678", channel="whatsapp",
                kind="notification", body=body, status=status,
            )  # fmt: skip
    html = client.get("/dashboard/").get_data(as_text=True)
    trouble = html.split('id="trouble-title"', 1)[1]
    assert "Your order is ready" in trouble and "needs template" in trouble
    assert "&lt;b&gt;Hi&lt;/b&gt;" in trouble and "<b>Hi</b>" not in trouble
    assert "Fine" not in trouble
