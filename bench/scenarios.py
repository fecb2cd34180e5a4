"""What the load generator sends: customers walking a WhatsApp order, and REST API requests.

A scenario is plain data (JSON-safe, so it crosses into the load process) describing the
tenants and what to send; `flow(scenario, k)` builds the k-th flow: the requests one
customer (or one API client) sends in order, each waiting for the answer to the one before.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

MESSAGES_PATH = "/webhooks/twilio/messages"
ACCOUNT_SID = "AC" + "0" * 32
# A customer's walk: greet, order a few items, check out, give an address, confirm, ask.
ORDERS = (
    "2 jollof, a chapman and 3 dodo pls",
    "1 fried rice, 2 suya and a zobo",
    "egusi, 2 meat pie and a water",
    "3 puff puff, a grilled chicken and 2 chapman",
    "2 moi moi and 1 jollof rice",
)
ADDRESSES = (
    "12 Allen Avenue, Ikeja",
    "4 Admiralty Way, Lekki",
    "7 Bode Thomas Street, Surulere",
    "22 Herbert Macaulay Way, Yaba",
)
WALK_STEPS = 6
KINDS = ("webhook", "api_create", "api_read")


@dataclass(frozen=True)
class Request:
    """One HTTP request, ready to send."""

    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


def tenant_spec(number: str, key: str, products: list[str], orders: list[str]) -> dict[str, Any]:
    """A tenant as scenarios need it: WhatsApp number, API key, product ids, known order ids."""
    return {"number": number, "key": key, "products": products, "orders": orders}


def scenario(
    kind: str,
    tenants: list[dict[str, Any]],
    *,
    series: int,
    public_url: str = "",
    token: str = "",
    idempotent: bool = False,
) -> dict[str, Any]:
    """A scenario description; `series` (0-999) keeps phone numbers and ids unique per round."""
    if kind not in KINDS:
        raise ValueError(f"unknown scenario kind {kind!r}")
    return {
        "kind": kind,
        "tenants": tenants,
        "series": series % 1000,
        "public_url": public_url.rstrip("/"),
        "token": token,
        "idempotent": idempotent,
    }


def steps(spec: dict[str, Any]) -> int:
    """How many requests one flow of this scenario holds."""
    return {"webhook": WALK_STEPS, "api_create": 1, "api_read": 2}[spec["kind"]]


def phone(spec: dict[str, Any], k: int) -> str:
    """The k-th customer's number (E.164), distinct for every series and k < 1,000,000."""
    return f"+2347{spec['series']:03d}{k % 1_000_000:06d}"


def flow(spec: dict[str, Any], k: int) -> list[Request]:
    """The k-th flow of the scenario: its requests in the order they must be sent."""
    tenant = spec["tenants"][k % len(spec["tenants"])]
    if spec["kind"] == "webhook":
        return walk(spec, tenant, k)
    if spec["kind"] == "api_create":
        return [create_order(spec, tenant, k)]
    return read_orders(tenant, k)


def walk(spec: dict[str, Any], tenant: dict[str, Any], k: int) -> list[Request]:
    """Customer k's WhatsApp walk, each message a form signed as Twilio signs it."""
    number = phone(spec, k)
    bodies = ["hi", ORDERS[k % len(ORDERS)], "yes", ADDRESSES[k % len(ADDRESSES)], "yes", "status"]
    validator = RequestValidator(spec["token"])
    url = spec["public_url"] + MESSAGES_PATH
    requests = []
    for step, body in enumerate(bodies):
        sid = f"SM{spec['series']:06x}{k:018x}{step:08x}"
        form = {
            "SmsMessageSid": sid,
            "NumMedia": "0",
            "ProfileName": f"Customer {k}",
            "SmsSid": sid,
            "WaId": number[1:],
            "SmsStatus": "received",
            "Body": body,
            "To": "whatsapp:" + tenant["number"],
            "NumSegments": "1",
            "MessageSid": sid,
            "AccountSid": ACCOUNT_SID,
            "From": "whatsapp:" + number,
            "ApiVersion": "2010-04-01",
        }
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": validator.compute_signature(url, form),
        }
        requests.append(Request("POST", MESSAGES_PATH, headers, urlencode(form).encode()))
    return requests


def create_order(spec: dict[str, Any], tenant: dict[str, Any], k: int) -> Request:
    """POST /v1/orders with three catalog items (and a unique Idempotency-Key if asked)."""
    products = tenant["products"]
    items = [
        {"product_id": products[(k + i) % len(products)], "quantity": 1 + (k + i) % 3}
        for i in range(3)
    ]
    body = {
        "customer": {"name": f"Customer {k}", "phone": phone(spec, k)},
        "items": items,
        "notes": "bench",
    }
    headers = {"Authorization": f"Bearer {tenant['key']}", "Content-Type": "application/json"}
    if spec["idempotent"]:
        headers["Idempotency-Key"] = f"bench-{spec['series']}-{k}"
    return Request("POST", "/v1/orders", headers, json.dumps(body).encode())


def read_orders(tenant: dict[str, Any], k: int) -> list[Request]:
    """A page of the tenant's orders, then one order of it."""
    headers = {"Authorization": f"Bearer {tenant['key']}"}
    known = tenant["orders"]
    order = known[k % len(known)] if known else "ord_1001"
    return [
        Request("GET", "/v1/orders?limit=25", headers),
        Request("GET", f"/v1/orders/{order}", headers),
    ]
