"""Order search (`q`) and statistics, on both databases: what they find and count, whatever
the text typed, the zone, the range or the path each database takes to answer."""

from __future__ import annotations

import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from flask.testing import FlaskClient
from sqlalchemy import delete, select, text, update

from orders_core.db import Database
from orders_core.domain import OrderStatus, PaymentStatus
from orders_core.migrate import alembic_config, upgrade
from orders_core.models import Order
from orders_core.services import search
from tests.conftest import TenantInfo, make_tenant
from tests.webhooks.conftest import PlaceOrder, assert_error

ROOT = Path(__file__).resolve().parents[2]


def _found(client: FlaskClient, tenant: TenantInfo, q: str, **params: Any) -> list[str]:
    response = client.get("/v1/orders", query_string={"q": q, **params}, headers=tenant.headers)
    assert response.status_code == 200, (q, response.json)
    return [order["id"] for order in response.json["data"]]


def _change(database: Database, order_id: str, tenant: TenantInfo, **values: Any) -> None:
    with database.write() as session:
        session.execute(
            update(Order)
            .where(Order.tenant_id == tenant.id, Order.number == int(order_id[4:]))
            .values(**values)
        )


def _assert_search_index_consistent(database: Database) -> None:
    """SQLite: the FTS5 table holds exactly what `orders` holds (its own integrity check)."""
    if database.engine.dialect.name == "sqlite":
        with database.write() as session:
            session.execute(
                text("INSERT INTO orders_search(orders_search) VALUES('integrity-check')")
            )


@pytest.fixture(params=["few", "many"])
def either_path(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, database: Database
) -> str:
    """Run a search test through both SQLite paths: matches fetched by number, or the walk
    over the tenant's orders (PostgreSQL's planner chooses by itself: one run is enough)."""
    if request.param == "many":
        if database.engine.dialect.name != "sqlite":
            pytest.skip("the planner chooses its own path on PostgreSQL")
        monkeypatch.setattr(search, "FEW_MATCHES", 0)
    return str(request.param)


@pytest.fixture
def people(place: PlaceOrder, other_tenant: TenantInfo) -> dict[str, str]:
    """Orders from customers with assorted names, phones and notes; one of another business."""
    ids = {
        "amara": place(customer={"name": "Amara Obi", "phone": "+2348012345678"})["id"],
        "ade": place(customer={"name": "Adébáyọ̀ Okafor", "phone": "+2348099990000"})["id"],
        "chidi": place(customer={"name": "Chidi Eze", "phone": "+2348011112222"},
                       notes='Ring "twice"; 50% off_peak (gate C) AND NEAR the *back* door')["id"],
        "kamau": place(customer={"name": "Kamau Mwangi", "phone": "+254712345600"},
                       notes="Nyama choma, O'Brien's order")["id"],
    }  # fmt: skip
    place(as_tenant=other_tenant, customer={"name": "Amara Obi", "phone": "+2348012345678"})
    return ids


# --- search -----------------------------------------------------------------------------------


TYPED = [
    ("amar", ["amara"]),  # the start of a name, any case
    ("ama", ["kamau", "amara"]),  # Kamau, and the Nyama in a note
    ("AMARA OBI", ["amara"]),
    ("ra Ob", ["amara"]),  # across words
    ("Adébáyọ̀", ["ade"]),  # accents and combining marks as typed
    ("báyọ̀ Ok", ["ade"]),
    ("okafor", ["ade"]),
    ("12345", ["kamau", "amara"]),  # phone digits anywhere
    ("+23480123", ["amara"]),
    ("99990000", ["ade"]),
    ("ord_1003", ["chidi"]),  # an order number
    ("#1003", ["chidi"]),
    ("1002", ["ade"]),
    ("ob", ["amara"]),  # two characters
    ("é", ["ade"]),
    ('Ring "twice"', ["chidi"]),  # FTS5 syntax is plain text
    ('"twice"', ["chidi"]),
    ("50%", ["chidi"]),
    ("off_peak", ["chidi"]),
    ("(gate C)", ["chidi"]),
    ("AND NEAR", ["chidi"]),
    ("*back*", ["chidi"]),
    ("O'Brien", ["kamau"]),
    ("n's", ["kamau"]),
    ("%", ["chidi"]),
    ("_", ["chidi"]),
    ("%_", []),
    ("offXpeak", []),  # `_` is not a wildcard
    ("AND", ["chidi"]),
    ("OR", ["kamau", "chidi", "ade"]),  # order, door, Okafor
    ("NEAR(a b)", []),
    ("ama*", []),
    ("^ama", []),
    ('"', ["chidi"]),
    ('""', []),
    ("'", ["kamau"]),
    ("\\", []),
    ("-", []),
    ("name:amara", []),
    ("{customer_name}: amara", []),
    ("Obi Chidi", []),  # nothing spans two orders or two fields
    ("+2348012345678 Amara", []),
    ("Obi +234801", []),
    ("Ọ̀kọ́", []),
    ("x" * 200, []),
]


