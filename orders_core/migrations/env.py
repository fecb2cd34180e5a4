"""Alembic environment: runs against the connection or URL handed over by orders_core.migrate."""

from __future__ import annotations

from alembic import context

from orders_core.db import make_engine
from orders_core.models import Base
from orders_core.services.search import described_by_models

config = context.config
target_metadata = Base.metadata


def run() -> None:
    """Run the migrations online, on the given connection or a new engine."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        _migrate(conn)
    engine.dispose()


def _migrate(connection: object) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        include_name=described_by_models,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
