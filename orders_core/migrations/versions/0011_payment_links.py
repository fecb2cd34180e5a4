"""payment links, provider events, one payment per provider reference, provider refunds,
transfer proofs

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import orders_core.models.base

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = orders_core.models.base.UTCDateTime(timezone=True)


def _tenant_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["tenant_id"], ["tenants.id"], name=op.f(f"fk_{table}_tenant_id_tenants"),
        ondelete="CASCADE",
    )  # fmt: skip


def _order_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["order_id"], ["orders.id"], name=op.f(f"fk_{table}_order_id_orders"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "payment_links",
        sa.Column("id", Id, nullable=False),
        sa.Column("tenant_id", Id, nullable=False),
        sa.Column("order_id", Id, nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("provider_reference", sa.String(length=200), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("provider_url", sa.String(length=2000), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        _tenant_fk("payment_links"),
        _order_fk("payment_links"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_links")),
        sa.UniqueConstraint("order_id", "attempt", name=op.f("uq_payment_links_order_id_attempt")),
        sa.UniqueConstraint(
            "provider", "provider_reference",
            name=op.f("uq_payment_links_provider_provider_reference"),
        ),
        sa.UniqueConstraint("token", name=op.f("uq_payment_links_token")),
    )  # fmt: skip
    op.create_index(op.f("ix_payment_links_order_id"), "payment_links", ["order_id"])
    op.create_index(op.f("ix_payment_links_status"), "payment_links", ["status"])
    op.create_table(
        "provider_events",
        sa.Column("id", Id, nullable=False),
        sa.Column("tenant_id", Id, nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("event_id", sa.String(length=200), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("received_at", Timestamp, nullable=False),
        _tenant_fk("provider_events"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider_events")),
        sa.UniqueConstraint(
            "provider", "event_id", name=op.f("uq_provider_events_provider_event_id")
        ),
    )
    op.create_table(
        "provider_payments",
        sa.Column("id", Id, nullable=False),
        sa.Column("tenant_id", Id, nullable=False),
        sa.Column("order_id", Id, nullable=False),
        sa.Column("payment_id", Id, nullable=True),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("provider_reference", sa.String(length=200), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        _tenant_fk("provider_payments"),
        _order_fk("provider_payments"),
        sa.ForeignKeyConstraint(
            ["payment_id"], ["payments.id"],
            name=op.f("fk_provider_payments_payment_id_payments"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider_payments")),
        sa.UniqueConstraint(
            "provider", "provider_reference",
            name=op.f("uq_provider_payments_provider_provider_reference"),
        ),
    )  # fmt: skip
    op.create_index(op.f("ix_provider_payments_order_id"), "provider_payments", ["order_id"])
    op.create_table(
        "transfer_proofs",
        sa.Column("id", Id, nullable=False),
        sa.Column("tenant_id", Id, nullable=False),
        sa.Column("order_id", Id, nullable=False),
        sa.Column("media_url", sa.String(length=2000), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("decided_at", Timestamp, nullable=True),
        _tenant_fk("transfer_proofs"),
        _order_fk("transfer_proofs"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer_proofs")),
    )
    op.create_index(op.f("ix_transfer_proofs_order_id"), "transfer_proofs", ["order_id"])

    op.create_table(
        "provider_refunds",
        sa.Column("id", Id, nullable=False),
        sa.Column("tenant_id", Id, nullable=False),
        sa.Column("refund_id", Id, nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("provider_refund_id", sa.String(length=200), nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        _tenant_fk("provider_refunds"),
        sa.ForeignKeyConstraint(
            ["refund_id"], ["refunds.id"], name=op.f("fk_provider_refunds_refund_id_refunds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provider_refunds")),
        sa.UniqueConstraint("refund_id", name=op.f("uq_provider_refunds_refund_id")),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_table("provider_refunds")
    op.drop_table("transfer_proofs")
    op.drop_table("provider_payments")
    op.drop_table("provider_events")
    op.drop_table("payment_links")
