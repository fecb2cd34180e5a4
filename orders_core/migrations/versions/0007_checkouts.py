"""checkouts (API and chat carts)

A checkout is a cart on its way to one order, made by the API or by the chat. Each
conversation's cart moves into an open checkout linked to it, and conversations.cart goes.

Revision ID: 0007
Revises: 0006
"""

import secrets
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import orders_core.models.base

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Timestamp = orders_core.models.base.UTCDateTime(timezone=True)
Json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
OPEN = sa.text("status = 'open'")


def upgrade() -> None:
    op.create_table(
        "checkouts",
        sa.Column("id", BigId, nullable=False),
        sa.Column("public_id", sa.String(length=40), nullable=False),
        sa.Column("tenant_id", BigId, nullable=False),
        sa.Column("conversation_id", BigId, nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=True),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("external_number", sa.String(length=100), nullable=True),
        sa.Column("customer", Json, nullable=False),
        sa.Column("items", Json, nullable=False),
        sa.Column("delivery", Json, nullable=True),
        sa.Column("delivery_fee", sa.BigInteger(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("metadata", Json, nullable=False),
        sa.Column("order_id", BigId, nullable=True),
        sa.Column("last_activity_at", Timestamp, nullable=False),
        sa.Column("completed_at", Timestamp, nullable=True),
        sa.Column("created_at", Timestamp, nullable=False),
        sa.Column("updated_at", Timestamp, nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"],
            name=op.f("fk_checkouts_tenant_id_tenants"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"], ["conversations.id"],
            name=op.f("fk_checkouts_conversation_id_conversations"), ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"],
            name=op.f("fk_checkouts_order_id_orders"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkouts")),
        sa.UniqueConstraint("public_id", name=op.f("uq_checkouts_public_id")),
    )  # fmt: skip
    op.create_index("ix_checkouts_tenant_id", "checkouts", ["tenant_id", "id"])
    op.create_index(
        "ix_checkouts_tenant_status_activity", "checkouts",
        ["tenant_id", "status", "last_activity_at"],
    )  # fmt: skip
    op.create_index(
        "uq_checkouts_open_conversation", "checkouts", ["conversation_id"], unique=True,
        sqlite_where=OPEN, postgresql_where=OPEN,
    )  # fmt: skip
    op.create_index(
        "uq_checkouts_tenant_source_external", "checkouts",
        ["tenant_id", "source", "external_id"], unique=True,
    )  # fmt: skip
    _carts_to_checkouts()
    with op.batch_alter_table("conversations", recreate="never") as batch:
        batch.drop_column("cart")


def _carts_to_checkouts() -> None:
    """Every non-empty conversation cart becomes an open checkout linked to its conversation."""
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT c.id, c.tenant_id, c.phone, c.cart, c.data, c.last_activity_at, u.name, "
            "u.whatsapp FROM conversations c LEFT JOIN customers u "
            "ON u.tenant_id = c.tenant_id AND u.phone = c.phone"
        ).columns(cart=Json, data=Json, last_activity_at=Timestamp)
    ).all()
    checkouts = sa.table(
        "checkouts",
        *(sa.column(n) for n in ("public_id", "tenant_id", "conversation_id", "status", "channel",
                                 "source", "delivery_fee")),
        sa.column("customer", Json), sa.column("items", Json), sa.column("metadata", Json),
        *(sa.column(n, Timestamp) for n in ("last_activity_at", "created_at", "updated_at")),
    )  # fmt: skip
    conversations = sa.table("conversations", sa.column("id"), sa.column("data", Json))
    values = []
    for row in rows:
        items = [_item(line) for line in row.cart or [] if isinstance(line, dict)]
        items = [item for item in items if item is not None]
        if not items:
            continue
        channel = "whatsapp" if row.whatsapp else "sms"
        customer = {"phone": row.phone} | ({"name": row.name} if row.name else {})
        at, public_id = row.last_activity_at, "chk_" + secrets.token_hex(12)
        # The conversation names its open checkout (see bot.conversation._open_checkout).
        conn.execute(
            conversations.update()
            .where(conversations.c.id == row.id)
            .values(data=dict(row.data or {}) | {"checkout": public_id})
        )
        values.append({
            "public_id": public_id, "tenant_id": row.tenant_id,
            "conversation_id": row.id, "status": "open", "channel": channel, "source": channel,
            "delivery_fee": 0, "customer": customer, "items": items, "metadata": {},
            "last_activity_at": at, "created_at": at, "updated_at": at,
        })  # fmt: skip
    if values:
        op.bulk_insert(checkouts, values)


def _item(line: dict[str, Any]) -> dict[str, Any] | None:
    code, quantity = line.get("code"), line.get("quantity")
    if not code or not isinstance(quantity, int) or quantity < 1:
        return None
    note = str(line.get("note") or "")[:200]
    return {"product_id": str(code), "quantity": quantity} | ({"note": note} if note else {})


def downgrade() -> None:
    with op.batch_alter_table("conversations", recreate="never") as batch:
        batch.add_column(sa.Column("cart", Json, nullable=False, server_default="[]"))
    conn = op.get_bind()
    opened = conn.execute(
        sa.text(
            "SELECT conversation_id, items FROM checkouts "
            "WHERE status = 'open' AND conversation_id IS NOT NULL"
        ).columns(items=Json)
    ).all()
    conversations = sa.table("conversations", sa.column("id"), sa.column("cart", Json))
    for conversation_id, items in opened:
        cart = [
            {"code": i["product_id"], "quantity": i["quantity"], "note": i.get("note", "")}
            for i in items
            if i.get("product_id")
        ]
        conn.execute(
            conversations.update().where(conversations.c.id == conversation_id).values(cart=cart)
        )
    op.drop_index("uq_checkouts_tenant_source_external", table_name="checkouts")
    op.drop_index("uq_checkouts_open_conversation", table_name="checkouts")
    op.drop_index("ix_checkouts_tenant_status_activity", table_name="checkouts")
    op.drop_index("ix_checkouts_tenant_id", table_name="checkouts")
    op.drop_table("checkouts")
