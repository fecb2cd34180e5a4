"""Finding orders by what staff remember: part of a name, phone digits, words of a note, a number.

`q` matches, case-insensitively, any order whose customer name, customer phone or notes
contain it as written (a substring: "ama" finds "Amara", "2345" finds "+2348012345678",
"%" and "_" are plain characters), or whose number it names ("1042", "ord_1042").

Both backends answer from an index built by migration 0002 when `q` has three characters
or more:
- PostgreSQL: a GIN trigram index (pg_trgm) over the three columns joined by spaces; the
  query asks the index with the joined text, then checks each column on its own, so a `q`
  that spans two columns matches nothing, as on SQLite.
- SQLite: an FTS5 table with the trigram tokenizer, kept in step with `orders` by triggers;
  `q` is one quoted FTS5 phrase, so AND, OR, NEAR, `*`, `^` and quotes in it are plain text.
  The first matches are read before the page: when they are few (a customer's name or
  phone) the page is those orders, looked up by number; when many (a common first name)
  the tenant's newest orders are walked until the page is full, checked against the index.

Trigrams need three characters, so a `q` of one or two characters reads the tenant's
orders newest first through the keyset index and stops when a page is full: quick when the
text is common, one pass over the tenant's orders when it is rare.
"""

from __future__ import annotations

from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    column,
    func,
    literal_column,
    or_,
    select,
    table,
)
from sqlalchemy.orm import Session

from orders_core.models import Order
from orders_core.services.orders import parse_order_number

# Names of the objects migration 0002 makes that the models do not describe.
SEARCH_TABLE = "orders_search"  # SQLite FTS5, external content: rowid is orders.id
SEARCH_INDEX = "ix_orders_search_trgm"  # PostgreSQL GIN (gin_trgm_ops) over _search_text()
INDEXED_LENGTH = 3  # the shortest `q` either index can answer
FEW_MATCHES = 2_000  # SQLite: up to this many matches, look the orders up by number
_FTS = table(SEARCH_TABLE, column("rowid"), column(SEARCH_TABLE))


def like_pattern(q: str) -> str:
    """A LIKE pattern matching `q` anywhere, with its wildcards taken literally (escape is \\)."""
    return "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def described_by_models(name: str | None, type_: str, _parent_names: object = None) -> bool:
    """False for the search's own tables and index (the FTS5 table and its shadow tables,
    the trigram index), which no model describes; alembic's `include_name` hook, so that
    comparing the database with the models leaves them out."""
    if name is None or type_ not in ("table", "index"):
        return True
    return not (name in (SEARCH_INDEX, SEARCH_TABLE) or name.startswith(SEARCH_TABLE + "_"))


def _search_text() -> ColumnElement[str]:
    """The text the PostgreSQL trigram index holds; it must stay the index's expression."""
    blank, space = literal_column("''", String), literal_column("' '", String)
    return (
        func.coalesce(Order.customer_name, blank)
        + space
        + func.coalesce(Order.customer_phone, blank)
        + space
        + func.coalesce(Order.notes, blank)
    )


def _columns_contain(dialect: str, q: str) -> ColumnElement[bool]:
    """The search as LIKE on each column: what both indexes answer, read row by row."""
    pattern = like_pattern(q)
    if dialect == "sqlite":  # LIKE ignores case there already (ASCII, as lower() does)
        name, notes = Order.customer_name.like, Order.notes.like
    else:
        name, notes = Order.customer_name.ilike, Order.notes.ilike
    return or_(
        name(pattern, escape="\\"),
        Order.customer_phone.like(pattern, escape="\\"),
        notes(pattern, escape="\\"),
    )


def _fts_phrase(q: str) -> str:
    """`q` as one FTS5 string: double quotes around it, its own quotes doubled."""
    return '"' + q.replace('"', '""') + '"'


def _fts_matches(session: Session, tenant_id: int, q: str) -> ColumnElement[bool] | list[int]:
    """The tenant's orders the FTS5 table finds for `q` (SQLite): their numbers when few.

    Text few orders hold is best looked up by number; common text by walking the tenant's
    orders newest first until a page is full. SQLite cannot tell the two apart (and often
    has no statistics at all), so the first matches are read: when they were all of them,
    their numbers are the answer; otherwise a condition that keeps the walk (`id + 0`
    stops SQLite from fetching every match by id instead).
    """
    matching = select(_FTS.c.rowid).where(_FTS.c[SEARCH_TABLE].match(_fts_phrase(q)))
    first = matching.limit(FEW_MATCHES + 1).subquery()
    found = session.execute(
        select(Order.tenant_id, Order.number).join(first, Order.id == first.c.rowid)
    ).all()
    if len(found) > FEW_MATCHES:
        return (Order.id + 0).in_(matching)
    return [number for owner, number in found if owner == tenant_id]


def _text_matches(session: Session, tenant_id: int, q: str) -> ColumnElement[bool] | list[int]:
    dialect = session.get_bind().dialect.name
    if len(q) < INDEXED_LENGTH:
        return _columns_contain(dialect, q)
    if dialect == "postgresql":
        # The joined text finds candidates through the index; the columns decide. The
        # planner picks the index or the newest-first walk from the expression's statistics.
        return and_(_search_text().ilike(like_pattern(q)), _columns_contain(dialect, q))
    return _fts_matches(session, tenant_id, q)


def _by_integrator_id(session: Session, tenant_id: int, q: str) -> list[int]:
    """Numbers of the orders whose external id, external number or payment reference is
    exactly `q` (each has its own index)."""
    return list(
        session.scalars(
            select(Order.number).where(
                Order.tenant_id == tenant_id,
                (Order.external_id == q)
                | (Order.external_number == q)
                | (Order.payment_reference == q),
            )
        )
    )


def search_condition(session: Session, tenant_id: int, q: str) -> ColumnElement[bool]:
    """The tenant's orders whose name, phone or notes contain `q`, or whose number, external
    id, external number or payment reference `q` is.

    Each database answers from its own index; on SQLite the index is read once first.
    The caller still filters by tenant.
    """
    text = _text_matches(session, tenant_id, q)
    number = parse_order_number(q)
    named = [] if number is None else [number]
    named += _by_integrator_id(session, tenant_id, q)
    if isinstance(text, list):
        return Order.number.in_(text + named)
    return or_(text, Order.number.in_(named)) if named else text
