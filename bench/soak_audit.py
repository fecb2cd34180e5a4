"""The soak's audit: the books (database rows and the fake Twilio's record) against what the
server acknowledged (the ledger). Pure functions over plain data, plus one loader.

Each check returns findings, one sentence each; an empty list means the books balance.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import create_engine, text

FORWARD = ("pending", "confirmed", "preparing", "out_for_delivery", "delivered")
SENT = ("queued", "sent", "delivered", "read")


@dataclass
class Books:
    """The database's rows the audit reads (plain dicts) and the messages Twilio was asked
    to send. orders carry their `items` (name, quantity, product_code)."""

    tenants: dict[str, int]  # market -> tenant id
    orders: list[dict[str, Any]] = field(default_factory=list)
    timeline: list[dict[str, Any]] = field(default_factory=list)  # status_changed events
    messages: list[dict[str, Any]] = field(default_factory=list)
    sends: list[dict[str, Any]] = field(default_factory=list)


def load_books(url: str, tenants: dict[str, int], sends: list[dict[str, Any]]) -> Books:
    """Read the books of a finished run from the database at `url`."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:

            def rows(sql: str) -> list[dict[str, Any]]:
                return [dict(r._mapping) for r in conn.execute(text(sql))]

            orders = rows(
                "SELECT id, tenant_id, number, channel, customer_phone, status, total, "
                "metadata AS meta FROM orders"
            )
            items = defaultdict(list)
            for item in rows("SELECT order_id, name, quantity, product_code FROM order_items"):
                items[item.pop("order_id")].append(item)
            for order in orders:
                order["items"] = items[order["id"]]
                order["meta"] = _json(order["meta"])
            timeline = rows(
                "SELECT id, order_id, data FROM timeline_events "
                "WHERE kind = 'status_changed' ORDER BY id"
            )
            for event in timeline:
                event["data"] = _json(event["data"])
            messages = rows(
                "SELECT id, tenant_id, direction, kind, status, sid, to_number, customer_phone, "
                "body, content_sid, content_variables, payload, outbox_event_id, dedupe_key, "
                "order_id FROM messages ORDER BY id"
            )
            for message in messages:
                message["payload"] = _json(message["payload"])
                message["content_variables"] = _json(message["content_variables"])
    finally:
        engine.dispose()
    return Books(tenants, orders, timeline, messages, sends)


def _json(value: Any) -> Any:
    """A JSON column's value (SQLite hands back text)."""
    return json.loads(value) if isinstance(value, str) else value


def audit(books: Books, ledger: dict[str, Any]) -> list[str]:
    """Every finding of every check."""
    checks = (acknowledged_orders, duplicate_orders, timelines, notifications, sends,
              inbound_messages, stuck_messages, keyed_replays)  # fmt: skip
    return [finding for check in checks for finding in check(books, ledger)]


def _by_number(books: Books) -> dict[tuple[int, int], dict[str, Any]]:
    return {(o["tenant_id"], o["number"]): o for o in books.orders}


def _order_of(books: Books, market: str, order_id: str) -> dict[str, Any] | None:
    number = int(order_id.removeprefix("ord_")) if order_id.startswith("ord_") else -1
    return _by_number(books).get((books.tenants[market], number))


