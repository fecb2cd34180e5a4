"""The APScheduler wiring: delivery every few seconds, reminders every minute.

Any number of schedulers may run against one database: every job claims its rows there
(see bot.dispatcher and bot.reminders), so a job run twice does its work once.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable
from datetime import datetime
from types import FrameType

from apscheduler.schedulers.background import BackgroundScheduler

from bot import opening, reminders
from bot.channels import Channel, channel_for
from bot.dispatcher import dispatch
from bot.payments.asking import prepare_links
from bot.payments.jobs import payment_requests
from bot.payments.registry import Wiring
from bot.webhook_delivery import Sender, UrllibSender
from orders_core.db import Database
from orders_core.models import utcnow
from orders_core.settings import Settings

log = logging.getLogger(__name__)

DELIVERY_SECONDS = 5
REMINDER_SECONDS = 60
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 30}


def _job(work: Callable[[datetime], object], name: str) -> Callable[[], None]:
    """Run `work(now)` on the real clock, logging (not raising) its failures."""

    def run() -> None:
        try:
            work(utcnow())
        except Exception:
            log.exception("scheduled job %s failed", name)

    return run


def build_scheduler(
    database: Database,
    settings: Settings,
    *,
    channel: Channel | None = None,
    sender: Sender | None = None,
    stop: threading.Event | None = None,
) -> BackgroundScheduler:
    """A scheduler (not started) with the delivery and reminder jobs, each under a fixed id.
    Once `stop` is set, a running delivery sends nothing more and hands back what it claimed."""
    channel = channel or channel_for(settings)
    sender = sender or UrllibSender(allow_private=settings.webhook_allow_private)
    scheduler = BackgroundScheduler(timezone="UTC", job_defaults=JOB_DEFAULTS)
    wiring = Wiring.from_settings(settings, os.environ)

    def deliver(now: datetime) -> None:
        # Payment links of just-confirmed orders first, so their confirmation carries them.
        prepare_links(database, settings.public_base_url)
        dispatch(database, settings, channel, sender, now=now, stop=stop)

    jobs: dict[str, tuple[Callable[[datetime], object], int]] = {
        "deliver": (deliver, DELIVERY_SECONDS),
        "payment-requests": (
            lambda now: payment_requests(database, wiring, now=now),
            DELIVERY_SECONDS,
        ),
        "pending-reminders": (
            lambda now: reminders.remind_pending(database, now=now),
            REMINDER_SECONDS,
        ),
        "unpaid-reminders": (
            lambda now: reminders.remind_unpaid(database, now=now),
            REMINDER_SECONDS,
        ),
        "abandoned-carts": (
            lambda now: reminders.nudge_abandoned_carts(database, now=now),
            REMINDER_SECONDS,
        ),
        "feedback": (lambda now: reminders.ask_feedback(database, now=now), REMINDER_SECONDS),
        "opening": (lambda now: opening.ask_at_opening(database, now=now), REMINDER_SECONDS),
    }
    for job_id, (work, seconds) in jobs.items():
        scheduler.add_job(
            _job(work, job_id), "interval", seconds=seconds, id=job_id, replace_existing=True
        )
    return scheduler


def run_forever(settings: Settings) -> None:
    """Run the scheduled jobs until SIGINT or SIGTERM, then finish the running ones and stop."""
    database = Database.from_url(settings.database_url)
    stop = threading.Event()
    scheduler = build_scheduler(database, settings, stop=stop)

    def _stop(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %s: stopping the scheduler", signum)
        stop.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    scheduler.start()
    log.info("scheduler running: %s", ", ".join(job.id for job in scheduler.get_jobs()))
    try:
        stop.wait()
    finally:
        scheduler.shutdown(wait=True)
        database.dispose()
