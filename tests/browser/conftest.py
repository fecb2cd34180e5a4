"""Real headless Chromium (Debian's) against the real app served on a free loopback port."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from orders_core.db import Database
from orders_core.settings import Settings
from webhooks.app import create_app
from webhooks.serve import prepare, start_scheduler

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One Chromium for the session; the tests skip where Debian's chromium is not installed."""
    if not CHROMIUM.exists():
        pytest.skip(
            "browser tests need Debian's chromium at /usr/bin/chromium (apt-get install chromium)"
        )
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context (no cookies) and page at a laptop's size."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-GB")
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def artifacts() -> Path:
    """Where screenshots go (gitignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@dataclass
class LiveServer:
    """The app as `chatorders serve` runs it: seeded demo, scheduler, real HTTP on loopback."""

    url: str
    settings: Settings
    database: Database
    demo_key: str


@pytest.fixture
def live_server(database: Database) -> Iterator[LiveServer]:
    """serve's own steps (prepare, create_app, start_scheduler) behind werkzeug on a free port."""
    holder: dict[str, Any] = {}
    server = make_server(
        "127.0.0.1", 0, lambda env, start: holder["app"](env, start), threaded=True
    )
    url = f"http://127.0.0.1:{server.server_port}"
    settings = Settings(
        database_url=database.engine.url.render_as_string(hide_password=False),
        public_base_url=url,
        twilio_account_sid=None,
        twilio_auth_token=None,
        twilio_skip_signature_check=False,
        secret_key=None,
        simulator_enabled=True,
        # Limits (sign-in attempts included) counted per server, as `chatorders serve` does:
        # a shared REDIS_URL would count every test's sign-ins from 127.0.0.1 together.
        redis_url=None,
    )
    prepared = prepare(settings)
    assert prepared.demo_key is not None
    holder["app"] = create_app(settings, db=prepared.database)
    scheduler = start_scheduler(prepared.database, settings)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(url, settings, prepared.database, prepared.demo_key.secret)
    server.shutdown()
    thread.join(10)
    scheduler.shutdown()
    prepared.database.dispose()
