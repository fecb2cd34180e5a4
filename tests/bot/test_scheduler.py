"""The scheduler: its jobs, a clean stop, and two schedulers sending every reminder once."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import select

from bot import reminders
from bot.channels import ConsoleChannel, TwilioChannel
from bot.dispatcher import dispatch
from bot.outbound import queue_message
from bot.scheduler import build_scheduler
from orders_core.db import Database
from orders_core.models import Message, Order
from orders_core.services.tenants import get_tenant, update_tenant_settings
from orders_core.settings import Settings
from tests.bot.chat_cart import seed_cart
from tests.conftest import TenantInfo
from tests.twilio_recorder import FakeSender, TwilioRecorder, customer_wrote, move, place

NOW = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)  # noon in Lagos, outside quiet hours
JOB_IDS = {
    "deliver", "pending-reminders", "unpaid-reminders", "abandoned-carts", "feedback", "opening",
    "payment-requests",
}  # fmt: skip


@pytest.fixture
def local_settings(settings: Settings) -> Settings:
    """Settings without Twilio credentials: the console channel."""
    return settings.model_copy(update={"twilio_account_sid": None, "twilio_auth_token": None})


def test_build_scheduler_has_named_coalescing_jobs(
    database: Database, local_settings: Settings, tenant: TenantInfo
) -> None:
    scheduler = build_scheduler(database, local_settings)
    assert isinstance(scheduler, BackgroundScheduler) and not scheduler.running
    scheduler.start(paused=True)  # job defaults are applied when jobs reach the store
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert set(jobs) == JOB_IDS
        assert all(job.coalesce and job.max_instances == 1 for job in jobs.values())
        assert jobs["deliver"].trigger.interval == timedelta(seconds=5)
    finally:
        scheduler.shutdown()
    rebuilt = build_scheduler(database, local_settings, channel=ConsoleChannel())
    assert {job.id for job in rebuilt.get_jobs()} == JOB_IDS
    with database.write() as session:
        queue_message(session, get_tenant(session, tenant.id), to_phone="+2348000000001",
                      channel="whatsapp", kind="alert", body="hello")  # fmt: skip
    jobs["deliver"].func()  # the job itself, on the real clock, through the console channel
    with database.read() as session:
        message = session.scalars(select(Message)).one()
    assert message.status == "sent" and message.sid and len(message.sid) == 34


@pytest.fixture
def busy_tenant(database: Database, tenant: TenantInfo) -> Iterator[TenantInfo]:
    """A tenant with something due for every job at NOW."""
    with database.write() as session:
        update_tenant_settings(
            session,
            get_tenant(session, tenant.id),
            {"unpaid_reminder_minutes": 60, "feedback_after_minutes": 60},
        )
    phones = [f"+23480100000{n:02d}" for n in range(12)]
    for phone in phones:
        customer_wrote(database, tenant.id, NOW - timedelta(minutes=30), phone=phone)
    plan = ["pending"] * 4 + ["confirmed"] * 4 + ["delivered"] * 2
    for phone, status in zip(phones, plan, strict=False):
        order_id = place(database, tenant.id, phone=phone)
        if status != "pending":
            move(database, tenant.id, order_id, status)
    with database.write() as session:
        for order in session.scalars(select(Order)):
            order.status_changed_at = NOW - timedelta(minutes=90)
        for phone in phones[10:]:
            seed_cart(session, tenant.id, phone, {"prod_jollof": 1},
                      last_activity_at=NOW - timedelta(minutes=61))  # fmt: skip
    yield tenant


def _scheduler_process(
    url: str, settings: Settings, recorder: TwilioRecorder, start: threading.Barrier
) -> None:
    """What one scheduler process does: its own engine, every job, several times."""
    database = Database.from_url(url)
    assert settings.twilio_account_sid and settings.twilio_auth_token
    channel = TwilioChannel(
        settings.twilio_account_sid, settings.twilio_auth_token, http_client=recorder
    )
    start.wait()
    try:
        for _ in range(3):
            reminders.remind_pending(database, now=NOW)
            reminders.remind_unpaid(database, now=NOW)
            reminders.ask_feedback(database, now=NOW)
            reminders.nudge_abandoned_carts(database, now=NOW)
            dispatch(database, settings, channel, FakeSender(), now=NOW)
    finally:
        database.dispose()


def test_two_schedulers_send_each_message_exactly_once(
    database: Database, settings: Settings, busy_tenant: TenantInfo
) -> None:
    url = database.engine.url.render_as_string(hide_password=False)
    recorder = TwilioRecorder()
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            _scheduler_process(url, settings, recorder, start)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    sent = Counter((form["To"], form["Body"]) for form in recorder.sent)
    assert sent and max(sent.values()) == 1, [k for k, v in sent.items() if v > 1]
    bodies = [body for _, body in sent]
    assert sum("has been waiting" in b for b in bodies) == 4  # 4 pending orders x 1 staff
    assert sum("waiting for payment" in b for b in bodies) == 4
    assert sum("how was order" in b for b in bodies) == 2
    assert sum("in your cart" in b for b in bodies) == 2
    assert sum("is confirmed" in b for b in bodies) == 4
    with database.read() as session:
        messages = list(session.scalars(select(Message)))
    assert len(messages) == len(recorder.sent)
    assert all(m.status == "queued" and m.attempts == 1 for m in messages)
