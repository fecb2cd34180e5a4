"""Idempotency-Key on POST: the first answer is stored and replayed; a changed body is a 409.

The key is claimed inside the same transaction as the work it guards, so two concurrent
requests with one key do the work once: the second waits on the unique index (or on
SQLite's single writer) and then replays the first answer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Response, jsonify, request
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from orders_core.models import IdempotencyRecord, utcnow
from webhooks.context import db, services, tenant_id
from webhooks.errors import ApiError

MAX_KEY_LENGTH = 255


def _request_hash() -> str:
    raw = request.get_data(cache=True)
    try:
        canonical = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, RecursionError):
        canonical = raw
    return hashlib.sha256(
        request.method.encode() + request.path.encode() + b"\0" + canonical
    ).hexdigest()


def _replay(record: IdempotencyRecord, digest: str) -> Response:
    if record.request_hash != digest:
        raise ApiError(
            409,
            "This Idempotency-Key was used with a different request",
            code="idempotency_key_reused",
            param="Idempotency-Key",
        )
    if record.response_status is None:
        raise ApiError(
            409,
            "A request with this Idempotency-Key is in progress",
            code="idempotency_in_progress",
        )
    response = Response(
        record.response_body, status=record.response_status, mimetype="application/json"
    )
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _find(session: Session, key: str) -> IdempotencyRecord | None:
    return session.scalars(
        select(IdempotencyRecord).where(
            IdempotencyRecord.tenant_id == tenant_id(), IdempotencyRecord.key == key
        )
    ).one_or_none()


def run_idempotent(work: Callable[[Session], Response]) -> Response:
    """Run `work` in one transaction, guarded by the request's Idempotency-Key if it has one."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        with db().write() as session:
            return work(session)
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or "\x00" in key:
        raise ApiError(
            400,
            f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable characters",
            param="Idempotency-Key",
        )
    digest = _request_hash()
    expiry = utcnow() - timedelta(hours=services().settings.idempotency_ttl_hours)
    try:
        with db().write() as session:
            record = _find(session, key)
            if record is not None and record.created_at >= expiry:
                return _replay(record, digest)
            if record is not None:
                session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == record.id))
            record = IdempotencyRecord(
                tenant_id=tenant_id(),
                key=key,
                method=request.method,
                path=request.path[:500],
                request_hash=digest,
                created_at=utcnow(),
            )
            session.add(record)
            session.flush()
            response = work(session)
            record.response_status = response.status_code
            record.response_body = response.get_data(as_text=True)
            return response
    except IntegrityError:
        with db().read() as session:
            record = _find(session, key)
            if record is None:
                raise
            return _replay(record, digest)


def json_response(payload: Any, status: int) -> Response:
    """A JSON response from a pydantic model or plain data."""
    data = payload.model_dump(mode="json") if hasattr(payload, "model_dump") else payload
    response = jsonify(data)
    response.status_code = status
    return response
