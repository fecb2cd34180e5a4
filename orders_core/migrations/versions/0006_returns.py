"""returns of delivered items

A return names units of an order's lines (return_lines) with a reason, and moves
requested -> received -> refunded, or rejected; a refunded one points at its refund.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import orders_core.models.base

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = orders_core.models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "returns",
        sa.Column("id", BigId, nullable=False),
        sa.Column("tenant_id", BigId, nullable=False),
        sa.Column("order_id", BigId, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("refunded_amount", sa.BigInteger(), nullable=False),
        sa.Column("refund_id", BigId, nullable=True),
        sa.Column("rejection_note", sa.Text(), nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.Column("received_at", Timestamp, nullable=True),
        sa.Column("refunded_at", Timestamp, nullable=True),
        sa.Column("rejected_at", Timestamp, nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_returns_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["refund_id"], ["refunds.id"], name=op.f("fk_returns_refund_id_refunds"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_returns_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_returns")),
    )
    op.create_index(op.f("ix_returns_order_id"), "returns", ["order_id"])
    op.create_index("ix_returns_tenant_id", "returns", ["tenant_id", "id"])
    op.create_index("ix_returns_tenant_status_id", "returns", ["tenant_id", "status", "id"])
    op.create_table(
        "return_lines",
        sa.Column("id", BigId, nullable=False),
        sa.Column("return_id", BigId, nullable=False),
        sa.Column("order_item_id", BigId, nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_item_id"], ["order_items.id"],
            name=op.f("fk_return_lines_order_item_id_order_items"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["return_id"], ["returns.id"], name=op.f("fk_return_lines_return_id_returns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_lines")),
    )
    op.create_index(op.f("ix_return_lines_return_id"), "return_lines", ["return_id"])
    op.create_index(op.f("ix_return_lines_order_item_id"), "return_lines", ["order_item_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_return_lines_order_item_id"), table_name="return_lines")
    op.drop_index(op.f("ix_return_lines_return_id"), table_name="return_lines")
    op.drop_table("return_lines")
    op.drop_index("ix_returns_tenant_status_id", table_name="returns")
    op.drop_index("ix_returns_tenant_id", table_name="returns")
    op.drop_index(op.f("ix_returns_order_id"), table_name="returns")
    op.drop_table("returns")
