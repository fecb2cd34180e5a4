"""order lifecycle: on hold, when it was confirmed and delivered, how much is fulfilled,
the customer's email and the payment reference as columns, and per-line sku and metadata

Columns are added in place (no table rebuild on SQLite, so the search triggers of 0002
stay); existing rows are filled from what the orders already hold.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The stats' covering index as 0002 made it; net (paid - refunded) and ?source= need more.
STATS_COLUMNS = ["tenant_id", "created_at", "status", "payment_status", "channel", "total"]
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column(
        "orders",
        sa.Column(
            "fulfillment_status", sa.String(12), nullable=False, server_default="unfulfilled"
        ),
    )
    op.add_column("orders", sa.Column("held_from", sa.String(20), nullable=True))
    op.add_column("orders", sa.Column("hold_reason", sa.Text(), nullable=True))
    op.add_column("orders", sa.Column("customer_email", sa.String(320), nullable=True))
    op.add_column("orders", sa.Column("payment_reference", sa.String(200), nullable=True))
    op.add_column("orders", sa.Column("confirmed_at", TIMESTAMP, nullable=True))
    op.add_column("orders", sa.Column("delivered_at", TIMESTAMP, nullable=True))
    op.add_column("order_items", sa.Column("sku", sa.String(100), nullable=True))
    op.add_column(
        "order_items",
        sa.Column("returned_quantity", sa.Integer(), nullable=False, server_default="0"),
    )
    op.add_column(
        "order_items", sa.Column("metadata", JSON, nullable=False, server_default="{}")
    )
    op.create_index(
        "ix_orders_tenant_fulfillment_number", "orders",
        ["tenant_id", "fulfillment_status", "number"],
    )  # fmt: skip
    op.create_index(
        "ix_orders_tenant_email_number", "orders", ["tenant_id", "customer_email", "number"]
    )
    op.create_index(
        "ix_orders_tenant_payment_reference", "orders", ["tenant_id", "payment_reference"]
    )
    _stats_index(STATS_COLUMNS + ["amount_paid", "amount_refunded", "source"])
    _backfill()


def _stats_index(columns: list[str]) -> None:
    """The index the stats read instead of the table, over `columns`. SQLite forgets a
    dropped index's statistics: where it keeps statistics, gather them again."""
    op.drop_index("ix_orders_tenant_created", table_name="orders")
    op.create_index("ix_orders_tenant_created", "orders", columns)
    bind = op.get_bind()
    if bind.dialect.name == "sqlite" and bind.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'"
    ).first():
        op.execute("ANALYZE orders")


def _backfill() -> None:
    """Fill the new columns of existing orders from their lines, payments and status."""
    email = (
        "customer->>'email'"
        if op.get_bind().dialect.name == "postgresql"
        else "json_extract(customer, '$.email')"
    )
    op.execute(f"UPDATE orders SET customer_email = {email}")
    op.execute(
        "UPDATE orders SET payment_reference = (SELECT p.reference FROM payments p "
        "WHERE p.order_id = orders.id AND p.reference IS NOT NULL ORDER BY p.id DESC LIMIT 1)"
    )
    op.execute(
        "UPDATE orders SET payment_status = 'partially_paid' "
        "WHERE payment_status = 'unpaid' AND amount_paid > 0"
    )
    op.execute(
        "UPDATE orders SET delivered_at = status_changed_at, fulfillment_status = 'fulfilled' "
        "WHERE status = 'delivered'"
    )
    op.execute(
        "UPDATE orders SET fulfillment_status = 'partial' WHERE status <> 'delivered' "
        "AND EXISTS (SELECT 1 FROM order_items i WHERE i.order_id = orders.id "
        "AND i.fulfilled_quantity > 0)"
    )
    op.execute(
        "UPDATE orders SET fulfillment_status = 'fulfilled' WHERE status <> 'delivered' "
        "AND fulfillment_status = 'partial' AND NOT EXISTS (SELECT 1 FROM order_items i "
        "WHERE i.order_id = orders.id "
        "AND i.fulfilled_quantity + i.refunded_quantity < i.quantity)"
    )
    op.execute(
        "UPDATE orders SET confirmed_at = (SELECT MIN(t.created_at) FROM timeline_events t "
        "WHERE t.order_id = orders.id AND t.kind = 'status_changed' "
        "AND t.title = 'Order confirmed') WHERE status <> 'pending'"
    )


def downgrade() -> None:
    _stats_index(STATS_COLUMNS)
    op.drop_index("ix_orders_tenant_payment_reference", table_name="orders")
    op.drop_index("ix_orders_tenant_email_number", table_name="orders")
    op.drop_index("ix_orders_tenant_fulfillment_number", table_name="orders")
    with op.batch_alter_table("order_items", recreate="never") as batch:
        batch.drop_column("metadata")
        batch.drop_column("returned_quantity")
        batch.drop_column("sku")
    op.execute(
        "UPDATE orders SET payment_status = 'unpaid' WHERE payment_status = 'partially_paid'"
    )
    op.execute("UPDATE orders SET status = held_from WHERE status = 'on_hold'")
    with op.batch_alter_table("orders", recreate="never") as batch:
        for column in (
            "delivered_at", "confirmed_at", "payment_reference", "customer_email",
            "hold_reason", "held_from", "fulfillment_status",
        ):  # fmt: skip
            batch.drop_column(column)
