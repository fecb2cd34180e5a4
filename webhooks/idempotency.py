"""Idempotency-Key on POST: the first answer is stored and replayed; a changed body is a 409.

The key is recorded inside the same transaction as the work it guards, so two concurrent
requests with one key commit the work once: the second waits on the unique index (or on
SQLite's single writer), rolls back, and replays the first answer.

An answer that shows a secret (a webhook endpoint's signing secret) is stored sealed: the
route's `Sealed` takes the secret out before the answer is stored and puts it back, if it
can still be derived, when the answer is replayed.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Response, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from orders_core.models import IdempotencyRecord, utcnow
from webhooks.context import db, services, tenant_id
from webhooks.errors import ApiError

MAX_KEY_LENGTH = 255
# 1 to 255 printable ASCII characters, not all spaces (what the OpenAPI document declares).
KEY_PATTERN = r"^(?=.*[!-~])[ -~]{1,255}$"
KEY_FORMAT = re.compile(KEY_PATTERN)


def _request_hash() -> str:
    raw = request.get_data(cache=True)
    try:
        canonical = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, RecursionError):
        canonical = raw
    return hashlib.sha256(
        request.method.encode() + request.path.encode() + b"\0" + canonical
    ).hexdigest()


@dataclass(frozen=True)
class Sealed:
    """How to store an answer that holds a secret: `seal` turns its JSON into JSON without
    the secret (to store); `unseal` turns that back into the JSON to replay, with any
    headers to add (it may give the secret back, derived again, or say why it cannot)."""

    seal: Callable[[Any], Any]
    unseal: Callable[[Any], tuple[Any, dict[str, str]]]


def _replay(record: IdempotencyRecord, digest: str, sealed: Sealed | None) -> Response:
    if record.request_hash != digest:
        raise ApiError(
            409,
            "This Idempotency-Key was used with a different request",
            code="idempotency_key_reused",
            param="Idempotency-Key",
        )
    body, headers = record.response_body, {}
    if sealed is not None and 200 <= record.response_status < 300:
        payload, headers = sealed.unseal(json.loads(body))
        body = json.dumps(payload, separators=(",", ":"))
    response = Response(body, status=record.response_status, mimetype="application/json")
    response.headers.update(headers)
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _find(session: Session, key: str) -> IdempotencyRecord | None:
    return session.scalars(
        select(IdempotencyRecord).where(
            IdempotencyRecord.tenant_id == tenant_id(), IdempotencyRecord.key == key
        )
    ).one_or_none()


def run_idempotent(work: Callable[[Session], Response], sealed: Sealed | None = None) -> Response:
    """Run `work` in one transaction, guarded by the request's Idempotency-Key if it has one.

    The key's record is written last, in the same transaction as the work, so a first
    request costs one insert. When the key is taken (a retry, or a copy racing this one:
    the unique index makes it wait for the first to commit), everything done is rolled back
    and the first answer replayed; a retry whose work would now fail replays too. With
    `sealed`, a successful answer is stored sealed and unsealed when replayed.
    """
    key = request.headers.get("Idempotency-Key")
    if key is None:
        with db().write() as session:
            return work(session)
    if not KEY_FORMAT.match(key):
        raise ApiError(
            400,
            f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable characters",
            param="Idempotency-Key",
        )
    digest = _request_hash()
    for _attempt in range(2):
        try:
            with db().write() as session:
                response = work(session)
                session.add(_record(key, digest, response, sealed))
                session.flush()
                return response
        except Exception:
            earlier, expired = _earlier(key)
            if earlier is not None:
                return _replay(earlier, digest, sealed)
            if not expired:
                raise
    raise ApiError(409, "This Idempotency-Key is being reused right now; retry", code="conflict")


def _earlier(key: str) -> tuple[IdempotencyRecord | None, bool]:
    """The live record of `key`; or None, and whether an expired one was just removed."""
    expiry = utcnow() - timedelta(hours=services().settings.idempotency_ttl_hours)
    with db().write() as session:
        record = _find(session, key)
        if record is None:
            return None, False
        if _aware(record.created_at) >= expiry:
            return record, False
        session.delete(record)
        return None, True


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _record(key: str, digest: str, response: Response, sealed: Sealed | None) -> IdempotencyRecord:
    body = response.get_data(as_text=True)
    if sealed is not None and 200 <= response.status_code < 300:
        body = json.dumps(sealed.seal(json.loads(body)), separators=(",", ":"))
    return IdempotencyRecord(
        tenant_id=tenant_id(),
        key=key,
        method=request.method,
        path=request.path[:500],
        request_hash=digest,
        response_status=response.status_code,
        response_body=body,
        created_at=utcnow(),
    )


def json_response(payload: Any, status: int) -> Response:
    """A JSON response from a pydantic model or plain data."""
    data = payload.model_dump(mode="json") if hasattr(payload, "model_dump") else payload
    response = jsonify(data)
    response.status_code = status
    return response
