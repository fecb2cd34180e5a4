"""Stats, search and list pages at a million orders: median and p99 through the real app.

Seeds N orders with their items (default 1,000,000) for one business, plus a twentieth of
that for each of three other businesses so the tenant filter matters, in a child process
(COPY on PostgreSQL, executemany on SQLite), then VACUUM/ANALYZE as autovacuum would have.
Then asks the real Flask app, authenticated, in round-robin so noise hits every case alike:
stats over the default range (last 30 days) and over every order, `q=` with a common name,
a rare name, phone digits, an order number and one- or two-character text, and the list's
first page against its deepest one. Prints a table with the issue's targets.

    .venv/bin/python bench/big_orders.py                       # SQLite, temporary file
    .venv/bin/python bench/big_orders.py --database-url postgresql://postgres@127.0.0.1/bench_big
    .venv/bin/python bench/big_orders.py --database-url sqlite:////tmp/big.db --reuse
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text, update

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from orders_core.db import Database
from orders_core.migrate import upgrade
from orders_core.models import Order, OrderItem, Tenant
from orders_core.services.tenants import create_api_key, create_tenant
from orders_core.settings import Settings
from webhooks.app import create_app

TENANT_NAME = "big_orders bench"
OTHER_TENANTS = 3
BATCH = 50_000
SPAN = timedelta(days=365)
FIRST_NAMES = (
    "Amara", "Chidi", "Bola", "Ngozi", "Tunde", "Funke", "Emeka", "Aisha", "Kemi", "Ifeanyi",
    "Wanjiru", "Otieno", "Akinyi", "Kamau", "Priya", "Rahul", "Anjali", "Vikram", "Kwame",
    "Kofi", "Efua", "Yaw", "Abena", "Musa", "Halima", "Sani", "Chiamaka", "Obinna", "Nkechi",
    "Segun", "Yetunde", "Achieng", "Njeri", "Mwangi", "Deepa", "Arjun", "Sneha", "Rohan",
    "Adébáyọ̀", "Ọlájídé",
)  # fmt: skip
LAST_NAMES = (
    "Obi", "Okafor", "Adeyemi", "Balogun", "Eze", "Nwosu", "Bello", "Ibrahim", "Mensah",
    "Owusu", "Kimani", "Odhiambo", "Mutua", "Sharma", "Patel", "Iyer", "Nair", "Reddy",
    "Boateng", "Asante", "Danjuma", "Olawale", "Chukwu", "Onyeka",
)  # fmt: skip
NOTES = (
    "leave at the gate", "call when you arrive", "extra pepper please", "no onions",
    "deliver to the back door", "ring twice", "change for 5000", "office reception",
)  # fmt: skip
PRODUCTS = (("prod_jollof", "Jollof Rice (Large)", 350000), ("prod_chapman", "Chapman", 150000),
            ("prod_suya", "Suya (Beef)", 250000), ("prod_puff", "Puff-puff (10)", 100000))  # fmt: skip
RARE_NAME = "Ifeoma Oyelaran"  # one order in 50,000
RARE_EVERY = 50_000
REGULAR = 777  # a customer who orders once in 10,000 orders besides by chance: q=<phone digits>
REGULAR_EVERY = 10_000
STATUSES = (("delivered", 70), ("cancelled", 8), ("pending", 6), ("confirmed", 6),
            ("preparing", 5), ("out_for_delivery", 5))  # fmt: skip
TARGETS = {  # (PostgreSQL, SQLite) targets of issue 9, milliseconds
    "stats": (300.0, 1000.0),
    "search": (50.0, 200.0),
    "list p99": (20.0, 20.0),
}


def _phone(customer: int) -> str:
    """A stable, spread-out E.164 number for customer `customer`."""
    return f"+2348{customer * 7_919 % 10**9:09d}"


def order_rows(
    tenant_id: int, first_id: int, count: int, now: datetime, rng: random.Random
) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """`count` orders numbered from 1001 with their items, spread evenly over the last year."""
    customers = max(1_000, count // 5)
    weights = [1 / (rank + 1) ** 0.5 for rank in range(len(FIRST_NAMES))]
    firsts = rng.choices(FIRST_NAMES, weights, k=customers)
    statuses = [name for name, share in STATUSES for _ in range(share)]
    step = SPAN / max(count, 1)
    start = now - SPAN
    for n in range(count):
        customer = REGULAR if n % REGULAR_EVERY == 3 else rng.randrange(customers)
        name = f"{firsts[customer]} {LAST_NAMES[customer % len(LAST_NAMES)]}"
        if n % RARE_EVERY == 17:
            name = RARE_NAME
        status = statuses[rng.randrange(len(statuses))]
        created = start + step * n
        items, subtotal = [], 0
        for position in range(1 + n % 3):
            code, title, price = PRODUCTS[(n + position) % len(PRODUCTS)]
            quantity = 1 + (n + position) % 2
            subtotal += price * quantity
            items.append({
                "order_id": first_id + n, "position": position, "product_code": code,
                "name": title, "quantity": quantity, "unit_price": price,
                "subtotal": price * quantity, "refunded_quantity": 0, "fulfilled_quantity": 0,
            })  # fmt: skip
        paid = status in ("delivered", "out_for_delivery") or n % 4 == 0
        yield {
            "id": first_id + n, "tenant_id": tenant_id, "number": 1001 + n, "status": status,
            "payment_status": "paid" if paid else "unpaid", "channel": ("whatsapp", "api")[n % 2],
            "customer_id": None, "customer_phone": _phone(customer), "customer_name": name,
            "customer": {}, "currency": "NGN", "subtotal": subtotal, "discount": 0, "tax": 0,
            "delivery_fee": 0, "total": subtotal, "amount_paid": subtotal if paid else 0,
            "amount_refunded": 0, "notes": NOTES[n % len(NOTES)] if n % 7 == 0 else None,
            "meta": {}, "delivery": {}, "webhook_urls": [], "webhook_meta": {},
            "created_at": created, "updated_at": created, "status_changed_at": created,
        }, items  # fmt: skip


def _copy(database: Database, rows: list[dict[str, Any]], items: list[dict[str, Any]]) -> None:
    """Append rows with PostgreSQL's COPY (metadata is the column behind `meta`)."""
    raw = database.engine.raw_connection()
    try:
        connection = raw.driver_connection
        for table, batch in (("orders", rows), ("order_items", items)):
            columns = [("metadata" if c == "meta" else c) for c in batch[0]]
            with connection.cursor() as cur, cur.copy(
                f"COPY {table} ({', '.join(columns)}) FROM STDIN"
            ) as copy:  # fmt: skip
                for row in batch:
                    copy.write_row([_copy_value(v) for v in row.values()])
        connection.commit()
    finally:
        raw.close()


