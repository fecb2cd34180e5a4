"""Dispatch N outbox events (status changes of WhatsApp orders) through the real dispatcher
and the real twilio library on a counting HTTP client; compare with the bare cost of
calling client.messages.create N times; check that memory stays flat.

    .venv/bin/python bench/dispatch.py [--events 100000] [--database-url URL] [--write]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert, text
from twilio.http import HttpClient
from twilio.http.response import Response
from twilio.rest import Client

from bot.channels import TwilioChannel
from bot.planning import plan_outbox
from bot.sending import send_messages
from orders_core.db import Database
from orders_core.demo import demo_menu
from orders_core.migrate import upgrade
from orders_core.models import Customer, Order, OutboxEvent, utcnow
from orders_core.presenters import order_payload
from orders_core.schemas import OrderCreate
from orders_core.services.catalog import import_menu
from orders_core.services.placing import place_order
from orders_core.services.tenants import create_tenant
from orders_core.settings import Settings

SID, TOKEN = "AC" + "0" * 32, "bench-token"
CUSTOMERS = 1000
SECTION = "## Notifications dispatch (issue 4)"


class CountingHttpClient(HttpClient):
    """Answers every request with Twilio's 201, keeping only a count (flat memory)."""

    def __init__(self) -> None:
        super().__init__(logger=None, is_async=False)  # type: ignore[arg-type]
        self.count = 0
        self._lock = threading.Lock()  # the dispatcher sends from several threads

    def request(self, method: str, uri: str, *args: Any, **kwargs: Any) -> Response:
        """Count the request and accept it with a fresh sid."""
        with self._lock:
            self.count += 1
            number = self.count
        return Response(201, json.dumps({"sid": f"SM{number:032x}", "status": "queued"}))


def seed(database: Database, events: int) -> None:
    """A tenant, CUSTOMERS customers inside the window, `events` confirmed-order events."""
    now = utcnow()
    with database.write() as session:
        tenant = create_tenant(
            session, name="Bench Kitchen", currency="NGN", timezone="Africa/Lagos",
            whatsapp_number="+14155238886", staff=["+2348000000001"],
        )  # fmt: skip
        import_menu(session, tenant.id, demo_menu())
        sample = place_order(
            session,
            tenant,
            OrderCreate.model_validate(
                {"customer": {"phone": "+2348010000000", "name": "Ada"}, "channel": "whatsapp",
                 "items": [{"product_id": "prod_jollof", "quantity": 2},
                           {"product_id": "prod_chicken", "quantity": 1}]}
            ),
        )  # fmt: skip
        template = {**order_payload(sample), "status": "confirmed"}
        tenant_id = tenant.id
        session.execute(text("DELETE FROM outbox"))
        session.execute(
            insert(Customer),
            [
                {"tenant_id": tenant_id, "phone": f"+234802{n:07d}", "whatsapp": True,
                 "last_inbound_at": now, "created_at": now, "updated_at": now}
                for n in range(CUSTOMERS)
            ],
        )  # fmt: skip
    chunk = 5000
    for start in range(0, events, chunk):
        numbers = range(start, min(events, start + chunk))
        with database.write() as session:
            orders = [
                {"tenant_id": tenant_id, "number": 2000 + n, "status": "confirmed",
                 "payment_status": "unpaid", "channel": "whatsapp",
                 "customer_phone": f"+234802{n % CUSTOMERS:07d}", "customer": {},
                 "currency": "NGN", "subtotal": template["subtotal"], "total": template["total"],
                 "meta": {}, "delivery": {}, "webhook_urls": [], "webhook_meta": {},
                 "created_at": now, "updated_at": now, "status_changed_at": now}
                for n in numbers
            ]  # fmt: skip
            ids = dict(
                session.execute(insert(Order).returning(Order.number, Order.id), orders).all()
            )
            rows = []
            for n in numbers:
                phone = f"+234802{n % CUSTOMERS:07d}"
                payload = {**template, "id": f"ord_{2000 + n}", "number": 2000 + n,
                           "customer": {"phone": phone, "name": "Ada"}}  # fmt: skip
                rows.append(
                    {"public_id": f"evt_bench{n:012d}", "tenant_id": tenant_id,
                     "order_id": ids[2000 + n], "type": "order.status_changed",
                     "created_at": now, "data": {"order": payload, "previous_status": "pending"}}
                )  # fmt: skip
            session.execute(insert(OutboxEvent), rows)


