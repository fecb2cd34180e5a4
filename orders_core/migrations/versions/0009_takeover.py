"""staff takeover: a conversation staff have taken over, and an order's promised ready time

Columns are added in place (no table rebuild on SQLite, so the search triggers stay).

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import orders_core.models.base

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Timestamp = orders_core.models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.add_column("conversations", sa.Column("taken_over_until", Timestamp, nullable=True))
    op.add_column("orders", sa.Column("ready_at", Timestamp, nullable=True))


def downgrade() -> None:
    op.drop_column("orders", "ready_at")
    op.drop_column("conversations", "taken_over_until")
