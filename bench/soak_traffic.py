"""The soak's steady load: customers chatting their way to an order, and API clients.

Every inbound message carries its own MessageSid, signed exactly as Twilio signs it; some
are delivered again (2-3 copies, one after another or at the same moment), and a copy
that fails (a worker killed under it) is retried like Twilio's retry would. API writes
carry an Idempotency-Key and are retried with it until they get an answer. Everything the
server acknowledged goes into the Ledger, which the audit checks against the books.
"""

from __future__ import annotations

import http.client
import json
import random
import re
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from soak_markets import MARKETS
from twilio.request_validator import RequestValidator

MESSAGES_PATH = "/webhooks/twilio/messages"
ACCOUNT_SID = "AC" + "0" * 32
ATTEMPTS = 12  # deliveries of one request before it counts as never answered
LINE = re.compile(r"^• (\d+) × (.+?) — ", re.M)
PLACED = re.compile(r"^✅ .*?\*#(\d+)\*", re.M)
TOTAL = re.compile(r"^\*(?:Total|Jumla): ([^*]+)\*", re.M)


def minor_units(shown: str) -> int:
    """'₦8,500', '₹230' or 'KSh 90' in the currency's minor unit (all three have cents)."""
    return round(float(re.sub(r"[^0-9.]", "", shown)) * 100)


def placed_order(reply: str) -> dict[str, Any] | None:
    """The order a chat reply says was placed: number, lines (name -> quantity), total."""
    placed = PLACED.search(reply)
    total = TOTAL.search(reply)
    if placed is None or total is None:
        return None
    lines = Counter[str]()
    for quantity, name in LINE.findall(reply):
        lines[name] += int(quantity)
    return {
        "number": int(placed.group(1)),
        "lines": dict(lines),
        "total": minor_units(total.group(1)),
    }


def twiml_text(body: str) -> str:
    """The message bodies of a TwiML answer, joined."""
    root = ET.fromstring(body)
    return "\n".join(element.text or "" for element in root.iter("Message"))


@dataclass
class Ledger:
    """What the server acknowledged, and what was sent; shared by every load thread."""

    inbound: dict[str, dict[str, Any]] = field(default_factory=dict)  # sid -> facts
    chat_orders: list[dict[str, Any]] = field(default_factory=list)
    api_orders: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> facts
    status_changes: list[dict[str, Any]] = field(default_factory=list)
    payments: list[dict[str, Any]] = field(default_factory=list)
    replays_differed: list[dict[str, Any]] = field(default_factory=list)  # keyed API writes
    requests: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, kind: str, outcome: str) -> None:
        """One request of `kind` sent, ending in `outcome` (an HTTP status or an error name)."""
        with self.lock:
            self.requests[kind] += 1
            self.outcomes[outcome] += 1

    def as_json(self) -> dict[str, Any]:
        """Everything but the lock."""
        return {
            "inbound": self.inbound, "chat_orders": self.chat_orders,
            "api_orders": self.api_orders, "status_changes": self.status_changes,
            "payments": self.payments, "replays_differed": self.replays_differed,
            "requests": dict(self.requests),
            "outcomes": dict(self.outcomes),
        }  # fmt: skip


