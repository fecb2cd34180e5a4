"""The soak's pure parts (bench/soak_audit.py, bench/soak_traffic.py) stay working: the audit
passes balanced books and names each planted defect; it reads real books (SQLite, and
PostgreSQL when TEST_DATABASE_URL is set) and finds a duplicate planted there. The soak itself
(bench/soak.py) is run by hand; RELIABILITY.md records its runs.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from orders_core.db import Database
from tests.conftest import TenantInfo
from tests.webhooks.twilio_helpers import WhatsApp

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import soak_audit
from soak_audit import Books, audit
from soak_traffic import Ledger, minor_units, placed_order

LAGOS = "+14155238886"
PLACED_EN = (
    "✅ Order *#1001* placed!\n• 2 × Jollof Rice (Large) — ₦7,000\n• 1 × Chapman — ₦1,500\n"
    "*Total: ₦8,500*\n📍 12 Admiralty Way, Lekki"
)


def balanced() -> tuple[Books, dict[str, Any]]:
    """One chat order (confirmed by API, its customer told once) and one API order, whose
    books agree with everything the server acknowledged."""
    customer, to = "+2348100000001", "whatsapp:+2348100000001"
    books = Books(
        tenants={"lagos": 1},
        orders=[
            {"id": 10, "tenant_id": 1, "number": 1001, "channel": "whatsapp",
             "customer_phone": customer, "status": "confirmed", "total": 850000, "meta": {},
             "items": [{"name": "Jollof Rice (Large)", "quantity": 2, "product_code": "prod_jollof"},
                       {"name": "Chapman", "quantity": 1, "product_code": "prod_chapman"}]},
            {"id": 11, "tenant_id": 1, "number": 1002, "channel": "api",
             "customer_phone": "+2348190000001", "status": "pending", "total": 350000,
             "meta": {"soak_key": "k1"},
             "items": [{"name": "Fried Rice", "quantity": 1, "product_code": "prod_friedrice"}]},
        ],
        timeline=[
            {"id": 1, "order_id": 10, "data": {"status": "pending", "channel": "whatsapp"}},
            {"id": 2, "order_id": 11, "data": {"status": "pending", "channel": "api"}},
            {"id": 3, "order_id": 10, "data": {"from": "pending", "to": "confirmed"}},
        ],
        messages=[
            {"id": 1, "tenant_id": 1, "direction": "inbound", "kind": "chat", "status": "received",
             "sid": "SMin1", "to_number": "whatsapp:" + LAGOS, "customer_phone": customer,
             "body": "yes", "content_sid": None, "content_variables": None,
             "payload": {"answered_with": PLACED_EN}, "outbox_event_id": None,
             "dedupe_key": None, "order_id": 10},
            {"id": 2, "tenant_id": 1, "direction": "outbound", "kind": "reply", "status": "sent",
             "sid": None, "to_number": to, "customer_phone": customer, "body": PLACED_EN,
             "content_sid": None, "content_variables": None, "payload": {},
             "outbox_event_id": None, "dedupe_key": None, "order_id": 10},
            {"id": 3, "tenant_id": 1, "direction": "outbound", "kind": "notification",
             "status": "queued", "sid": "SMout1", "to_number": to, "customer_phone": customer,
             "body": "Order #1001 is confirmed", "content_sid": None, "content_variables": None,
             "payload": {}, "outbox_event_id": 7, "dedupe_key": "event:evt_1", "order_id": 10},
        ],
        sends=[{"sid": "SMout1", "to": to, "from": "whatsapp:" + LAGOS,
                "body": "Order #1001 is confirmed", "content_sid": None,
                "content_variables": None}],
    )  # fmt: skip
    ledger = Ledger()
    ledger.inbound["SMin1"] = {
        "market": "lagos", "phone": customer, "answers": [[200, PLACED_EN], [200, PLACED_EN]]
    }  # fmt: skip
    ledger.chat_orders.append({"market": "lagos", "phone": customer, **placed_order(PLACED_EN)})
    ledger.api_orders["k1"] = {
        "market": "lagos", "acknowledged": True, "order_id": "ord_1002", "total": 350000,
        "items": [{"product_id": "prod_friedrice", "quantity": 1}],
    }  # fmt: skip
    ledger.status_changes.append({"market": "lagos", "order_id": "ord_1001", "status": "confirmed"})
    return books, ledger.as_json()


def test_balanced_books_have_no_findings() -> None:
    books, ledger = balanced()
    assert audit(books, ledger) == []


def _duplicate_api_order(books: Books, ledger: dict[str, Any]) -> None:
    books.orders.append({**copy.deepcopy(books.orders[1]), "id": 12, "number": 1003})


def _missing_chat_order(books: Books, ledger: dict[str, Any]) -> None:
    books.orders.pop(0)
    books.timeline[:] = [e for e in books.timeline if e["order_id"] != 10]


def _wrong_total(books: Books, ledger: dict[str, Any]) -> None:
    books.orders[1]["total"] = 1


def _second_confirmation(books: Books, ledger: dict[str, Any]) -> None:
    books.timeline.append({"id": 4, "order_id": 10, "data": {"from": "pending", "to": "confirmed"}})


def _change_never_written(books: Books, ledger: dict[str, Any]) -> None:
    ledger["status_changes"].append(
        {"market": "lagos", "order_id": "ord_1002", "status": "confirmed"}
    )


def _sent_twice(books: Books, ledger: dict[str, Any]) -> None:
    books.sends.append({**books.sends[0], "sid": "SMout2"})


def _notified_twice(books: Books, ledger: dict[str, Any]) -> None:
    again = {**books.messages[2], "id": 4, "sid": "SMout2", "dedupe_key": None}
    books.messages.append(again)
    books.sends.append({**books.sends[0], "sid": "SMout2"})


def _unanswered(books: Books, ledger: dict[str, Any]) -> None:
    books.messages[0]["payload"] = {}
    books.messages.pop(1)


def _stored_twice(books: Books, ledger: dict[str, Any]) -> None:
    books.messages.append({**books.messages[0], "id": 9})


def _copies_differ(books: Books, ledger: dict[str, Any]) -> None:
    ledger["inbound"]["SMin1"]["answers"][1] = [200, ""]


def _stuck(books: Books, ledger: dict[str, Any]) -> None:
    books.messages[2]["status"] = "sending"


PLANTED: dict[str, tuple[Callable[[Books, dict[str, Any]], None], str]] = {
    "duplicate per key": (_duplicate_api_order, "2 orders for Idempotency-Key k1"),
    "missing chat order": (_missing_chat_order, "chat order #1001 (lagos) was placed but is missing"),
    "wrong total": (_wrong_total, "API order ord_1002 (key k1) holds"),
    "status twice": (_second_confirmation, "reached confirmed more than once"),
    "change lost": (_change_never_written, "ord_1002 (lagos) was moved to confirmed (200)"),
    "sent twice": (_sent_twice, "sent 2 times (at "),
    "notified twice": (_notified_twice, "messaged whatsapp:+2348100000001 2 times"),
    "unanswered": (_unanswered, "SMin1 (lagos) is stored but nothing answered it"),
    "stored twice": (_stored_twice, "SMin1 was answered 200 and is stored 2 times"),
    "copies differ": (_copies_differ, "SMin1: copies got different answers"),
    "stuck sending": (_stuck, "1 messages still sending"),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(PLANTED))
def test_audit_names_a_planted_defect(name: str) -> None:
    books, ledger = balanced()
    plant, expected = PLANTED[name]
    plant(books, ledger)
    findings = audit(books, ledger)
    assert any(expected in finding for finding in findings), findings


def test_placed_order_reads_the_confirmation_in_each_market() -> None:
    hinglish = "✅ Order *#1003* place ho gaya!\n• 1 × Veg Thali — ₹180\n• 2 × Vada Pav — ₹50\n*Total: ₹230*"
    swahili = (
        "✅ Oda *#1001* imewekwa!\n• 3 × Chapati — KSh 60\n• 1 × Chai — KSh 30\n*Jumla: KSh 90*"
    )
    assert placed_order(PLACED_EN) == {
        "number": 1001, "lines": {"Jollof Rice (Large)": 2, "Chapman": 1}, "total": 850000
    }  # fmt: skip
    assert placed_order(hinglish) == {
        "number": 1003, "lines": {"Veg Thali": 1, "Vada Pav": 2}, "total": 23000
    }  # fmt: skip
    assert placed_order(swahili)["total"] == 9000  # type: ignore[index]
    assert placed_order("*Your cart:*\n• 2 × Jollof Rice (Large) — ₦7,000\n*Total: ₦7,000*") is None
    assert minor_units("KSh 1,250.50") == 125050


def test_audit_reads_real_books_and_finds_a_planted_duplicate(
    database: Database, client: FlaskClient, tenant: TenantInfo
) -> None:
    """A chat order and a keyed API order made through the real app balance; a second order
    carrying the same soak key (as a duplicate would) is found."""
    customer = "+2348100000002"
    phone = WhatsApp(client, token="test-auth-token", base_url="https://chatorders.example.com",
                     to=LAGOS, from_=customer)  # fmt: skip
    ledger = Ledger()
    answer = ""
    for body in ("2 jollof and a chapman", "yes", "12 Admiralty Way, Lekki", "yes"):
        sent = phone.send(body)
        answer = sent.text
        ledger.inbound[sent.sid] = {
            "market": "lagos",
            "phone": customer,
            "answers": [[200, answer]],
        }
    placed = placed_order(answer)
    assert placed is not None, answer
    ledger.chat_orders.append({"market": "lagos", "phone": customer, **placed})
    body = {"customer": {"name": "Soak", "phone": "+2348190000002"},
            "items": [{"product_id": "prod_friedrice", "quantity": 2}],
            "metadata": {"soak_key": "k-real"}}  # fmt: skip
    headers = {**tenant.headers, "Idempotency-Key": "k-real"}
    created = client.post("/v1/orders", json=body, headers=headers)
    assert created.status_code == 201, created.get_json()
    order = created.get_json()
    ledger.api_orders["k-real"] = {"market": "lagos", "acknowledged": True, "order_id": order["id"],
                                   "total": order["total"], "items": body["items"]}  # fmt: skip
    url = database.engine.url.render_as_string(hide_password=False)

    books = soak_audit.load_books(url, {"lagos": tenant.id}, [])
    assert len(books.orders) == 2
    assert audit(books, ledger.as_json()) == []

    headers["Idempotency-Key"] = "k-real-again"
    assert client.post("/v1/orders", json=body, headers=headers).status_code == 201
    books = soak_audit.load_books(url, {"lagos": tenant.id}, [])
    assert "2 orders for Idempotency-Key k-real" in audit(books, ledger.as_json())