def _copy_value(value: object) -> object:
    """COPY's text form of a JSON document; other values as they are."""
    return json.dumps(value) if isinstance(value, dict | list) else value


def seed_tenant(database: Database, name: str, count: int, now: datetime, seed: int) -> int:
    """A new tenant `name` with `count` bulk-inserted orders; its id."""
    with database.write() as session:
        tenant = create_tenant(session, name=name, currency="NGN", timezone="Africa/Lagos")
        tenant_id = tenant.id
        first_id = (session.scalar(select(func.max(Order.id))) or 0) + 1
    rng = random.Random(seed)
    generated = order_rows(tenant_id, first_id, count, now, rng)
    is_pg = database.engine.dialect.name == "postgresql"
    while True:
        rows, items = [], []
        for order, lines in generated:
            rows.append(order)
            items.extend(lines)
            if len(rows) == BATCH:
                break
        if not rows:
            break
        if is_pg:
            _copy(database, rows, items)
        else:
            with database.write() as session:
                session.execute(insert(Order), rows)
                session.execute(insert(OrderItem), items)
    with database.write() as session:
        session.execute(
            update(Tenant).where(Tenant.id == tenant_id).values(next_order_number=1001 + count)
        )
    return tenant_id


def seed(url: str, count: int) -> None:
    """Migrate the database at `url` and seed the bench tenant and three others."""
    database = Database.from_url(url)
    upgrade(database.engine)
    now = datetime.now(UTC)
    for other in range(OTHER_TENANTS):
        seed_tenant(database, f"big_orders neighbour {other}", count // 20, now, seed=other)
    seed_tenant(database, TENANT_NAME, count, now, seed=9)
    if database.engine.dialect.name != "postgresql":
        with database.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        database.dispose()
        return
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in ("orders", "order_items"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) "
                              f"FROM {table}"))  # fmt: skip
            conn.execute(text(f"VACUUM ANALYZE {table}"))
    database.dispose()


