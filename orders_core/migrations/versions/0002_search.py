"""search and stats: a trigram index on PostgreSQL, an FTS5 table kept by triggers on
SQLite, and ix_orders_tenant_created widened so the stats read no table rows

Order statistics (orders_core/services/stats.py) read every order of a range through
ix_orders_tenant_created; with status, payment_status, channel and total in the index they
never visit the table (an index-only scan), which halves their cost at a million orders.

Order search (orders_core/services/search.py) looks for `q` inside the customer's name,
phone and the notes. PostgreSQL gets pg_trgm and one GIN index over the three columns joined
by spaces; SQLite gets an FTS5 table with the trigram tokenizer whose content is `orders`
itself (no copy of the text), filled from the orders already there and kept in step by
triggers. Neither is described by the models; the schema comparison skips them by name.

A later migration that rebuilds `orders` on SQLite (batch mode copies the table and drops
the old one, and its triggers with it) must create the three triggers again.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGRAM_INDEX = (
    "CREATE INDEX ix_orders_search_trgm ON orders USING gin ("
    "(coalesce(customer_name, '') || ' ' || coalesce(customer_phone, '') || ' ' || "
    "coalesce(notes, '')) gin_trgm_ops)"
)
COLUMNS = "customer_name, customer_phone, notes"
FTS_TABLE = (
    f"CREATE VIRTUAL TABLE orders_search USING fts5({COLUMNS}, "
    "content='orders', content_rowid='id', tokenize='trigram')"
)
_ADD = (
    f"INSERT INTO orders_search (rowid, {COLUMNS}) "
    "VALUES (new.id, new.customer_name, new.customer_phone, new.notes);"
)
_REMOVE = (
    f"INSERT INTO orders_search (orders_search, rowid, {COLUMNS}) "
    "VALUES ('delete', old.id, old.customer_name, old.customer_phone, old.notes);"
)
TRIGGERS = {
    "orders_search_insert": f"AFTER INSERT ON orders BEGIN {_ADD} END",
    "orders_search_delete": f"AFTER DELETE ON orders BEGIN {_REMOVE} END",
    "orders_search_update": f"AFTER UPDATE OF id, {COLUMNS} ON orders BEGIN {_REMOVE} {_ADD} END",
}


STATS_COLUMNS = ["tenant_id", "created_at", "status", "payment_status", "channel", "total"]


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch_op:
        batch_op.drop_index("ix_orders_tenant_created")
        batch_op.create_index("ix_orders_tenant_created", STATS_COLUMNS, unique=False)
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(TRIGRAM_INDEX)
        # Statistics on the indexed expression let the planner tell common text (walk the
        # newest orders) from rare text (ask the index); ANALYZE gathers them now.
        op.execute("ANALYZE orders")
    elif dialect == "sqlite":
        _reanalyze_if_analyzed()
        op.execute(FTS_TABLE)
        op.execute("INSERT INTO orders_search (orders_search) VALUES ('rebuild')")
        for name, body in TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")


def _reanalyze_if_analyzed() -> None:
    """SQLite forgets the statistics of a dropped index; with the table's other indexes
    still described, the planner would take the new one for any tenant's query and sort.
    Where the database keeps statistics, gather them again for `orders`."""
    kept = op.get_bind().exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'"
    )
    if kept.first() is not None:
        op.execute("ANALYZE orders")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        # pg_trgm stays: other objects of the database may use it.
        op.execute("DROP INDEX ix_orders_search_trgm")
    elif dialect == "sqlite":
        for name in TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
        op.execute("DROP TABLE orders_search")
    with op.batch_alter_table("orders") as batch_op:
        batch_op.drop_index("ix_orders_tenant_created")
        batch_op.create_index("ix_orders_tenant_created", ["tenant_id", "created_at"], unique=False)
    if dialect == "sqlite":
        _reanalyze_if_analyzed()