def test_search_finds_text_as_typed(
    client: FlaskClient, tenant: TenantInfo, people: dict[str, str], either_path: str
) -> None:
    wrong = {
        q: found
        for q, expected in TYPED
        if (found := _found(client, tenant, q)) != [people[name] for name in expected]
    }
    assert wrong == {}


def test_search_with_nul_is_refused_and_a_blank_one_is_no_filter(
    client: FlaskClient, tenant: TenantInfo, people: dict[str, str]
) -> None:
    refused = client.get("/v1/orders", query_string={"q": "ama\x00"}, headers=tenant.headers)
    assert_error(refused, 400, "invalid_request", "q")
    assert _found(client, tenant, "   ") == [people[n] for n in ("kamau", "chidi", "ade", "amara")]
    assert _found(client, tenant, " Obi ") == [people["amara"]]


def test_search_sees_changes_and_deletions(
    client: FlaskClient, database: Database, tenant: TenantInfo, people: dict[str, str],
    either_path: str,
) -> None:  # fmt: skip
    amara, kamau = people["amara"], people["kamau"]
    client.patch(
        f"/v1/orders/{amara}", json={"notes": "call from the lobby"}, headers=tenant.headers
    )
    assert _found(client, tenant, "lobby") == [amara]
    client.patch(f"/v1/orders/{amara}", json={"notes": "side entrance"}, headers=tenant.headers)
    assert _found(client, tenant, "lobby") == []
    assert _found(client, tenant, "entrance") == [amara]

    _change(database, kamau, tenant, customer_name="Wanjiru Kamau", customer_phone="+254700000777")
    assert _found(client, tenant, "wanjiru") == [kamau]
    assert _found(client, tenant, "mwangi") == []
    assert _found(client, tenant, "0000777") == [kamau]
    assert _found(client, tenant, "712345600") == []

    _change(database, amara, tenant, status="confirmed")  # a change search does not look at
    assert _found(client, tenant, "amara") == [amara]
    with database.write() as session:
        session.execute(delete(Order).where(Order.tenant_id == tenant.id, Order.number == 1001))
    assert _found(client, tenant, "amara") == []
    assert _found(client, tenant, "ord_1001") == []
    _assert_search_index_consistent(database)


def test_search_stays_within_the_tenant(
    client: FlaskClient, database: Database, tenant: TenantInfo, other_tenant: TenantInfo,
    people: dict[str, str], place: PlaceOrder, either_path: str,
) -> None:  # fmt: skip
    theirs = client.get("/v1/orders", headers=other_tenant.headers).json["data"]
    assert [o["id"] for o in theirs] == ["ord_1001"]
    assert _found(client, other_tenant, "amara") == ["ord_1001"]
    assert _found(client, other_tenant, "ade") == []
    assert _found(client, other_tenant, "ord_1002") == []
    assert _found(client, tenant, "amara") == [people["amara"]]
    third = make_tenant(database, name="Third", whatsapp_number="+2348000000999", staff=[])
    assert _found(client, third, "amara") == []
    assert _found(client, third, "ord_1001") == []


def test_search_pages_walk_every_match_once(
    client: FlaskClient, tenant: TenantInfo, place: PlaceOrder, either_path: str
) -> None:
    for n in range(7):
        name = "Tunde Bakare" if n % 2 == 0 else "Funke Bello"
        place(customer={"name": name, "phone": f"+23480300000{n:02d}"})
    seen, cursor = [], None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"starting_after": cursor} if cursor else {})
        page = client.get(
            "/v1/orders", query_string={"q": "tunde", **params}, headers=tenant.headers
        ).json
        seen += [o["id"] for o in page["data"]]
        if not page["has_more"]:
            break
        cursor = page["next_cursor"]
    assert seen == ["ord_1007", "ord_1005", "ord_1003", "ord_1001"]
    assert _found(client, tenant, "tunde", status="pending", channel="api") == seen
    assert _found(client, tenant, "tunde", status="confirmed") == []
    assert _found(client, tenant, "+2348030000003") == ["ord_1004"]


def test_export_filters_by_search(
    client: FlaskClient, tenant: TenantInfo, people: dict[str, str], either_path: str
) -> None:
    response = client.get("/v1/orders/export", query_string={"q": "okafor"}, headers=tenant.headers)
    assert response.status_code == 200
    lines = response.get_data(as_text=True).splitlines()
    assert len(lines) == 2 and lines[1].startswith(f"{people['ade']},")