def bench_tenant(database: Database, count: int) -> tuple[int, str] | None:
    """The seeded bench tenant (if it holds `count` orders) and a fresh API key for it."""
    with database.write() as session:
        tenant_id = session.scalar(select(Tenant.id).where(Tenant.name == TENANT_NAME))
        if tenant_id is None:
            return None
        held = session.scalar(select(func.count()).where(Order.tenant_id == tenant_id))
        if held != count:
            return None
        return tenant_id, create_api_key(session, tenant_id, mode="test").secret


@dataclass
class Case:
    """One request timed by the bench, with the target it answers to."""

    label: str
    path: str
    target: str | None
    check: Callable[[dict[str, Any]], bool]


def cases(count: int, limit: int) -> list[Case]:
    """Every request the bench times, with a sanity check on each answer."""
    year_ago = "2000-01-01T00:00:00Z"
    phone_digits = _phone(REGULAR)[-8:-1]
    newest, middle = 1000 + count, 1001 + count // 2
    return [
        Case("stats, default range (30 days)", "/v1/orders/stats", "stats",
             lambda b: b["total_orders"] > 0),
        Case(f"stats, all {count:,} orders", f"/v1/orders/stats?created_after={year_ago}",
             "stats", lambda b: b["total_orders"] == count),
        Case("stats, all orders, monthly",
             f"/v1/orders/stats?created_after={year_ago}&period=monthly", "stats",
             lambda b: b["total_orders"] == count),
        Case("q=amara (common name)", "/v1/orders?q=amara", "search",
             lambda b: len(b["data"]) > 0),
        Case("q=oyelaran (rare name)", "/v1/orders?q=oyelaran", "search",
             lambda b: 0 < len(b["data"]) <= 25),
        Case(f"q={phone_digits} (phone digits)", f"/v1/orders?q={phone_digits}", "search",
             lambda b: len(b["data"]) > 0),
        Case(f"q=ord_{middle} (order number)", f"/v1/orders?q=ord_{middle}", "search",
             lambda b: len(b["data"]) >= 1),
        Case("q=am (2 chars, common)", "/v1/orders?q=am", "search", lambda b: len(b["data"]) > 0),
        Case("q=zq (2 chars, no match)", "/v1/orders?q=zq", None, lambda b: b["data"] == []),
        Case("list, page 1", f"/v1/orders?limit={limit}", "list p99",
             lambda b: b["data"][0]["id"] == f"ord_{newest}"),
        Case("list, deepest page", f"/v1/orders?limit={limit}&starting_after=ord_{1001 + limit}",
             "list p99", lambda b: b["data"][-1]["id"] == "ord_1001"),
    ]  # fmt: skip


def _p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[98]


