"""The board and the order page for getting paid: "Awaiting payment", a transfer proof with
Approve / Reject (reason), the order's proofs and payment links; roles and CSRF hold."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from bot.payments.asking import prepare_links
from orders_core.db import Database
from orders_core.domain import OrderStatus
from orders_core.models import Message, OutboxEvent, Payment, TransferProof
from orders_core.services import orders as use
from orders_core.services.tenants import get_tenant, update_tenant_settings
from orders_core.services.transfer_proofs import attach_transfer_proof
from tests.conftest import TenantInfo
from tests.webhooks.staff_helpers import act_as, add_account
from tests.webhooks.test_pages import move, place, sign_in

PICTURE = "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"
ASK_FIRST = {
    "methods": ["local", "bank_transfer"],
    "ask": "before_preparing",
    "bank_transfer_details": "GTBank 0123456789",
}


def set_payments(database: Database, tenant: TenantInfo, payments: dict[str, Any]) -> None:
    with database.write() as session:
        update_tenant_settings(session, get_tenant(session, tenant.id), {"payments": payments})


def attach(database: Database, tenant: TenantInfo, order_id: str, url: str = PICTURE) -> None:
    with database.write() as session:
        order = use.get_order(session, tenant.id, order_id, lock=True)
        attach_transfer_proof(session, order, url, content_type="image/jpeg")


def card_html(page: str, number: int) -> str:
    found = re.search(rf'<article class="card" data-order="{number}".*?</article>', page, re.S)
    assert found, f"no card {number}"
    return found.group(0)


def proof_row(database: Database) -> TransferProof:
    with database.read() as session:
        return session.scalars(select(TransferProof)).one()


@pytest.fixture
def confirmed(database: Database, tenant: TenantInfo) -> str:
    """An order confirmed by a business that asks for payment first, its link made."""
    set_payments(database, tenant, ASK_FIRST)
    order_id = place(database, tenant)
    move(database, tenant, order_id, OrderStatus.CONFIRMED)
    prepare_links(database, "http://127.0.0.1:5000")
    return order_id


def test_an_asked_unpaid_order_awaits_payment_on_the_board(
    client: FlaskClient, database: Database, tenant: TenantInfo, confirmed: str
) -> None:
    waiting = place(database, tenant, name="Not Asked Yet")  # pending: not asked yet
    sign_in(client, tenant.key)
    page = client.get("/dashboard/").get_data(as_text=True)
    assert "Awaiting payment" in card_html(page, int(confirmed[4:]))
    assert "Awaiting payment" not in card_html(page, int(waiting[4:]))
    set_payments(database, tenant, {**ASK_FIRST, "ask": "on_delivery"})
    page = client.get("/dashboard/").get_data(as_text=True)
    assert "Awaiting payment" not in card_html(page, int(confirmed[4:]))


def test_a_waiting_proof_shows_its_picture_and_approve_records_the_payment(
    client: FlaskClient, database: Database, tenant: TenantInfo, confirmed: str
) -> None:
    attach(database, tenant, confirmed)
    token = sign_in(client, tenant.key)
    number = int(confirmed[4:])
    card = card_html(client.get("/dashboard/").get_data(as_text=True), number)
    assert f'<img src="{PICTURE}"' in card and "Approve" in card and 'name="reason"' in card
    refused = client.post(f"/dashboard/orders/{confirmed}/proof/approve", data={"next": "/"})
    assert refused.status_code in (400, 403) and proof_row(database).status == "pending"

    done = client.post(
        f"/dashboard/orders/{confirmed}/proof/approve",
        data={"csrf_token": token, "next": "/dashboard/"},
    )
    assert done.status_code == 303 and done.headers["Location"].endswith("/dashboard/")
    assert proof_row(database).status == "approved"
    with database.read() as session:
        assert session.scalars(select(Payment.method)).all() == ["transfer"]
        kinds = session.scalars(select(OutboxEvent.type)).all()
    assert "payment.recorded" in kinds  # the customer is told it was received
    page = client.get("/dashboard/").get_data(as_text=True)
    assert "transfer approved" in page and "Awaiting payment" not in card_html(page, number)
    again = client.post(f"/dashboard/orders/{confirmed}/proof/approve", data={"csrf_token": token})
    assert again.status_code == 303
    assert "no transfer proof waiting" in client.get("/dashboard/").get_data(as_text=True)


def test_reject_needs_a_reason_and_tells_the_customer(
    client: FlaskClient, database: Database, tenant: TenantInfo, confirmed: str
) -> None:
    attach(database, tenant, confirmed)
    token = sign_in(client, tenant.key)
    path = f"/dashboard/orders/{confirmed}/proof/reject"
    client.post(path, data={"csrf_token": token, "reason": "   "})
    assert "Say why the transfer was not found" in client.get("/dashboard/").get_data(as_text=True)
    assert proof_row(database).status == "pending"
    client.post(path, data={"csrf_token": token, "reason": "Amount does not match"})
    proof = proof_row(database)
    assert (proof.status, proof.reason, proof.decided_by) == (
        "rejected",
        "Amount does not match",
        "dashboard",
    )
    with database.read() as session:
        bodies = session.scalars(select(Message.body).where(Message.kind == "notification")).all()
    assert any(
        "could not confirm your transfer" in b and "Amount does not match" in b for b in bodies
    )


def test_the_order_page_lists_proofs_and_payment_links(
    client: FlaskClient, database: Database, tenant: TenantInfo, confirmed: str
) -> None:
    attach(database, tenant, confirmed)
    token = sign_in(client, tenant.key)
    client.post(
        f"/dashboard/orders/{confirmed}/proof/reject",
        data={"csrf_token": token, "reason": "Blurry picture"},
    )
    attach(database, tenant, confirmed)
    page = client.get(f"/dashboard/orders/{confirmed}").get_data(as_text=True)
    assert "Getting paid" in page and "Awaiting payment" in page
    assert page.count('data-testid="proof"') == 1  # the new one waits, with its buttons
    assert 'data-testid="proof-rejected"' in page and "Blurry picture" in page
    links = re.search(r'<table class="links".*?</table>', page, re.S)
    assert links, page
    assert re.search(r"http://127\.0\.0\.1:5000/pay/\S+</a></td><td>local</td>", links.group(0))
    assert ">created<" in links.group(0)


def test_a_picture_address_that_is_not_a_web_address_is_not_linked(
    client: FlaskClient, database: Database, tenant: TenantInfo, confirmed: str
) -> None:
    attach(database, tenant, confirmed, url='javascript:alert(1)//"><script>x</script>')
    sign_in(client, tenant.key)
    page = client.get(f"/dashboard/orders/{confirmed}").get_data(as_text=True)
    assert "javascript:" not in page and "<script>x" not in page
    assert "not a web address" in page


def test_the_kitchen_cannot_decide_proofs(
    client: FlaskClient, database: Database, tenant: TenantInfo, confirmed: str
) -> None:
    attach(database, tenant, confirmed)
    token = act_as(client, tenant.id, add_account(database, tenant.id, "kitchen"))
    answer = client.post(f"/dashboard/orders/{confirmed}/proof/approve", data={"csrf_token": token})
    assert answer.status_code == 403 and proof_row(database).status == "pending"
    counter = act_as(client, tenant.id, add_account(database, tenant.id, "counter"))
    answer = client.post(
        f"/dashboard/orders/{confirmed}/proof/approve", data={"csrf_token": counter}
    )
    assert answer.status_code == 303 and proof_row(database).status == "approved"


def test_an_unknown_order_is_a_404(client: FlaskClient, tenant: TenantInfo) -> None:
    token = sign_in(client, tenant.key)
    answer = client.post("/dashboard/orders/ord_999999/proof/approve", data={"csrf_token": token})
    assert answer.status_code == 404
