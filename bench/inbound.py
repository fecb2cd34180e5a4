"""Inbound messages per second through the whole Twilio webhook, against an empty-TwiML baseline.

Each message is signed as Twilio signs it and goes through signature check, tenant lookup,
parse, conversation state, order placement when due, commit and TwiML; the baseline is the
same Flask app answering an empty <Response/> from a trivial route registered only here.
Customers follow a realistic script (greet, order, fix, yes, address, yes, status), so about
one message in seven places an order with staff alerts.

    .venv/bin/python bench/inbound.py                      # SQLite, and PostgreSQL if reachable
    .venv/bin/python bench/inbound.py --database-url sqlite:///tmp/x.db --messages 3000
    .venv/bin/python bench/inbound.py --write BENCHMARKS.md
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, Response
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from orders_core.db import Database, make_engine, normalize_url
from orders_core.demo import DEMO_WHATSAPP, seed_demo
from orders_core.migrate import upgrade
from orders_core.settings import Settings
from webhooks.app import create_app

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
BENCH_DB = "bench_inbound"
PUBLIC = "https://chatorders.example.com"
TOKEN = "bench-auth-token"
MESSAGES = "/webhooks/twilio/messages"
EMPTY = "/bench/empty"
SCRIPT = (
    "hi",
    "2 jollof, a chapman and 3 dodo pls",
    "make it 3 jollof",
    "yes",
    "12 Allen Avenue, Ikeja",
    "yes",
    "status",
)
SECTION = "## Inbound webhook (issue 3)"
ROUND = 50


@dataclass(frozen=True)
class Result:
    """One backend's figures."""

    backend: str
    messages: int
    webhook_per_s: float
    empty_per_s: float
    orders: int

    @property
    def ratio(self) -> float:
        """How many times slower the whole webhook is than the empty answer."""
        return self.empty_per_s / self.webhook_per_s


