"""Sending to several recipients at once (each recipient's messages in queue order), and
stopping in the middle of a batch."""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select
from twilio.http.http_client import TwilioHttpClient

from bot import dispatcher
from bot.channels import (
    SEND_TIMEOUT_SECONDS,
    OutboundMessage,
    SendResult,
    TwilioChannel,
    channel_for,
)
from bot.claiming import SEND_WORKERS, _slots, lease_for
from bot.dispatcher import dispatch
from bot.planning import plan_outbox
from bot.sending import send_messages
from orders_core.models import Message
from orders_core.settings import Settings
from tests.conftest import TenantInfo
from tests.twilio_recorder import (
    Harness,
    chat_replies,
    customer_wrote,
    move,
    outbound,
    place,
)

PHONES = ["+2348011111111", "+2348022222222", "+2348033333333"]


def _two_confirmations_each(h: Harness, tenant: TenantInfo) -> list[Message]:
    """Two confirmed orders for each of three customers, planned: six messages due."""
    for phone in PHONES:
        customer_wrote(h.database, tenant.id, h.now, phone)
    for _ in range(2):
        for phone in PHONES:
            move(h.database, tenant.id, place(h.database, tenant.id, phone=phone), "confirmed")
    while plan_outbox(h.database, now=h.now):
        pass
    queued = outbound(h.database, tenant.id)
    assert len({m.to_number for m in queued}) == len(PHONES) and len(queued) == 6
    return queued


class _Together:
    """Holds the first send to each number until the first sends to all `numbers` numbers
    are in flight: sent one at a time, the first wait times out and the send fails."""

    def __init__(self, inner: TwilioChannel, numbers: int, *, wait: bool) -> None:
        self.inner, self.wait = inner, wait
        self.barrier = threading.Barrier(numbers, timeout=10)
        self.lock = threading.Lock()
        self.order: list[tuple[str, str | None]] = []

    def send(self, message: OutboundMessage, *, status_callback: str | None) -> SendResult:
        with self.lock:
            first = all(to != message.to for to, _ in self.order)
            self.order.append((message.to, message.body))
        if first and self.wait:
            self.barrier.wait()
        return self.inner.send(message, status_callback=status_callback)


def test_messages_go_out_at_once_a_persons_chat_replies_in_order(
    h: Harness, tenant: TenantInfo
) -> None:
    queued = _two_confirmations_each(h, tenant)
    replies = [f"reply {n}" for n in range(3)]
    chat_replies(h, tenant.id, *replies, phone=PHONES[0])
    postgres = h.database.engine.dialect.name == "postgresql"
    channel = _Together(h.channel, len(PHONES), wait=postgres)  # SQLite sends one at a time

    assert send_messages(h.database, channel, h.settings, now=h.now) == 9  # type: ignore[arg-type]

    assert [m.status for m in outbound(h.database, tenant.id)] == ["queued"] * 9
    assert sorted(form["Body"] for form in h.recorder.sent) == sorted(
        [m.body for m in queued] + replies  # type: ignore[misc]
    )
    assert [body for _, body in channel.order if body in replies] == replies
    if not postgres:  # one after another, in queue order (each group of one but the replies)
        assert [body for _, body in channel.order] == [m.body for m in queued] + replies


def test_each_lease_counts_the_sends_that_may_go_before_it(h: Harness, tenant: TenantInfo) -> None:
    """After a crash the first messages are reconciled first: leases are counted in sends
    that may go before each message, shared among the senders."""
    customer_wrote(h.database, tenant.id, h.now, PHONES[0])
    chat_replies(h, tenant.id, "first reply", phone=PHONES[0])
    move(h.database, tenant.id, place(h.database, tenant.id, phone=PHONES[0]), "confirmed")
    chat_replies(h, tenant.id, "second reply", phone=PHONES[0])
    while plan_outbox(h.database, now=h.now):
        pass

    class Dies:
        def send(self, message: OutboundMessage, *, status_callback: str | None) -> SendResult:
            raise RuntimeError("the process died here")

    send_messages(h.database, Dies(), h.settings, now=h.now)  # type: ignore[arg-type]

    leases = {m.body: m.next_attempt_at for m in outbound(h.database, tenant.id)}
    [confirmation] = [body for body in leases if body and "reply" not in body]
    # the replies go one after another; the confirmation (its own order) beside them when
    # there are two senders, after them when there is one
    postgres = h.database.engine.dialect.name == "postgresql"
    slots = {"first reply": 1, "second reply": 2, confirmation: 1 if postgres else 3}
    assert leases == {body: h.now + lease_for(slot) for body, slot in slots.items()}