class Client:
    """HTTP to the product from one thread: a fresh connection per request (a killed worker
    leaves no half-dead keep-alive behind), retried until answered."""

    def __init__(self, port: int, ledger: Ledger) -> None:
        self.port, self.ledger = port, ledger

    def once(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        """One attempt: (status, body); status 0 when the connection failed."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body or None, headers)
            response = conn.getresponse()
            return response.status, response.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException):
            return 0, ""
        finally:
            conn.close()

    def until_answered(
        self, kind: str, method: str, path: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int, str]:
        """Send until the server answers with anything but a failure (connection lost, 5xx,
        429); the last (status, body)."""
        status, text = 0, ""
        for attempt in range(ATTEMPTS):
            status, text = self.once(method, path, body, headers)
            self.ledger.count(kind, str(status or "connection lost"))
            if status and status < 500 and status != 429:
                return status, text
            time.sleep(min(0.2 * 2**attempt, 5.0))
        return status, text


class Chatter:
    """Customers, one after another, each walking from hello to an order."""

    def __init__(self, client: Client, shops: dict[str, dict[str, Any]], token: str,
                 public_url: str, rng: random.Random, series: int) -> None:  # fmt: skip
        self.client, self.shops, self.rng = client, shops, rng
        self.validator = RequestValidator(token)
        self.url = public_url.rstrip("/") + MESSAGES_PATH
        self.series = series
        self.customers = 0

    def phone(self, market: str) -> str:
        """A number nobody used in this run."""
        self.customers += 1
        return f"{MARKETS[market]['prefix']}{self.series:03d}{self.customers:05d}"

    def walk(self) -> None:
        """One new customer in a random market walks one of its conversations."""
        market = self.rng.choice(sorted(MARKETS))
        phone = self.phone(market)
        for body in self.rng.choice(MARKETS[market]["walks"]):
            answer = self.message(market, phone, body)
            placed = placed_order(answer)
            if placed is not None:
                with self.client.ledger.lock:
                    self.client.ledger.chat_orders.append(
                        {"market": market, "phone": phone, **placed}
                    )

    def form(self, market: str, phone: str, body: str, sid: str) -> tuple[bytes, dict[str, str]]:
        """The signed form Twilio posts for one message."""
        form = {
            "SmsMessageSid": sid, "NumMedia": "0", "ProfileName": "Soak", "SmsSid": sid,
            "WaId": phone[1:], "SmsStatus": "received", "Body": body,
            "To": "whatsapp:" + self.shops[market]["number"], "NumSegments": "1",
            "MessageSid": sid, "AccountSid": ACCOUNT_SID, "From": "whatsapp:" + phone,
            "ApiVersion": "2010-04-01",
        }  # fmt: skip
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": self.validator.compute_signature(self.url, form),
        }
        return urlencode(form).encode(), headers

    def message(self, market: str, phone: str, body: str) -> str:
        """Deliver one message (sometimes 2-3 copies, sometimes at once); the answer's text."""
        sid = "SM" + uuid.uuid4().hex
        data, headers = self.form(market, phone, body, sid)
        facts: dict[str, Any] = {"market": market, "phone": phone, "answers": []}
        with self.client.ledger.lock:
            self.client.ledger.inbound[sid] = facts

        def deliver() -> None:
            status, text = self.client.until_answered(
                "message", "POST", MESSAGES_PATH, data, headers
            )
            with self.client.ledger.lock:
                facts["answers"].append([status, twiml_text(text) if status == 200 else text])

        roll = self.rng.random()
        copies = 1 if roll < 0.7 else self.rng.choice((2, 3))
        if roll >= 0.85:  # the copies at the same moment
            threads = [threading.Thread(target=deliver) for _ in range(copies)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        else:
            for _ in range(copies):
                deliver()
        answered = [text for status, text in facts["answers"] if status == 200]
        return max(answered, key=len, default="")


class Clerk:
    """An API client: creates orders, moves them (and chat orders) along, records payments."""

    def __init__(self, client: Client, shops: dict[str, dict[str, Any]],
                 products: dict[str, list[str]], rng: random.Random, series: int) -> None:  # fmt: skip
        self.client, self.shops, self.products, self.rng = client, shops, products, rng
        self.series = series
        self.made = 0

    def request(self, market: str, kind: str, method: str, path: str,
                payload: dict[str, Any] | None, key: str) -> tuple[int, dict[str, Any]]:  # fmt: skip
        """A keyed API write, retried with its key until answered; sometimes sent once more
        after the answer (a client that never saw it), which must replay the same answer."""
        headers = {
            "Authorization": f"Bearer {self.shops[market]['key']}",
            "Content-Type": "application/json",
            "Idempotency-Key": key,
        }
        body = json.dumps(payload or {}).encode()
        status, text = self.client.until_answered(kind, method, path, body, headers)
        if self.rng.random() < 0.2:
            again, replay = self.client.until_answered(kind, method, path, body, headers)
            if (again, replay) != (status, text):
                with self.client.ledger.lock:
                    self.client.ledger.replays_differed.append(
                        {"key": key, "first": [status, text[:300]], "again": [again, replay[:300]]}
                    )
        try:
            return status, json.loads(text) if text else {}
        except json.JSONDecodeError:
            return status, {}

    def create(self) -> None:
        """POST /v1/orders with 1-3 catalog items; acknowledged orders go into the ledger."""
        market = self.rng.choice(sorted(MARKETS))
        self.made += 1
        key = f"soak-{self.series}-{self.made}-{uuid.uuid4().hex[:8]}"
        chosen = self.rng.sample(self.products[market], self.rng.randint(1, 3))
        items = [{"product_id": p, "quantity": self.rng.randint(1, 3)} for p in chosen]
        phone = f"{MARKETS[market]['prefix']}9{self.series:03d}{self.made:04d}"
        payload = {"customer": {"name": "Soak API", "phone": phone}, "items": items,
                   "metadata": {"soak_key": key}}  # fmt: skip
        facts: dict[str, Any] = {"market": market, "items": items, "acknowledged": False}
        with self.client.ledger.lock:
            self.client.ledger.api_orders[key] = facts
        status, order = self.request(market, "create", "POST", "/v1/orders", payload, key)
        if status == 201:
            with self.client.ledger.lock:
                facts.update(acknowledged=True, order_id=order.get("id"), total=order.get("total"))
            self.advance(market, str(order.get("id")), int(order.get("total") or 0))

    def advance(self, market: str, order_id: str, total: int) -> None:
        """Confirm; maybe take the payment, prepare and deliver; each step keyed and retried."""
        steps = [("status", "confirmed")]
        if self.rng.random() < 0.6:
            steps += [("payment", ""), ("status", "preparing")]
            if self.rng.random() < 0.5:
                steps += [("status", "out_for_delivery"), ("status", "delivered")]
        for step, target in steps:
            key = f"{order_id}-{step}-{target}-{uuid.uuid4().hex[:6]}"
            if step == "status":
                path = f"/v1/orders/{order_id}"
                status, _ = self.request(market, "status", "PATCH", path, {"status": target}, key)
                if status == 200:
                    with self.client.ledger.lock:
                        self.client.ledger.status_changes.append(
                            {"market": market, "order_id": order_id, "status": target}
                        )
            else:
                path = f"/v1/orders/{order_id}/payments"
                body = {"amount": total, "method": "cash", "reference": key}
                status, _ = self.request(market, "payment", "POST", path, body, key)
                if status in (200, 201):
                    with self.client.ledger.lock:
                        self.client.ledger.payments.append(
                            {"market": market, "order_id": order_id, "amount": total, "key": key}
                        )
            if status >= 400:
                return

    def chat_order(self) -> None:
        """Move a chat order the customer was told was placed (its customer hears of it)."""
        with self.client.ledger.lock:
            waiting = [o for o in self.client.ledger.chat_orders if not o.get("advanced")]
            order = self.rng.choice(waiting) if waiting else None
            if order is not None:
                order["advanced"] = True
        if order is not None:
            self.advance(order["market"], f"ord_{order['number']}", order["total"])


def learn_products(port: int, shops: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    """Each market's product ids, from GET /v1/products (available ones with no options)."""
    found: dict[str, list[str]] = {}
    for market, shop in shops.items():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            conn.request("GET", "/v1/products?limit=100",
                         headers={"Authorization": f"Bearer {shop['key']}"})  # fmt: skip
            page = json.loads(conn.getresponse().read())
        finally:
            conn.close()
        found[market] = [
            p["id"] for p in page["data"]
            if p.get("available", True) and not p.get("option_groups")
        ]  # fmt: skip
    return found


def run_load(port: int, shops: dict[str, dict[str, Any]], settings: dict[str, Any],
             ledger: Ledger, stop: threading.Event) -> None:  # fmt: skip
    """Chatters and clerks until `stop` is set; returns when every thread has finished its
    current step (a walk or an order)."""
    rng = random.Random(settings["seed"])
    products = learn_products(port, shops)
    client = Client(port, ledger)

    def chat(n: int) -> None:
        chatter = Chatter(client, shops, settings["token"], settings["public_url"],
                          random.Random(rng.random()), n)  # fmt: skip
        while not stop.is_set():
            chatter.walk()

    def clerk(n: int) -> None:
        worker = Clerk(client, shops, products, random.Random(rng.random()), 500 + n)
        while not stop.is_set():
            worker.create()
            for _ in range(2):  # the business confirms most chat orders
                worker.chat_order()

    threads = [threading.Thread(target=chat, args=(n,)) for n in range(settings["chatters"])]
    threads += [threading.Thread(target=clerk, args=(n,)) for n in range(settings["clerks"])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
