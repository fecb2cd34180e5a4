"""staff accounts: dashboard sign-in by email and password, with a role

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import orders_core.models.base

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = orders_core.models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "staff_accounts",
        sa.Column("id", Id, nullable=False),
        sa.Column("tenant_id", Id, nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("session_version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("last_sign_in_at", Timestamp, nullable=True),
        sa.Column("disabled_at", Timestamp, nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"],
            name=op.f("fk_staff_accounts_tenant_id_tenants"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_accounts")),
        sa.UniqueConstraint("tenant_id", "email", name=op.f("uq_staff_accounts_tenant_id_email")),
    )
    op.create_index(op.f("ix_staff_accounts_email"), "staff_accounts", ["email"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_staff_accounts_email"), table_name="staff_accounts")
    op.drop_table("staff_accounts")