def test_a_stop_sends_nothing_more_and_hands_back_the_batch(h: Harness, tenant: TenantInfo) -> None:
    """A scheduler asked to stop (a deploy) finishes the sends under way and puts the rest of
    its batch back, due at once, instead of leaving them `sending` until their lease ends."""
    _two_confirmations_each(h, tenant)
    stop = threading.Event()

    class StopAsked:
        def send(self, message: OutboundMessage, *, status_callback: str | None) -> SendResult:
            stop.set()  # SIGTERM arrives while this send is under way
            return h.channel.send(message, status_callback=status_callback)

    dispatch(h.database, h.settings, StopAsked(), h.sender, now=h.now, stop=stop)  # type: ignore[arg-type]

    sent = len(h.recorder.sent)
    after = outbound(h.database, tenant.id)
    senders = len(PHONES) if h.database.engine.dialect.name == "postgresql" else 1
    assert 1 <= sent <= senders  # one per sender at most: each was mid-send
    assert Counter(m.status for m in after) == {"queued": sent, "pending": 6 - sent}
    back = [m for m in after if m.status == "pending"]
    assert {m.attempts for m in back} == {0}
    assert all(h.now <= m.next_attempt_at < h.now + timedelta(seconds=30) for m in back)  # type: ignore[operator]

    h.advance(seconds=1)
    h.dispatch()  # the next scheduler sends the rest, each once
    assert [m.status for m in outbound(h.database, tenant.id)] == ["queued"] * 6
    assert len({form["Body"] for form in h.recorder.sent}) == len(h.recorder.sent) == 6


@pytest.mark.parametrize(
    ("senders", "slots"),
    [
        (1, [1, 2, 3, 4, 5, 6, 7, 8]),  # one after another
        (3, [1, 2, 1, 2, 1, 2, 3, 4]),  # the fourth recipient waits for 6 sends shared by 3
        (8, [1, 2, 1, 2, 1, 2, 1, 2]),  # everyone at once
    ],
)
def test_a_message_waits_for_at_most_the_sends_shared_among_the_senders(
    senders: int, slots: list[int]
) -> None:
    groups = [[object(), object()] for _ in range(4)]  # four recipients, two messages each
    assert [slot for slot, _ in _slots(groups, senders)] == slots  # type: ignore[arg-type]


def test_the_claim_checks_for_earlier_messages_in_flight_by_index(
    h: Harness, tenant: TenantInfo
) -> None:
    """On stale statistics PostgreSQL once intersected each candidate's order with every
    pending message (22 s a claim with 10,000 queued): with 3,000 messages of one order
    queued to as many recipients, the check is an index lookup by order and recipient."""
    if h.database.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's planner")
    _two_confirmations_each(h, tenant)
    claims: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, params: Any, *_args: Any) -> None:
        if "FOR UPDATE SKIP LOCKED" in statement and "FROM messages" in statement:
            claims.append((statement, params))

    event.listen(h.database.engine, "before_cursor_execute", capture)
    try:
        send_messages(h.database, h.channel, h.settings, now=h.now)
    finally:
        event.remove(h.database.engine, "before_cursor_execute", capture)
    [(statement, params)] = claims
    copied = [c.name for c in Message.__table__.columns if c.name not in _FRESH]
    columns = ", ".join(copied)
    with h.database.engine.begin() as conn:
        conn.exec_driver_sql(
            f"INSERT INTO messages ({columns}, to_number, status) "
            f"SELECT {columns}, 'whatsapp:+1555' || g, 'pending' FROM messages, "
            "generate_series(1, 3000) AS g WHERE messages.id = (SELECT min(id) FROM messages)"
        )
        conn.exec_driver_sql("ANALYZE messages")
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        cursor.execute("EXPLAIN " + statement, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "ix_messages_order_recipient" in plan, plan


_FRESH = {"id", "sid", "dedupe_key", "to_number", "status"}  # unique, or set by the copy


def test_a_long_run_leases_each_batch_from_when_it_is_claimed(
    h: Harness, tenant: TenantInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The soak's finding: a delivery run working through a backlog leased every batch from
    the run's start, so later batches were claimed with leases already run out and another
    scheduler resent them while they were being sent."""
    _two_confirmations_each(h, tenant)
    ticks = iter(range(0, 100_000, 600))  # the run's clock moves on 10 minutes a reading
    monkeypatch.setattr(dispatcher, "monotonic", lambda: next(ticks))
    leases: list[datetime] = []

    class Watching:
        def send(self, message: OutboundMessage, *, status_callback: str | None) -> SendResult:
            with h.database.read() as session:
                [lease] = session.scalars(
                    select(Message.next_attempt_at).where(Message.status == "sending")
                )
            assert lease is not None
            leases.append(lease)
            return h.channel.send(message, status_callback=status_callback)

    dispatch(h.database, h.settings, Watching(), h.sender, now=h.now, batch=1)  # type: ignore[arg-type]

    assert len(leases) == 6
    assert all(b - a >= timedelta(minutes=10) for a, b in itertools.pairwise(leases)), leases


def test_twilio_keeps_a_connection_for_every_sender(settings: Settings) -> None:
    """With fewer pooled connections than senders, urllib3 discarded one after every send
    (a new TLS handshake each time, and a warning in the log)."""
    channel = channel_for(settings)
    assert isinstance(channel, TwilioChannel)
    transport = channel.client.http_client
    assert isinstance(transport, TwilioHttpClient) and transport.session is not None
    assert transport.timeout == SEND_TIMEOUT_SECONDS
    adapter = transport.session.get_adapter("https://api.twilio.com/2010-04-01/")
    assert adapter.poolmanager.connection_pool_kw["maxsize"] > SEND_WORKERS  # type: ignore[attr-defined]
