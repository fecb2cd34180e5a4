"""Counting the SQL statements a piece of work sends, to guard hot paths against regressions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event

# Transaction control is not a statement of the work (psycopg sends BEGIN without a cursor).
_CONTROL = ("BEGIN", "SAVEPOINT", "RELEASE", "COMMIT", "ROLLBACK")


class Statements(list[str]):
    """The statements sent, first line of each; `writes` are those that change rows."""

    @property
    def writes(self) -> list[str]:
        """INSERT, UPDATE and DELETE statements."""
        return [s for s in self if s.startswith(("INSERT", "UPDATE", "DELETE"))]

    def __str__(self) -> str:
        return "\n".join(f"  {s[:120]}" for s in self)


@contextmanager
def counting(engine: Engine) -> Iterator[Statements]:
    """Record every statement `engine` sends inside the block, transaction control left out."""
    seen = Statements()

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        first = statement.lstrip().split("\n", 1)[0]
        if not first.upper().startswith(_CONTROL):
            seen.append(first)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
