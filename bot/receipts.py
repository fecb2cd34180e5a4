"""Delivery receipts: Twilio's status callbacks applied to outbound messages, never backwards."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.dispatcher import fail_from_receipt
from bot.outbound import MessageStatus
from orders_core.models import Message, utcnow

# Progress of a message that is getting through; `pending` is ours (not yet handed to Twilio).
_PROGRESS = {
    MessageStatus.PENDING: 0,
    MessageStatus.QUEUED: 1,
    MessageStatus.ACCEPTED: 1,
    MessageStatus.SCHEDULED: 1,
    MessageStatus.SENDING: 2,
    MessageStatus.SENT: 3,
    MessageStatus.DELIVERED: 4,
    MessageStatus.READ: 5,
}
_REACHED = frozenset({MessageStatus.DELIVERED, MessageStatus.READ})
ERROR_CODE = re.compile(r"[0-9]{1,10}")  # Twilio error codes are plain numbers
FAILURES = frozenset({MessageStatus.FAILED, MessageStatus.UNDELIVERED, MessageStatus.CANCELED})


def supersedes(current: str, incoming: str) -> bool:
    """True when a callback saying `incoming` should replace the stored status `current`.

    queued/accepted < sending < sent < delivered < read; failed, undelivered and canceled
    are terminal, except that delivered/read beat undelivered (the handset got it after all).
    Statuses we do not know never replace a known one.
    """
    if incoming == current:
        return False
    if current in FAILURES:
        return current == MessageStatus.UNDELIVERED and incoming in _REACHED
    if incoming in FAILURES:
        return current not in _REACHED
    if incoming not in _PROGRESS:
        return False
    return current not in _PROGRESS or _PROGRESS[incoming] > _PROGRESS[current]


def record_receipt(
    session: Session,
    sid: str,
    status: str,
    error_code: str | None = None,
    *,
    now: datetime | None = None,
) -> Message | None:
    """Apply a status callback to the outbound message with this sid; None if there is none.

    The row is locked, so concurrent callbacks for one message apply one at a time, and a
    status that is not later than the stored one changes nothing. A failure is acted on
    like a failed send: resent as a template (63016), or reported as `message.failed`.
    """
    message = session.scalars(
        select(Message).where(Message.sid == sid, Message.direction == "outbound").with_for_update()
    ).one_or_none()
    if message is None:
        return None
    status = status.strip().lower()
    if supersedes(message.status, status):
        message.status = status
        code = (error_code or "").strip()
        code = code if ERROR_CODE.fullmatch(code) else ""
        message.error_code = code if code and status in FAILURES else None
        message.updated_at = now or utcnow()
        if status in FAILURES:
            fail_from_receipt(session, message, now=message.updated_at)
    return message
