"""indexes for the order list sorted by updated_at or total (keyset pages stay flat)

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_orders_tenant_updated_number", "orders", ["tenant_id", "updated_at", "number"]
    )
    op.create_index("ix_orders_tenant_total_number", "orders", ["tenant_id", "total", "number"])


def downgrade() -> None:
    op.drop_index("ix_orders_tenant_total_number", table_name="orders")
    op.drop_index("ix_orders_tenant_updated_number", table_name="orders")