def run_dispatch(
    database: Database, settings: Settings, events: int, memory: bool
) -> dict[str, float]:
    """Dispatch everything; seconds taken and (with `memory`) tracemalloc peaks at 10%/100%
    and the SQL statements sent (BEGIN included)."""
    http = CountingHttpClient()
    channel = TwilioChannel(SID, TOKEN, http_client=http)
    now = utcnow() + timedelta(seconds=1)
    figures: dict[str, float] = {}
    if memory:
        figures["statements"] = 0

        def count(*_args: Any) -> None:
            figures["statements"] += 1

        event.listen(database.engine, "before_cursor_execute", count)
        tracemalloc.start()
    started = time.perf_counter()
    planned = 0
    while True:
        done = plan_outbox(database, now=now, limit=500)
        sent = send_messages(database, channel, settings, now=now, limit=500)
        planned += done
        if memory and "peak_10" not in figures and http.count >= events // 10:
            figures["peak_10"] = tracemalloc.get_traced_memory()[1]
        if not done and not sent:
            break
    figures["seconds"] = time.perf_counter() - started
    if memory:
        figures["peak_100"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        event.remove(database.engine, "before_cursor_execute", count)
    assert planned == events and http.count == events, (planned, http.count)
    return figures


def bare_cost(events: int) -> float:
    """Seconds to call client.messages.create `events` times on the counting client."""
    client = Client(SID, TOKEN, http_client=CountingHttpClient())
    started = time.perf_counter()
    for n in range(events):
        client.messages.create(
            to=f"whatsapp:+234802{n % CUSTOMERS:07d}", from_="whatsapp:+14155238886",
            body="Bench Kitchen: your order #1001 is confirmed", status_callback="https://x/status",
        )  # fmt: skip
    return time.perf_counter() - started


def fresh_database(url: str | None, folder: Path, name: str) -> Database:
    """A migrated, empty database: a new SQLite file, or the given URL emptied."""
    database = Database.from_url(url or f"sqlite:///{folder / name}")
    if database.engine.dialect.name == "postgresql":
        with database.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(database.engine)
    return database


def timed(label: str, work: Callable[[], Any]) -> Any:
    """Run `work`, printing how long it took."""
    started = time.perf_counter()
    result = work()
    print(f"{label}: {time.perf_counter() - started:.1f}s")
    return result


def write_section(body: str) -> None:
    """Replace (or add) this benchmark's section of BENCHMARKS.md."""
    path = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"
    current = path.read_text() if path.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"{re.escape(SECTION)}\n.*?(?=\n## |\Z)", re.S)
    section = f"{SECTION}\n\n{body.strip()}\n"
    updated = (
        pattern.sub(section, current) if SECTION in current else current.rstrip() + "\n\n" + section
    )
    path.write_text(updated)


def main() -> None:
    """Parse arguments, run both measurements, print (and optionally write) the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--write", action="store_true", help="update BENCHMARKS.md")
    args = parser.parse_args()
    settings = Settings(twilio_account_sid=SID, twilio_auth_token=TOKEN, secret_key="bench")
    with tempfile.TemporaryDirectory() as folder:
        results = {}
        for label, memory in (("speed", False), ("memory", True)):
            database = fresh_database(args.database_url, Path(folder), f"{label}.db")
            timed(f"seed {args.events} events ({label})", lambda d=database: seed(d, args.events))
            results[label] = run_dispatch(database, settings, args.events, memory)
            with database.read() as session:
                statuses = session.execute(
                    text("SELECT status, count(*) FROM messages GROUP BY status")
                ).all()
            print(f"{label}: {results[label]}  messages: {statuses}")
            database.dispose()
        bare = bare_cost(args.events)
    backend = "PostgreSQL" if args.database_url else "SQLite (file, WAL)"
    speed, memory = results["speed"], results["memory"]
    rate, bare_rate = args.events / speed["seconds"], args.events / bare
    growth = memory["peak_100"] / memory["peak_10"]
    load = os.getloadavg()[0]
    url = f" --database-url {args.database_url}" if args.database_url else ""
    report = f"""
`.venv/bin/python bench/dispatch.py --events {args.events}{url}` on {backend}, {time.strftime("%Y-%m-%d")}
({os.cpu_count()} CPUs, load average {load:.1f} at the end).
{args.events:,} outbox events (`order.status_changed` of WhatsApp orders, customers inside the
24-hour window) planned into messages and sent through the real twilio library (its HTTP
client answers 201 at once). Batches of 500: one transaction plans a batch of events
into messages (a fixed handful of statements per batch), one claims a batch of messages
and commits them as `sending` before any send, then each send's result is committed on
its own as soon as Twilio answers (one UPDATE).

| measure | figure |
|---|---|
| dispatch | {rate:,.0f} events/s ({speed["seconds"]:.1f} s) |
| bare `client.messages.create` on the same HTTP stub | {bare_rate:,.0f} calls/s ({bare:.1f} s) |
| dispatch cost / bare Twilio-library cost | {speed["seconds"] / bare:.1f}x |
| SQL statements per event (BEGIN included) | {memory["statements"] / args.events:.2f} |
| tracemalloc peak after 10% of events | {memory["peak_10"] / 1e6:.1f} MB |
| tracemalloc peak after 100% of events | {memory["peak_100"] / 1e6:.1f} MB ({growth:.2f}x of the 10% peak) |
"""
    print(report)
    if args.write:
        write_section(report)


if __name__ == "__main__":
    main()
