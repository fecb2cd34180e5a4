"""Keyset pagination stays flat: time GET /v1/orders page 1 against page 1000.

Seeds ~200k orders (bulk insert) for a fresh tenant, then asks the real Flask app for the
first page and for page 1000 (jumping straight to its `starting_after` cursor, which is what
a client walking the pages sends), and prints the median time of each and their ratio.

    .venv/bin/python bench/pagination.py                       # SQLite, temporary file
    .venv/bin/python bench/pagination.py --database-url postgresql://postgres@127.0.0.1/bench
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, text, update

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from orders_core.db import Database
from orders_core.migrate import upgrade
from orders_core.models import Order, OrderItem, Tenant
from orders_core.services.tenants import create_api_key, create_tenant
from orders_core.settings import Settings
from webhooks.app import create_app

BATCH = 20_000
STATUSES = ("pending", "confirmed", "preparing", "out_for_delivery", "delivered", "cancelled")


def seed_orders(database: Database, count: int) -> tuple[int, str]:
    """A new tenant with `count` one-line orders, bulk inserted; its id and an API key."""
    is_pg = database.engine.dialect.name == "postgresql"
    with database.write() as session:
        tenant = create_tenant(session, name=f"bench {time.time_ns()}", currency="NGN")
        key = create_api_key(session, tenant.id, mode="test")
        tenant_id = tenant.id
        next_id = (session.scalar(select(func.max(Order.id))) or 0) + 1
    start = datetime(2024, 1, 1, tzinfo=UTC)
    for offset in range(0, count, BATCH):
        orders, items = [], []
        for n in range(offset, min(offset + BATCH, count)):
            order_id = next_id + n
            orders.append({
                "id": order_id, "tenant_id": tenant_id, "number": 1001 + n,
                "status": STATUSES[n % 6], "payment_status": "unpaid", "channel": "api",
                "customer_phone": f"+23480{n % 10**8:08d}", "customer_name": f"Customer {n}",
                "customer": {}, "currency": "NGN", "subtotal": 350000, "discount": 0, "tax": 0,
                "delivery_fee": 0, "total": 350000, "amount_paid": 0, "amount_refunded": 0,
                "notes": None, "meta": {}, "delivery": {}, "webhook_urls": [], "webhook_meta": {},
                "created_at": start + timedelta(minutes=n), "updated_at": start,
                "status_changed_at": start,
            })  # fmt: skip
            items.append({
                "order_id": order_id, "position": 0, "product_code": "prod_jollof",
                "name": "Jollof Rice (Large)", "quantity": 1, "unit_price": 350000,
                "subtotal": 350000, "refunded_quantity": 0, "fulfilled_quantity": 0,
            })  # fmt: skip
        with database.write() as session:
            session.execute(insert(Order), orders)
            session.execute(insert(OrderItem), items)
    with database.write() as session:
        session.execute(
            update(Tenant).where(Tenant.id == tenant_id).values(next_order_number=1001 + count)
        )
    with database.engine.begin() as conn:
        # Fresh planner statistics, as autovacuum would have after a real day of orders
        # (in a transaction: SQLite's ANALYZE in autocommit mode never lands).
        conn.execute(text("ANALYZE orders") if is_pg else text("ANALYZE"))
        if is_pg:
            conn.execute(text("ANALYZE order_items"))
    return tenant_id, key.secret


def _alternating_medians(
    first: Callable[[], None], deep: Callable[[], None], repeats: int
) -> tuple[float, float]:
    """Median milliseconds of each call, timed in alternation so machine noise hits both alike."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeats):
        for call, bucket in ((first, times[0]), (deep, times[1])):
            began = time.perf_counter()
            call()
            bucket.append((time.perf_counter() - began) * 1000)
    return statistics.median(times[0]), statistics.median(times[1])


def run(url: str, orders: int, page: int, limit: int, repeats: int) -> dict[str, float]:
    """Seed, then time page 1 and page `page`; returns the figures it printed."""
    database = Database.from_url(url)
    upgrade(database.engine)
    began = time.perf_counter()
    _, secret = seed_orders(database, orders)
    seeded = time.perf_counter() - began
    settings = Settings(database_url=url, rate_limit_per_minute=10**9)
    client = create_app(settings, db=database).test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    newest = 1000 + orders
    cursor = f"ord_{newest - (page - 1) * limit + 1}"

    def first() -> None:
        body = client.get(f"/v1/orders?limit={limit}", headers=headers).json
        assert body["data"][0]["id"] == f"ord_{newest}"

    def deep() -> None:
        body = client.get(f"/v1/orders?limit={limit}&starting_after={cursor}", headers=headers).json
        assert body["data"][0]["id"] == f"ord_{newest - (page - 1) * limit}"

    first(), deep()  # warm caches and the connection pool
    page_1, page_n = _alternating_medians(first, deep, repeats)
    backend = database.engine.dialect.name
    print(f"{backend}: {orders:,} orders seeded in {seeded:.1f}s")
    print(f"{backend}: page 1 {page_1:.2f} ms, page {page} {page_n:.2f} ms, "
          f"ratio {page_n / page_1:.2f} (limit={limit}, median of {repeats}, alternating)")  # fmt: skip
    database.dispose()
    return {"page_1_ms": page_1, "page_n_ms": page_n, "ratio": page_n / page_1}


def main() -> None:
    """Parse the arguments and run the benchmark on SQLite and, if given, PostgreSQL."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200_000)
    parser.add_argument("--page", type=int, default=1000)
    parser.add_argument("--limit", type=int, default=25)
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--database-url", help="also run on this (PostgreSQL) database")
    args = parser.parse_args()
    if args.orders < args.page * args.limit:
        parser.error("--orders must cover --page pages of --limit orders")
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{Path(tmp) / 'bench.db'}", args.orders, args.page, args.limit, args.repeats)
    if args.database_url:
        run(args.database_url, args.orders, args.page, args.limit, args.repeats)


if __name__ == "__main__":
    main()
