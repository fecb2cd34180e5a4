"""Order search (`q`) on both databases: what it finds, whatever the text typed or the path
each database takes to answer; and the million-orders bench at a tiny size. The stats are
in test_api_stats.py."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from flask.testing import FlaskClient
from sqlalchemy import delete, select, text, update

from orders_core.db import Database
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
