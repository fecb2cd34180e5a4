"""`chatorders serve`: the whole product on one machine (web app, scheduler, demo data).

For production, run the app under gunicorn and the scheduler as its own process:

    gunicorn -w 4 -b 0.0.0.0:8000 'webhooks.app:create_app()'
    chatorders scheduler

with DATABASE_URL, SECRET_KEY, PUBLIC_BASE_URL and the Twilio credentials in the environment.
"""

from __future__ import annotations

import signal
import threading
from dataclasses import dataclass
from types import FrameType
from typing import Any

import click
from apscheduler.schedulers.background import BackgroundScheduler
from werkzeug.serving import WSGIRequestHandler, make_server

from bot.scheduler import build_scheduler
from orders_core.db import Database
from orders_core.demo import rotate_demo_key, seed_demo
from orders_core.migrate import upgrade
from orders_core.services.tenants import NewApiKey
from orders_core.settings import Settings
from webhooks.app import create_app

# The simulator and the board poll these every few seconds; logging each would bury the rest.
QUIET_POLLS = ("/simulator/api/messages", "/dashboard/api/version")


class QuietPollsHandler(WSGIRequestHandler):
    """werkzeug's request log, minus the pages' successful polls."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Log the request, without its query string (it can hold a phone number), unless it
        is a successful poll."""
        if str(code) == "200" and self.path.startswith(QUIET_POLLS):
            return
        path = self.path.split("?", 1)[0]
        self.log("info", '"%s %s" %s %s', self.command, path, code, size)


@dataclass(frozen=True)
class Prepared:
    """A migrated database with its demo key (None when the database holds no demo)."""

    database: Database
    demo_key: NewApiKey | None
    seeded: bool


def local_url(host: str, port: int) -> str:
    """The URL a browser on this machine reaches the server at (0.0.0.0 shown as 127.0.0.1)."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    return f"http://{shown}:{port}"


def local_settings(settings: Settings, *, host: str, port: int) -> Settings:
    """`settings`, with the public URL pointed at this server when nothing real is configured.

    Without Twilio credentials and without PUBLIC_BASE_URL, the simulator signs its requests
    for the URL this server answers on, so signatures check out locally.
    """
    if settings.twilio_configured:
        return settings
    update: dict[str, object] = {"simulator_enabled": True}
    if "public_base_url" not in settings.model_fields_set:
        update["public_base_url"] = local_url(host, port)
    return settings.model_copy(update=update)


def prepare(settings: Settings) -> Prepared:
    """Migrate the database; seed the demo into an empty one, else mint a fresh demo key."""
    database = Database.from_url(settings.database_url)
    upgrade(database.engine)
    with database.write() as session:
        seeded = seed_demo(session)
        key = seeded or rotate_demo_key(session)
    return Prepared(database, key, seeded is not None)


def start_scheduler(database: Database, settings: Settings) -> BackgroundScheduler:
    """The background jobs (outbox delivery, reminders), started."""
    scheduler = build_scheduler(database, settings)
    scheduler.start()
    return scheduler


def banner(settings: Settings, prepared: Prepared, *, base: str) -> str:
    """What to open, what to paste into Twilio's console, and where messages go."""
    public = settings.public_base_url.rstrip("/")
    url = prepared.database.engine.url.render_as_string(hide_password=True)
    lines = [
        f"chatorders is running on {base}   (Ctrl-C stops it)",
        "",
    ]
    if settings.simulator_enabled and not settings.twilio_configured:
        lines.append(f"  Simulator:      {base}/simulator/   <- start here: order as a customer")
    lines += [
        f"  Order board:    {base}/dashboard/   (sign in with the API key below)",
        "  Demo API key:   "
        + (
            f"{prepared.demo_key.secret}   (new at every start; older demo keys are revoked)"
            if prepared.demo_key
            else "none (this database has no demo business; `chatorders apikey create`)"
        ),
        f"  Database:       {url}"
        + ("   (demo business and menu created)" if prepared.seeded else ""),
        "  Messages:       "
        + (
            "sent through Twilio"
            if settings.twilio_enabled
            else "stay local (no Twilio credentials): shown in the simulator, nothing is sent"
        ),
        "  Scheduler:      running here (outbox delivery, reminders)",
        "  Twilio console: A message comes in ->  "
        + public
        + "/webhooks/twilio/messages  (HTTP POST)",
        "                  Status callback URL -> " + public + "/webhooks/twilio/status",
    ]
    if not settings.secret_key:
        lines.append(
            "  Sessions:       random secret key: a restart signs everyone out (set SECRET_KEY)"
        )
    if settings.twilio_skip_signature_check and settings.twilio_configured:
        lines.append(
            "  Signatures:     TWILIO_SKIP_SIGNATURE_CHECK is IGNORED: Twilio credentials are set"
        )
    elif settings.twilio_skip_signature_check:
        lines += [
            "",
            "  !!! WARNING: Twilio signature checking is OFF (TWILIO_SKIP_SIGNATURE_CHECK).       !!!",
            "  !!! Anyone who can reach this server can post fake WhatsApp messages. Dev only.   !!!",
        ]
    return "\n".join(lines)


def _stop_on_sigterm() -> None:
    """Make SIGTERM stop the server like Ctrl-C (only possible from the main thread)."""

    def handler(_signum: int, _frame: FrameType | None) -> Any:
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, handler)


def run(settings: Settings, *, host: str, port: int) -> None:
    """Migrate, seed the demo tenant into an empty database, print how to reach it, serve
    until Ctrl-C or SIGTERM, then stop the scheduler and the server cleanly."""
    settings = local_settings(settings, host=host, port=port)
    prepared = prepare(settings)
    app = create_app(settings, db=prepared.database)
    server = make_server(host, port, app, threaded=True, request_handler=QuietPollsHandler)
    scheduler = start_scheduler(prepared.database, settings)
    base = local_url(host, port)
    click.echo(banner(settings, prepared, base=base))
    _stop_on_sigterm()
    try:
        server.serve_forever()  # werkzeug returns from here on Ctrl-C
    except KeyboardInterrupt:
        pass
    finally:
        click.echo("\nstopping chatorders…")
        scheduler.shutdown()
        server.server_close()
        prepared.database.dispose()
