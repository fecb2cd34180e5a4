"""product options: option groups on products, the chosen options and a note on order lines

Columns are added in place (no table rebuild on SQLite, so the search triggers stay).

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.add_column("products", sa.Column("option_groups", JSON, nullable=False, server_default="[]"))
    op.add_column("order_items", sa.Column("options", JSON, nullable=False, server_default="[]"))
    op.add_column("order_items", sa.Column("note", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("order_items", recreate="never") as batch:
        batch.drop_column("note")
        batch.drop_column("options")
    with op.batch_alter_table("products", recreate="never") as batch:
        batch.drop_column("option_groups")