def test_postgresql_search_can_use_the_trigram_index(database: Database) -> None:
    """The query's joined text is the index's expression, so the planner can use it."""
    if database.engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL index")
    with database.read() as session:
        condition = search.search_condition(session, 1, "amara")
        query = select(Order.id).where(condition)
        sql = str(query.compile(database.engine, compile_kwargs={"literal_binds": True}))
        session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(session.scalars(text("EXPLAIN " + sql.replace("%%", "%"))))
    assert "ix_orders_search_trgm" in plan, plan


def test_sqlite_statistics_survive_migration_0002(
    database: Database, place: PlaceOrder, client: FlaskClient, tenant: TenantInfo
) -> None:
    """0002 rebuilds ix_orders_tenant_created; a SQLite database that keeps statistics gets
    them again, or its planner would sort a tenant's orders for every page."""
    if database.engine.dialect.name != "sqlite":
        pytest.skip("SQLite statistics")
    for _ in range(3):
        place()
    with database.write() as session:
        session.execute(text("ANALYZE"))
    url = database.engine.url.render_as_string(hide_password=False)
    database.dispose()
    command.downgrade(alembic_config(url), "0001")
    upgrade(database.engine)
    with database.read() as session:
        described = set(session.scalars(text("SELECT idx FROM sqlite_stat1 WHERE tbl = 'orders'")))
    assert "ix_orders_tenant_created" in described
    assert _found(client, tenant, "amara") == ["ord_1003", "ord_1002", "ord_1001"]


def test_search_objects_are_left_out_of_the_model_comparison() -> None:
    assert not search.described_by_models("orders_search", "table")
    assert not search.described_by_models("orders_search_data", "table")
    assert not search.described_by_models("ix_orders_search_trgm", "index")
    assert search.described_by_models("orders", "table")
    assert search.described_by_models("ix_orders_tenant_created", "index")
    assert search.described_by_models("orders_search", "column")


# --- stats ------------------------------------------------------------------------------------


def _stats(client: FlaskClient, tenant: TenantInfo, **params: str) -> dict[str, Any]:
    response = client.get("/v1/orders/stats", query_string=params, headers=tenant.headers)
    assert response.status_code == 200, response.json
    return response.json


def test_stats_agree_with_a_count_by_hand(
    client: FlaskClient, database: Database, tenant: TenantInfo, other_tenant: TenantInfo,
    place: PlaceOrder,
) -> None:  # fmt: skip
    """Orders scattered over three months, statuses, payments and channels, counted in SQL
    and by hand; another business's orders count for nothing."""
    rng = random.Random(9)
    zone = ZoneInfo("Africa/Lagos")
    start = datetime(2024, 11, 20, tzinfo=UTC)
    made = []
    for n in range(30):
        order = place(
            channel=rng.choice(["api", "web"]),
            items=[{"product_id": "prod_jollof", "quantity": 1 + n % 3}],
        )
        when = start + timedelta(minutes=rng.randrange(0, 90 * 24 * 60))
        status = rng.choice(list(OrderStatus))
        payment = rng.choice(list(PaymentStatus))
        _change(database, order["id"], tenant, created_at=when, status=status,
                payment_status=payment)  # fmt: skip
        made.append((when, status.value, payment.value, order["channel"], order["total"]))
    place(as_tenant=other_tenant)
    after, before = datetime(2024, 12, 1, tzinfo=UTC), datetime(2025, 2, 1, tzinfo=UTC)
    for period in ("daily", "weekly", "monthly"):
        for channel in (None, "web"):
            params = {"created_after": after.isoformat(), "created_before": before.isoformat(),
                      "period": period} | ({"channel": channel} if channel else {})  # fmt: skip
            got = _stats(client, tenant, **params)
            kept = [m for m in made if after <= m[0] < before and channel in (None, m[3])]
            live = [m for m in kept if m[1] != "cancelled"]
            assert got["total_orders"] == len(kept)
            assert got["revenue"] == sum(m[4] for m in live)
            assert got["average_order_value"] == (
                sum(m[4] for m in live) // len(live) if live else 0
            )
            assert got["by_status"] == {
                s.value: sum(m[1] == s.value for m in kept) for s in OrderStatus
            }
            assert got["by_payment_status"] == {
                p.value: sum(m[2] == p.value for m in kept) for p in PaymentStatus
            }
            expected: dict[str, list[int]] = {}
            for when, status, _, _, total in sorted(kept):
                day = when.astimezone(zone).date()
                first = {"daily": day, "weekly": day - timedelta(days=day.weekday()),
                         "monthly": day.replace(day=1)}[period]  # fmt: skip
                figures = expected.setdefault(first.isoformat(), [0, 0])
                figures[0] += 1
                figures[1] += total if status != "cancelled" else 0
            assert [(p["start"], p["orders"], p["revenue"]) for p in got["periods"]] == [
                (day, orders, revenue) for day, (orders, revenue) in expected.items()
            ], (period, channel)


