"""Inserting a row that carries an integrator's (source, external_id), at most once."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orders_core.models import Base

_Id = TypeVar("_Id")


def add_once(session: Session, row: Base, existing: Callable[[], _Id | None]) -> _Id | None:
    """Add `row` unless `existing()` names the row that already holds its id; that name,
    or None once `row` is added. A concurrent insert of the same id is caught by the unique
    index and answered the same way."""
    found = existing()
    if found is not None:
        return found
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # the same id committed a moment ago by a concurrent request
        found = existing()
        if found is None:
            raise
    return found
