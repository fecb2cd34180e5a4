"""After a crash mid-send: find out whether Twilio got the message, and settle it.

A message is marked `sending` (and committed) before Twilio is called, so a process killed
between Twilio's answer and the recorded sid leaves it `sending`. Once its lease runs out,
`reconcile_sending` asks Twilio what went to that number since the attempt began and picks
the send that is this message's, by `identify`:

- A record whose sid is already on one of our messages is someone else's.
- A message with a body is the record with the same body.
- A template (Twilio's list does not return the Content SID, and the text is the business's
  own) is the one record to that number that no message of ours holds, provided nothing
  else to that number is in flight. Two unclaimed records, or another crashed message to the
  same number, make it ambiguous: the message is held as `unknown` (visible, never resent),
  since a guess could mark a lost message as sent or send one twice.
- Nothing that is this message's: it did not go out, and is sent again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.channels import Channel, LookupUnavailable, SendResult, SentRecord
from bot.claiming import SEND_LEASE, outbound_message
from bot.message_outcomes import MAX_SEND_ATTEMPTS, hold_back, note_on_order
from bot.outbound import MessageStatus
from orders_core.db import Database
from orders_core.models import Message

# Twilio's clock and ours may differ; the lookup starts this much before the attempt did.
CLOCK_SLACK = timedelta(minutes=2)
# A template waits this long for another send to the same number to be recorded.
WAIT_FOR_OTHERS = timedelta(minutes=1)
GIVE_UP_WAITING = timedelta(minutes=30)  # a number that is never quiet: held as unknown


class Undecided(Enum):
    """Why a crashed send's record cannot be told apart yet."""

    WAIT = "another message to this number is being sent"
    AMBIGUOUS = "several sends to this number could be this template message"


@dataclass(frozen=True)
class Crashed:
    """What identifying one crashed send needs to know about it."""

    id: int
    to: str
    body: str | None  # the text we hold; for a template, the text it replaced
    template: bool
    since: datetime


def identify(
    crashed: Crashed,
    records: list[SentRecord],
    *,
    claimed: set[str],
    others_alive: bool,
    others_crashed: bool,
) -> SendResult | Undecided | None:
    """The record that is `crashed`'s send, None if it was not sent, or why it is undecided.

    `claimed` holds the sids already on our messages (and those matched earlier in this run);
    `others_alive` says another message to the same number is being sent right now,
    `others_crashed` that another one crashed too.
    """
    unclaimed = [record for record in records if record.sid not in claimed]
    for record in unclaimed:
        if crashed.body is not None and record.body == crashed.body:
            return SendResult(sid=record.sid, status=record.status)
    if not crashed.template or not unclaimed:
        return None
    if others_alive:
        return Undecided.WAIT
    if others_crashed or len(unclaimed) > 1:
        return Undecided.AMBIGUOUS
    [record] = unclaimed
    return SendResult(sid=record.sid, status=record.status)


def _settle(session: Session, message: Message, found: SendResult | None, now: datetime) -> None:
    if found is not None:
        message.sid, message.status = found.sid, found.status
        message.error_code = message.error_message = message.next_attempt_at = None
        message.updated_at = now
    elif message.attempts >= MAX_SEND_ATTEMPTS:
        message.status, message.next_attempt_at = MessageStatus.DEAD, None
        message.error_message = "never confirmed sent after the last attempt"
        note_on_order(session, message, "Message to customer failed", "message.failed")
    else:
        message.status, message.next_attempt_at = MessageStatus.PENDING, now


def _hold_unknown(session: Session, message: Message, reason: str, now: datetime) -> None:
    hold_back(message, MessageStatus.UNKNOWN, f"crashed mid-send; {reason}", now)
    note_on_order(session, message, "Message may not have been sent", "message.failed")


def _claim_stuck(database: Database, now: datetime, limit: int) -> list[tuple[Crashed, object]]:
    with database.write() as session:
        stuck = list(
            session.scalars(
                select(Message)
                .where(Message.status == MessageStatus.SENDING, Message.next_attempt_at <= now)
                .order_by(Message.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        work = []
        for message in stuck:  # extend the lease while we ask Twilio
            message.next_attempt_at = now + SEND_LEASE
            started = (message.payload or {}).get("attempt_started_at")
            began = datetime.fromisoformat(started) if started else now - 2 * SEND_LEASE
            crashed = Crashed(
                id=message.id,
                to=message.to_number,
                body=message.body,
                template=message.content_sid is not None,
                since=began - CLOCK_SLACK,
            )
            work.append((crashed, outbound_message(message)))
    return work


def _others(
    session: Session, crashed: Crashed, batch: set[int], now: datetime
) -> tuple[bool, bool]:
    """Whether another message to the same number is in flight: (being sent, crashed)."""
    others = session.execute(
        select(Message.id, Message.next_attempt_at).where(
            Message.status == MessageStatus.SENDING,
            Message.to_number == crashed.to,
            Message.id != crashed.id,
        )
    ).all()
    stuck = [o.id in batch or o.next_attempt_at is None or o.next_attempt_at <= now for o in others]
    return not all(stuck), any(stuck)


def reconcile_sending(
    database: Database, channel: Channel, *, now: datetime, limit: int = 100
) -> int:
    """Settle messages stuck in `sending` past their lease (a crash mid-send); how many.

    Found at Twilio -> recorded as sent. Not found -> pending again (sent once more).
    Lookup impossible or ambiguous -> `unknown`, kept visible on the order's timeline, not
    resent. A template whose number has another send in flight waits a minute.
    """
    work = _claim_stuck(database, now, limit)
    batch = {crashed.id for crashed, _ in work}
    matched: set[str] = set()
    for crashed, outbound in work:
        try:
            records: list[SentRecord] | LookupUnavailable = channel.sent_since(
                outbound, since=crashed.since
            )
        except LookupUnavailable as exc:
            records = exc
        with database.write() as session:
            message = session.get(Message, crashed.id)
            assert message is not None
            if isinstance(records, LookupUnavailable):
                _hold_unknown(session, message, f"Twilio lookup failed: {records}", now)
                continue
            sids = [record.sid for record in records]
            ours = set(session.scalars(select(Message.sid).where(Message.sid.in_(sids))))
            alive, others_crashed = _others(session, crashed, batch, now)
            found = identify(
                crashed,
                records,
                claimed=ours | matched,
                others_alive=alive,
                others_crashed=others_crashed,
            )
            if found is Undecided.WAIT and crashed.since > now - GIVE_UP_WAITING:
                message.next_attempt_at = now + WAIT_FOR_OTHERS
            elif isinstance(found, Undecided):
                _hold_unknown(session, message, found.value, now)
            else:
                if found is not None:
                    matched.add(found.sid)
                _settle(session, message, found, now)
    return len(work)