def acknowledged_orders(books: Books, ledger: dict[str, Any]) -> list[str]:
    """Every order the chat said was placed, or the API answered 201 for, exists with the
    lines and total the customer was told."""
    found = []
    orders = _by_number(books)
    for told in ledger["chat_orders"]:
        order = orders.get((books.tenants[told["market"]], told["number"]))
        if order is None:
            found.append(
                f"chat order #{told['number']} ({told['market']}) was placed but is missing"
            )
            continue
        lines = Counter[str]()
        for item in order["items"]:
            lines[item["name"]] += item["quantity"]
        if dict(lines) != told["lines"] or order["total"] != told["total"]:
            found.append(
                f"chat order #{told['number']} ({told['market']}) holds {dict(lines)} for "
                f"{order['total']}, the customer was told {told['lines']} for {told['total']}"
            )
        if order["customer_phone"] != told["phone"]:
            found.append(f"chat order #{told['number']} ({told['market']}) has another customer")
    for key, facts in ledger["api_orders"].items():
        if not facts["acknowledged"]:
            continue
        order = _order_of(books, facts["market"], str(facts["order_id"]))
        if order is None:
            found.append(
                f"API order {facts['order_id']} (key {key}) was answered 201 but is missing"
            )
            continue
        wanted = Counter[str]()
        for item in facts["items"]:
            wanted[item["product_id"]] += item["quantity"]
        held = Counter[str]()
        for item in order["items"]:
            held[item["product_code"]] += item["quantity"]
        if held != wanted or order["total"] != facts["total"]:
            found.append(
                f"API order {facts['order_id']} (key {key}) holds {dict(held)} for "
                f"{order['total']}, answered {dict(wanted)} for {facts['total']}"
            )
    return found


def duplicate_orders(books: Books, ledger: dict[str, Any]) -> list[str]:
    """One order per Idempotency-Key, one per chat customer (each places exactly one)."""
    keys = Counter(o["meta"].get("soak_key") for o in books.orders if o["meta"].get("soak_key"))
    found = [f"{n} orders for Idempotency-Key {k}" for k, n in keys.items() if n > 1]
    chatted = {(books.tenants[m["market"]], m["phone"]) for m in ledger["inbound"].values()}
    placed = Counter(
        (o["tenant_id"], o["customer_phone"]) for o in books.orders if o["channel"] == "whatsapp"
    )
    found += [
        f"{n} chat orders from {phone} (tenant {tenant}), one was confirmed"
        for (tenant, phone), n in placed.items()
        if n > 1 and (tenant, phone) in chatted
    ]
    return found


def timelines(books: Books, ledger: dict[str, Any]) -> list[str]:
    """Each order's status_changed events form one chain from pending to its status, each
    step once; every acknowledged status change is in it."""
    found = []
    events = defaultdict(list)
    for event in books.timeline:
        events[event["order_id"]].append(event["data"])
    reached: dict[int, list[str]] = {}
    for order in books.orders:
        chain = events.get(order["id"], [])
        created = [e for e in chain if "to" not in e]
        moves = [e for e in chain if "to" in e]
        label = f"order #{order['number']} (tenant {order['tenant_id']})"
        if len(created) != 1:
            found.append(f"{label} has {len(created)} creation events")
        path = ["pending"]
        for move in moves:
            if move.get("from") != path[-1]:
                found.append(f"{label}: a move from {move.get('from')} after {path[-1]}")
            path.append(move["to"])
        repeats = [s for s, n in Counter(path).items() if n > 1]
        if repeats:
            found.append(f"{label} reached {', '.join(repeats)} more than once: {path}")
        if path[-1] != order["status"]:
            found.append(f"{label} is {order['status']}, its timeline ends at {path[-1]}")
        reached[order["id"]] = path
    for change in ledger["status_changes"]:
        order = _order_of(books, change["market"], change["order_id"])
        if order is None:
            found.append(f"{change['order_id']} ({change['market']}) moved but is missing")
        elif change["status"] not in reached[order["id"]]:
            found.append(f"{change['order_id']} ({change['market']}) was moved to "
                         f"{change['status']} (200) but its timeline never says so")  # fmt: skip
    return found


def notifications(books: Books, ledger: dict[str, Any]) -> list[str]:
    """At most one message per event and recipient, one per dedupe key."""
    per_event = Counter(
        (m["outbox_event_id"], m["to_number"])
        for m in books.messages
        if m["direction"] == "outbound" and m["outbox_event_id"] is not None
    )
    found = [f"event {e} messaged {to} {n} times" for (e, to), n in per_event.items() if n > 1]
    keys = Counter(m["dedupe_key"] for m in books.messages if m["dedupe_key"])
    return found + [f"dedupe key {k} used {n} times" for k, n in keys.items() if n > 1]


