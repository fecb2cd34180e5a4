"""the integrator's own ids on orders: source, external_id, external_number

(source, external_id) is unique per tenant, so a sync that creates the same order twice is
answered with the first one. Columns are added in place (no table rebuild on SQLite, so the
search triggers of 0002 stay).

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("orders", sa.Column("source", sa.String(length=40), nullable=True))
    op.add_column("orders", sa.Column("external_id", sa.String(length=200), nullable=True))
    op.add_column("orders", sa.Column("external_number", sa.String(length=100), nullable=True))
    op.create_index(
        "uq_orders_tenant_source_external", "orders", ["tenant_id", "source", "external_id"],
        unique=True,
    )
    op.create_index("ix_orders_tenant_external_id", "orders", ["tenant_id", "external_id"])
    op.create_index(
        "ix_orders_tenant_external_number", "orders", ["tenant_id", "external_number"]
    )


def downgrade() -> None:
    op.drop_index("ix_orders_tenant_external_number", table_name="orders")
    op.drop_index("ix_orders_tenant_external_id", table_name="orders")
    op.drop_index("uq_orders_tenant_source_external", table_name="orders")
    with op.batch_alter_table("orders", recreate="never") as batch:
        batch.drop_column("external_number")
        batch.drop_column("external_id")
        batch.drop_column("source")
