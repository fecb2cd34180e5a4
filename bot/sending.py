"""Step 2 of the dispatcher: claimed messages are sent and each result recorded.

`bot.claiming` marks a batch `sending` before anything is sent. Each send's result is then
committed on its own as soon as Twilio answers, so a delivery receipt finds its sid.

A Twilio call takes a round trip across the world (a few hundred ms from Lagos or Mumbai),
so on PostgreSQL up to SEND_WORKERS messages are sent at once. What must arrive in order
still does: the messages of one order to one person (the claim takes one at a time) and a
person's chat replies go one after another (bot.claiming.in_sending_groups). SQLite (a
local run) sends one at a time.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from threading import Event

from sqlalchemy import Connection, Update, bindparam, update
from sqlalchemy.exc import DBAPIError

from bot.channels import Channel, SendError, SendResult
from bot.claiming import Claimed, claim_messages, release
from bot.message_outcomes import record_error
from bot.outbound import INTERACTIVE, MessageStatus
from orders_core.db import Database, is_sqlite
from orders_core.models import Message
from orders_core.settings import Settings

log = logging.getLogger(__name__)


def _record(
    database: Database,
    conn: Connection,
    sent: Update,
    message_id: int,
    outcome: SendResult | SendError,
    now: datetime,
) -> None:
    """Commit what became of one send: its sid and status, or what its error calls for."""
    if isinstance(outcome, SendError):
        with database.write() as session:  # rare: may touch the order's timeline and outbox
            message = session.get(Message, message_id)
            assert message is not None
            if not _as_plain_text(message, outcome, now):
                record_error(session, message, outcome, now)
        return
    with conn.begin():
        conn.execute(
            sent,
            {"message_id": message_id, "sid": outcome.sid, "status": outcome.status, "now": now},
        )


@contextmanager
def _recording(database: Database) -> Iterator[Connection]:
    """A connection on which each send is recorded in a transaction of its own.

    On PostgreSQL it autocommits (one round trip per record) and its commits do not wait
    for the WAL flush (synchronous_commit off): a record lost to a server crash leaves its
    message `sending`, which `reconcile_sending` settles from Twilio as after any crash.
    The `sending` claim itself is committed durably, before anything is sent.
    """
    if is_sqlite(database.engine):
        with database.engine.connect().execution_options(sqlite_begin="IMMEDIATE") as conn:
            yield conn
        return
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        with conn.begin():
            conn.exec_driver_sql("SET synchronous_commit TO OFF")
        try:
            yield conn
        finally:
            try:
                with conn.begin():
                    conn.exec_driver_sql("RESET synchronous_commit")
            except DBAPIError:
                conn.invalidate()  # never back to the pool with the setting still on


def _as_plain_text(message: Message, error: SendError, now: datetime) -> bool:
    """Queue a message whose buttons or list Twilio refused again as its plain text, now.

    Not for a transient error (the same template is retried); True when it was requeued.
    The refusal stays visible in the payload (`interactive_refused`).
    """
    payload = dict(message.payload or {})
    key = payload.pop(INTERACTIVE, None)
    if key is None or error.kind == "transient" or not message.body:
        return False
    payload["interactive_refused"] = {"key": key, "code": error.code, "message": error.message}
    message.payload = payload
    message.content_sid = None
    message.content_variables = None
    message.status, message.next_attempt_at, message.updated_at = MessageStatus.PENDING, now, now
    return True


def _sent_statement() -> Update:
    messages = Message.__table__
    return (
        update(messages)
        .where(messages.c.id == bindparam("message_id"))
        .values(
            sid=bindparam("sid"),
            status=bindparam("status"),
            error_code=None,
            error_message=None,
            next_attempt_at=None,
            updated_at=bindparam("now"),
        )
    )


def status_callback_url(settings: Settings) -> str:
    """Where Twilio reports delivery receipts."""
    return settings.public_base_url.rstrip("/") + "/webhooks/twilio/status"


@dataclass
class _Batch:
    """A claimed batch being sent: groups still to take, what was tried, when to stop."""

    groups: deque[list[Claimed]]
    callback: str
    now: datetime
    stop: Event | None
    tried: set[int] = field(default_factory=set)

    def stopping(self) -> bool:
        return self.stop is not None and self.stop.is_set()


def _send_groups(database: Database, channel: Channel, batch: _Batch) -> None:
    """Take groups off the batch until none is left, sending each one's messages in
    order and recording each result on this sender's own connection. A result that cannot
    be recorded stops this sender (its connection is suspect), as does the batch's stop;
    other senders go on."""
    sent, now = _sent_statement(), batch.now
    with _recording(database) as conn:
        while batch.groups and not batch.stopping():
            try:
                group = batch.groups.popleft()
            except IndexError:  # another sender took the last one
                return
            for item in group:
                if batch.stopping():
                    return
                batch.tried.add(item.id)
                try:
                    outcome: SendResult | SendError = channel.send(
                        item.outbound, status_callback=batch.callback
                    )
                except SendError as exc:
                    outcome = exc
                except Exception:
                    log.exception("sending message %s failed unexpectedly", item.id)
                    continue
                try:
                    _record(database, conn, sent, item.id, outcome, now)
                except DBAPIError:
                    log.exception(
                        "recording message %s failed; this sender stops, the rest of its "
                        "group go back to pending",
                        item.id,
                    )
                    return


def send_messages(
    database: Database,
    channel: Channel,
    settings: Settings,
    *,
    now: datetime,
    limit: int = 200,
    stop: Event | None = None,
) -> int:
    """Send the due pending messages (claimed and committed as `sending` first).

    Returns how many due messages were handled (sent, failed, skipped or held for a
    template). Each result is committed on its own as soon as Twilio answers, so a
    delivery receipt always finds its sid. Up to SEND_WORKERS messages are sent at once on
    PostgreSQL; a sending group's messages always in queue order. An unexpected
    exception from the channel leaves the message `sending`, for `reconcile_sending` to
    settle after the lease; so does a send whose result could not be recorded. Messages
    never tried (`stop` was set, or their sender stopped on a failed record) go back to
    `pending` at once.
    """
    claim = claim_messages(database, now, limit)
    if not claim.groups:
        return claim.handled
    batch = _Batch(deque(claim.groups), status_callback_url(settings), now, stop)
    try:
        if claim.senders == 1:
            _send_groups(database, channel, batch)
        else:
            with ThreadPoolExecutor(claim.senders, thread_name_prefix="send") as pool:
                senders = [
                    pool.submit(_send_groups, database, channel, batch)
                    for _ in range(claim.senders)
                ]
            for sender in senders:
                sender.result()  # an error opening a connection surfaces as before
    finally:
        untried = [c.id for group in claim.groups for c in group if c.id not in batch.tried]
        release(database, untried, now)
    return claim.handled