def forms(count: int, customers: int) -> Iterator[dict[str, str]]:
    """`count` inbound forms: each customer walks through SCRIPT, over and over."""
    for n in range(count):
        phone = f"+23481{n % customers:08d}"
        body = SCRIPT[(n // customers) % len(SCRIPT)]
        sid = f"SM{n:032x}"
        yield {
            "MessageSid": sid,
            "SmsMessageSid": sid,
            "SmsSid": sid,
            "AccountSid": "AC" + "0" * 32,
            "From": f"whatsapp:{phone}",
            "To": f"whatsapp:{DEMO_WHATSAPP}",
            "Body": body,
            "NumMedia": "0",
            "NumSegments": "1",
            "ProfileName": f"Customer {n % customers}",
            "WaId": phone[1:],
            "ApiVersion": "2010-04-01",
        }


def prepare(url: str) -> Database:
    """A freshly migrated database with the demo tenant and menu."""
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(engine)
    engine.dispose()
    database = Database.from_url(url)
    with database.write() as session:
        seed_demo(session)
    return database


def bench_app(database: Database) -> Flask:
    """The real app, plus the trivial empty-TwiML route used as the baseline."""
    settings = Settings(
        database_url=database.engine.url.render_as_string(hide_password=False),
        public_base_url=PUBLIC,
        twilio_auth_token=TOKEN,
    )
    app = create_app(settings, db=database)
    empty = MessagingResponse().to_xml()

    @app.post(EMPTY)
    def _empty() -> Response:
        return Response(empty, content_type="text/xml")

    return app


def elapsed(post: Callable[[dict[str, str]], int], batch: list[dict[str, str]]) -> float:
    """Seconds taken to post every form of `batch`; every answer must be 200."""
    started = time.perf_counter()
    for form in batch:
        status = post(form)
        if status != 200:
            raise SystemExit(f"unexpected HTTP {status} for {form['Body']!r}")
    return time.perf_counter() - started


def run(url: str, backend: str, count: int, customers: int) -> Result:
    """Measure one backend: a warm-up, then the webhook and the baseline on the same forms."""
    database = prepare(url)
    client = bench_app(database).test_client()
    validator = RequestValidator(TOKEN)
    signed = [
        (form, validator.compute_signature(PUBLIC + MESSAGES, form))
        for form in forms(count + customers, customers)
    ]
    warmup, measured = signed[:customers], signed[customers:]
    signatures = {form["MessageSid"]: signature for form, signature in signed}

    def webhook(form: dict[str, str]) -> int:
        headers = {"X-Twilio-Signature": signatures[form["MessageSid"]]}
        return client.post(MESSAGES, data=form, headers=headers).status_code

    def baseline(form: dict[str, str]) -> int:
        return client.post(EMPTY, data=form).status_code

    elapsed(webhook, [form for form, _ in warmup])
    elapsed(baseline, [form for form, _ in warmup])
    # Alternate small rounds of both, so a busy neighbour slows both sides alike.
    batch = [form for form, _ in measured]
    webhook_time = empty_time = 0.0
    for start in range(0, len(batch), ROUND):
        webhook_time += elapsed(webhook, batch[start : start + ROUND])
        empty_time += elapsed(baseline, batch[start : start + ROUND])
    with database.read() as session:
        orders = int(session.execute(text("SELECT count(*) FROM orders")).scalar_one())
    database.dispose()
    return Result(backend, count, count / webhook_time, count / empty_time, orders)


def postgres_url(url: str) -> str | None:
    """A URL to a bench database next to `url` (created if missing), or None if unreachable."""
    parsed = make_url(normalize_url(url))
    admin = make_engine(parsed.set(database="postgres").render_as_string(hide_password=False))
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": BENCH_DB}
            ).first()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{BENCH_DB}"'))
    except OperationalError:
        return None
    finally:
        admin.dispose()
    return parsed.set(database=BENCH_DB).render_as_string(hide_password=False)


def table(results: list[Result]) -> str:
    """The figures as a Markdown table."""
    rows = [
        "| backend | messages | whole webhook msgs/s | empty TwiML msgs/s | ratio | orders placed |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    rows += [
        f"| {r.backend} | {r.messages} | {r.webhook_per_s:,.0f} | {r.empty_per_s:,.0f} "
        f"| {r.ratio:.1f}× | {r.orders} |"
        for r in results
    ]
    return "\n".join(rows)


def write_section(path: Path, body: str) -> None:
    """Replace (or append) this benchmark's section of BENCHMARKS.md, leaving others alone."""
    current = path.read_text("utf-8") if path.exists() else "# Benchmarks\n"
    section = f"{SECTION}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    if pattern.search(current):
        updated = pattern.sub(lambda _: section + "\n", current, count=1)
    else:
        updated = current.rstrip("\n") + "\n\n" + section
    path.write_text(updated.rstrip("\n") + "\n", "utf-8")


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark on each backend and print msgs/s and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", action="append", help="repeatable; default: both")
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--customers", type=int, default=50)
    parser.add_argument("--write", type=Path, help="update this section of BENCHMARKS.md")
    args = parser.parse_args(argv)

    load = os.getloadavg()[0]
    targets: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for url in args.database_url or [f"sqlite:///{tmp}/bench.db", DEFAULT_PG]:
            if normalize_url(url).startswith("postgresql"):
                bench_url = postgres_url(url)
                if bench_url is None:
                    print(f"skipping PostgreSQL: {url} is not reachable", file=sys.stderr)
                    continue
                targets.append(("PostgreSQL", bench_url))
            else:
                path = make_url(url).database
                if path and Path(path).exists():
                    raise SystemExit(f"{path} exists; give the path of a new SQLite file")
                targets.append(("SQLite (file, WAL)", url))
        results = []
        for backend, url in targets:
            result = run(url, backend, args.messages, args.customers)
            print(
                f"{backend}: whole webhook {result.webhook_per_s:,.0f} msgs/s, "
                f"empty TwiML {result.empty_per_s:,.0f} msgs/s, ratio {result.ratio:.1f}x "
                f"({result.orders} orders placed)"
            )
            results.append(result)
    if args.write and results:
        notes = (
            f"`.venv/bin/python bench/inbound.py --messages {args.messages}`: one process, "
            "Flask test client (no HTTP server), sequential requests, "
            f"{args.customers} customers each walking greet → order 3 items → fix → YES → "
            "address → YES → status, so one message in seven places an order and queues a staff alert. "
            "The baseline is the same app answering an empty `<Response/>` from a bench-only "
            f"route, measured in alternating rounds of {ROUND} messages with the webhook. "
            f"Python {platform.python_version()}, {platform.machine()}, "
            f"{os.cpu_count()} CPUs (load average {load:.1f} when it started: the machine was "
            "shared, so compare the ratio within a run more than the absolute figures), "
            "PostgreSQL on localhost with default durability (fsync on commit).\n\n"
        )
        write_section(args.write, notes + table(results))


if __name__ == "__main__":
    main()
