"""The floor: the least an app can do for the same requests, served the same way.

- POST /webhooks/twilio/messages: check X-Twilio-Signature with twilio's RequestValidator
  as webhooks/twilio.py does, insert the message (ON CONFLICT DO NOTHING on its sid) and one
  outbox row in one transaction, answer an empty TwiML <Response/>.
- POST /v1/orders: insert one order row, answer it as JSON (201).

It reads DATABASE_URL, PUBLIC_BASE_URL and TWILIO_AUTH_TOKEN (else SECRET_KEY) like the
product, and works on PostgreSQL and SQLite (WAL, busy timeout, writers BEGIN IMMEDIATE, as
the product's engine does). Under gunicorn, like the product:

    .venv/bin/gunicorn -w 3 -b 127.0.0.1:8001 --pythonpath bench 'floor:create_app()'

or on werkzeug's threaded server, like `chatorders serve`:

    .venv/bin/python bench/floor.py --port 8001
"""

from __future__ import annotations

import argparse
import json
import os
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, abort, jsonify, request
from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    insert,
    text,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from twilio.request_validator import (
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)
from werkzeug.serving import make_server

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response />'

metadata = MetaData()
messages = Table(
    "floor_messages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sid", String(64), nullable=False, unique=True),
    Column("sender", String(32), nullable=False),
    Column("recipient", String(32), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
outbox = Table(
    "floor_outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("message_id", Integer, nullable=False),
    Column("payload", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
orders = Table(
    "floor_orders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


def normalize_url(url: str) -> str:
    """psycopg 3 for a bare postgresql:// URL, as the product picks it."""
    for bare in ("postgresql://", "postgres://"):
        if url.startswith(bare):
            return "postgresql+psycopg://" + url[len(bare) :]
    return url


def floor_engine(url: str) -> Engine:
    """An engine on `url`: SQLite configured as the product configures it; no pre-ping."""
    url = normalize_url(url)
    if not url.startswith("sqlite"):
        return create_engine(url)
    engine = create_engine(url, connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        for pragma in ("journal_mode=WAL", "busy_timeout=15000", "synchronous=NORMAL"):
            dbapi_connection.execute(f"PRAGMA {pragma}")

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def create_tables(url: str) -> None:
    """Create the floor's tables in the database at `url` when they are missing."""
    engine = floor_engine(url)
    metadata.create_all(engine)
    engine.dispose()


def create_app(environ: dict[str, str] | None = None) -> Flask:
    """The floor app, configured from the environment (or `environ`)."""
    env = os.environ if environ is None else environ
    engine = floor_engine(env["DATABASE_URL"])
    token = env.get("TWILIO_AUTH_TOKEN") or env["SECRET_KEY"]
    public = env.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    upsert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
    app = Flask(__name__)

    @app.get("/healthz")
    def healthz() -> Response:
        """200 when the database answers."""
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return jsonify({"status": "ok"})

    @app.post("/webhooks/twilio/messages")
    def inbound() -> Response:
        """Check the signature, store the message and one outbox row, answer empty TwiML."""
        signature = request.headers.get(SIGNATURE_HEADER, "")
        algorithm = get_signature_algorithm(request.headers.get(SIGNATURE_SETTINGS_HEADER))
        validator = RequestValidator(token)
        if not signature or not validator.validate(
            public + request.path, request.form, signature, algorithm
        ):
            abort(403)
        form = request.form
        now = datetime.now(UTC)
        row = {
            "sid": form["MessageSid"],
            "sender": form["From"],
            "recipient": form["To"],
            "body": form.get("Body", ""),
            "created_at": now,
        }
        with engine.begin() as conn:
            stored = conn.execute(
                upsert(messages).values(row).on_conflict_do_nothing().returning(messages.c.id)
            ).scalar()
            if stored is not None:
                payload = json.dumps({"to": form["From"], "body": "ok"})
                conn.execute(
                    insert(outbox).values(message_id=stored, payload=payload, created_at=now)
                )
        return Response(EMPTY_TWIML, content_type="text/xml")

    @app.post("/v1/orders")
    def create_order() -> tuple[Response, int]:
        """Store the order as sent, answer it as JSON."""
        body = request.get_json()
        now = datetime.now(UTC)
        with engine.begin() as conn:
            order_id = conn.execute(
                insert(orders).values(body=json.dumps(body), created_at=now).returning(orders.c.id)
            ).scalar_one()
        return jsonify({"id": f"ord_{order_id}", "created_at": now.isoformat(), **body}), 201

    return app


def main() -> None:
    """Serve the floor on werkzeug's threaded server until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5001)
    args = parser.parse_args()
    create_tables(os.environ["DATABASE_URL"])
    server = make_server(args.host, args.port, create_app(), threaded=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