def _content(to: str, body: str | None, content_sid: str | None, variables: Any) -> str:
    """What a recipient sees, comparable between a database row and a Twilio request."""
    if content_sid:
        values = json.loads(variables) if isinstance(variables, str) else variables or {}
        return f"{to}|{content_sid}|{json.dumps(values, sort_keys=True)}"
    return f"{to}|{body or ''}"


def sends(books: Books, ledger: dict[str, Any]) -> list[str]:
    """Twilio got each recorded message once: no send the database does not know of, no
    content sent more often than messages hold it, nothing marked sent that never went."""
    found = []
    outbound = [m for m in books.messages if m["direction"] == "outbound"]
    known = {m["sid"] for m in outbound if m["sid"]}
    sent = {s["sid"] for s in books.sends}
    found += [f"Twilio sent {s['sid']} to {s['to']}; no message row has its sid"
              for s in books.sends if s["sid"] not in known]  # fmt: skip
    found += [f"message {m['id']} is {m['status']} with sid {m['sid']} Twilio never saw"
              for m in outbound if m["sid"] and m["sid"] not in sent]  # fmt: skip
    rows = Counter(
        _content(m["to_number"], m["body"], m["content_sid"], m["content_variables"])
        for m in outbound if m["sid"] in sent
    )  # fmt: skip
    asked: dict[str, list[str]] = defaultdict(list)
    for s in books.sends:
        asked[_content(s["to"], s["body"], s["content_sid"], s["content_variables"])].append(
            str(s.get("at", ""))[11:19]
        )
    found += [f"sent {len(at)} times (at {', '.join(at)}), recorded {rows[c]}: {c[:120]!r}"
              for c, at in asked.items() if len(at) > rows[c]]  # fmt: skip
    return found


def inbound_messages(books: Books, ledger: dict[str, Any]) -> list[str]:
    """Each MessageSid sent is stored once and answered (in the TwiML kept with it, or a reply
    queued for the REST API before the customer's next message), and every copy of it got
    the same answer."""
    found = []
    stored = Counter(m["sid"] for m in books.messages if m["direction"] == "inbound")
    by_phone = defaultdict(list)
    for m in books.messages:
        if m["customer_phone"]:
            by_phone[(m["tenant_id"], m["customer_phone"])].append(m)
    answered = set()
    for thread in by_phone.values():
        for i, m in enumerate(thread):
            if m["direction"] != "inbound":
                continue
            if (m["payload"] or {}).get("answered_with"):
                answered.add(m["sid"])
                continue
            for later in thread[i + 1 :]:
                if later["direction"] == "inbound":
                    break
                if later["kind"] == "reply":
                    answered.add(m["sid"])
                    break
    for sid, facts in ledger["inbound"].items():
        texts = {t for status, t in facts["answers"] if status == 200}
        if not texts:
            found.append(f"{sid} never got a 200: {facts['answers'][-1:]}")
            continue
        if stored[sid] != 1:
            found.append(f"{sid} was answered 200 and is stored {stored[sid]} times")
        elif sid not in answered:
            found.append(f"{sid} ({facts['market']}) is stored but nothing answered it")
        if len(texts) > 1:
            found.append(f"{sid}: copies got different answers {sorted(t[:60] for t in texts)}")
    return found


def stuck_messages(books: Books, ledger: dict[str, Any]) -> list[str]:
    """After the settle period nothing is left `sending`."""
    stuck = [m["id"] for m in books.messages if m["status"] == "sending"]
    return [f"{len(stuck)} messages still sending: {stuck[:10]}"] if stuck else []


def keyed_replays(books: Books, ledger: dict[str, Any]) -> list[str]:
    """A keyed API write sent again got the first answer."""
    return [f"Idempotency-Key {r['key']} answered {r['first'][0]} then {r['again'][0]}"
            for r in ledger["replays_differed"]]  # fmt: skip


def tally(books: Books, column: str) -> dict[str, int]:
    """Outbound messages by `column` (status, kind), for the summary."""
    return dict(Counter(m[column] for m in books.messages if m["direction"] == "outbound"))