def test_stats_periods_follow_daylight_saving(
    client: FlaskClient, database: Database, place: PlaceOrder
) -> None:
    """London moves to BST at 01:00 UTC on 31 March 2024: 23:30 UTC that day is already
    1 April there; local days, weeks and months are the same on both databases."""
    london = make_tenant(database, name="London", currency="GBP", timezone="Europe/London",
                         whatsapp_number="+447700900000", staff=[])  # fmt: skip
    moments = [datetime(2024, 3, 30, 23, 30, tzinfo=UTC), datetime(2024, 3, 31, 0, 30, tzinfo=UTC),
               datetime(2024, 3, 31, 23, 30, tzinfo=UTC), datetime(2024, 4, 1, 12, tzinfo=UTC)]  # fmt: skip
    for when in moments:
        order = place(as_tenant=london)
        _change(database, order["id"], london, created_at=when)
    base = {"created_after": "2024-03-01T00:00:00Z", "created_before": "2024-05-01T00:00:00Z"}
    daily = _stats(client, london, **base)
    assert [(p["start"], p["orders"]) for p in daily["periods"]] == [
        ("2024-03-30", 1), ("2024-03-31", 1), ("2024-04-01", 2),
    ]  # fmt: skip
    monthly = _stats(client, london, period="monthly", **base)
    assert [(p["start"], p["orders"]) for p in monthly["periods"]] == [
        ("2024-03-01", 2), ("2024-04-01", 2),
    ]  # fmt: skip
    weekly = _stats(client, london, period="weekly", **base)
    assert [(p["start"], p["orders"]) for p in weekly["periods"]] == [
        ("2024-03-25", 2), ("2024-04-01", 2),
    ]  # fmt: skip


def test_stats_range_edges_and_long_ranges(
    client: FlaskClient, database: Database, tenant: TenantInfo, place: PlaceOrder
) -> None:
    at = {
        "on_start": datetime(2024, 12, 31, 23, tzinfo=UTC),  # local midnight, 1 January
        "on_end": datetime(2025, 1, 31, 23, tzinfo=UTC),
        "old": datetime(1999, 12, 31, 12, tzinfo=UTC),
    }
    for when in at.values():
        _change(database, place()["id"], tenant, created_at=when)
    january = _stats(client, tenant, created_after="2024-12-31T23:00:00Z",
                     created_before="2025-01-31T23:00:00Z", period="monthly")  # fmt: skip
    assert january["total_orders"] == 1  # the start is in, the end is out
    assert [(p["start"], p["orders"]) for p in january["periods"]] == [("2025-01-01", 1)]
    decades = _stats(client, tenant, created_after="1990-01-01T00:00:00Z",
                     created_before="2025-03-01T00:00:00Z")  # fmt: skip
    assert [(p["start"], p["orders"]) for p in decades["periods"]] == [
        ("1999-12-31", 1), ("2025-01-01", 1), ("2025-02-01", 1),
    ]  # fmt: skip
    across_year = _stats(client, tenant, created_after="1999-12-01T00:00:00Z",
                         created_before="2000-02-01T00:00:00Z", period="monthly")  # fmt: skip
    assert [(p["start"], p["orders"]) for p in across_year["periods"]] == [("1999-12-01", 1)]
    empty = _stats(client, tenant, created_after="2030-01-01T00:00:00Z",
                   created_before="2030-02-01T00:00:00Z")  # fmt: skip
    assert (empty["total_orders"], empty["revenue"], empty["periods"]) == (0, 0, [])
    assert set(empty["by_status"]) == {s.value for s in OrderStatus}


# --- the benchmark, tiny ----------------------------------------------------------------------


def test_big_orders_bench_runs_at_a_tiny_size(tmp_path: Path) -> None:
    """bench/big_orders.py end to end on SQLite with 300 orders: every case answers."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "big_orders.py"), "--orders", "300",
         "--repeats", "2", "--database-url", f"sqlite:///{tmp_path / 'big.db'}"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "| stats, all 300 orders" in done.stdout
    assert "| q=oyelaran (rare name)" in done.stdout
    assert "deepest / first page" in done.stdout