def measure(url: str, secret: str, count: int, repeats: int, limit: int) -> list[dict[str, Any]]:
    """Time every case `repeats` times in round-robin; one row of figures per case."""
    database = Database.from_url(url)
    client = create_app(Settings(database_url=url, rate_limit_per_minute=10**9), db=database)
    http = client.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    todo = cases(count, limit)
    times: dict[str, list[float]] = {case.label: [] for case in todo}
    for round_ in range(repeats + 2):  # two warm-up rounds: caches, pool, prepared plans
        for case in todo:
            began = time.perf_counter()
            response = http.get(case.path, headers=headers)
            elapsed = (time.perf_counter() - began) * 1000
            assert response.status_code == 200, (case.path, response.json)
            assert case.check(response.json), (case.path, response.json)
            if round_ >= 2:
                times[case.label].append(elapsed)
    database.dispose()
    return [
        {"case": case, "median": statistics.median(times[case.label]),
         "p99": _p99(times[case.label])}
        for case in todo
    ]  # fmt: skip


def report(backend: str, count: int, figures: list[dict[str, Any]]) -> None:
    """Print the figures as a table beside the issue's targets."""
    column = 0 if backend == "postgresql" else 1
    print(f"\n{backend}, {count:,} orders for the bench tenant "
          f"(+{OTHER_TENANTS} x {count // 20:,} for other tenants)")  # fmt: skip
    print(f"| {'what':<36} | {'median ms':>9} | {'p99 ms':>8} | {'target':>10} | ok |")
    print(f"|{'-' * 38}|{'-' * 10}:|{'-' * 9}:|{'-' * 11}:|----|")
    for row in figures:
        case: Case = row["case"]
        target = TARGETS[case.target][column] if case.target else None
        measured = row["p99"] if case.target == "list p99" else row["median"]
        verdict = "" if target is None else ("yes" if measured <= target else "NO")
        shown = "" if target is None else f"≤ {target:.0f} ms"
        print(f"| {case.label:<36} | {row['median']:>9.1f} | {row['p99']:>8.1f} | "
              f"{shown:>10} | {verdict:<2} |")  # fmt: skip
    pages = {row["case"].label: row["median"] for row in figures}
    ratio = pages["list, deepest page"] / pages["list, page 1"]
    print(f"deepest / first page (medians): {ratio:.2f} (target ≤ 1.5: "
          f"{'yes' if ratio <= 1.5 else 'NO'})")  # fmt: skip


def run(url: str, count: int, repeats: int, limit: int, reuse: bool) -> list[dict[str, Any]]:
    """Seed (in a child process) unless reusing, then measure and print; the figures."""
    database = Database.from_url(url)
    found = bench_tenant(database, count) if reuse else None
    if found is None:
        began = time.perf_counter()
        subprocess.run(
            [sys.executable, __file__, "--orders", str(count), "--seed-only", url], check=True
        )
        print(f"seeded {count:,} orders (+{OTHER_TENANTS * (count // 20):,} for other tenants) "
              f"in {time.perf_counter() - began:.0f}s")  # fmt: skip
        found = bench_tenant(database, count)
        assert found is not None
    backend = database.engine.dialect.name
    database.dispose()
    figures = measure(url, found[1], count, repeats, limit)
    report(backend, count, figures)
    return figures


def main() -> None:
    """Parse the arguments and run the benchmark on one database."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=40)
    parser.add_argument("--limit", type=int, default=25)
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--reuse", action="store_true",
                        help="keep a database this bench already seeded with --orders orders")  # fmt: skip
    parser.add_argument("--seed-only", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed_only:
        seed(args.seed_only, args.orders)
        return
    if args.orders < 2 * args.limit:
        parser.error("--orders must cover two pages of --limit orders")
    if args.database_url:
        run(args.database_url, args.orders, args.repeats, args.limit, args.reuse)
        return
    with tempfile.TemporaryDirectory() as tmp:
        run(f"sqlite:///{Path(tmp) / 'big.db'}", args.orders, args.repeats, args.limit, False)


if __name__ == "__main__":
    main()
