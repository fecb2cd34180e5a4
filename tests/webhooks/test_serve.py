"""`chatorders serve`: settings for local runs, demo seeding, the banner, and a real run."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import func, select

from orders_core.db import Database
from orders_core.models import ApiKey, Product, Tenant
from orders_core.services.tenants import authenticate
from orders_core.settings import Settings
from webhooks.app import create_app
from webhooks.serve import banner, local_settings, prepare


def settings_for(database: Database, **overrides: object) -> Settings:
    """Settings on the test database with no Twilio account unless given."""
    fields: dict[str, object] = {
        "database_url": database.engine.url.render_as_string(hide_password=False),
        "twilio_account_sid": None,
        "twilio_auth_token": None,
        **overrides,
    }
    return Settings.model_validate(fields)


def test_local_runs_sign_for_the_address_they_serve_on(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PUBLIC_BASE_URL", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    local = local_settings(Settings(), host="0.0.0.0", port=5055)
    assert local.public_base_url == "http://127.0.0.1:5055"
    assert (
        local_settings(Settings(), host="127.0.0.2", port=80).public_base_url
        == "http://127.0.0.2:80"
    )
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://orders.example.ng")
    assert (
        local_settings(Settings(), host="0.0.0.0", port=5055).public_base_url
        == "https://orders.example.ng"
    )
    monkeypatch.delenv("PUBLIC_BASE_URL")
    twilio = Settings(twilio_account_sid="AC" + "1" * 32, twilio_auth_token="t")
    assert (
        local_settings(twilio, host="0.0.0.0", port=5055).public_base_url == twilio.public_base_url
    )


def test_prepare_seeds_once_then_rotates_the_demo_key(database: Database) -> None:
    settings = settings_for(database)
    first = prepare(settings)
    second = prepare(settings)
    assert first.seeded and not second.seeded
    assert first.demo_key and second.demo_key and first.demo_key.secret != second.demo_key.secret
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(Tenant)) == 1
        assert session.scalar(select(func.count()).select_from(Product)) >= 10
        assert authenticate(session, first.demo_key.secret) is None
        assert authenticate(session, second.demo_key.secret) is not None
        assert session.scalar(select(func.count()).select_from(ApiKey)) == 2
    first.database.dispose()
    second.database.dispose()


def test_the_banner_says_where_to_go_and_where_messages_go(database: Database) -> None:
    settings = local_settings(settings_for(database), host="127.0.0.1", port=5055)
    prepared = prepare(settings)
    assert prepared.demo_key is not None
    text = banner(settings, prepared, base="http://127.0.0.1:5055")
    assert "http://127.0.0.1:5055/simulator" in text
    assert "http://127.0.0.1:5055/dashboard" in text
    assert prepared.demo_key.secret in text
    assert "http://127.0.0.1:5055/webhooks/twilio/messages" in text
    assert "http://127.0.0.1:5055/webhooks/twilio/status" in text
    assert "stay local" in text and "WARNING" not in text
    live = settings.model_copy(
        update={
            "twilio_account_sid": "AC" + "1" * 32,
            "twilio_auth_token": "t",
            "public_base_url": "https://orders.example.ng",
            "twilio_skip_signature_check": True,
        }
    )
    text = banner(live, prepared, base="http://127.0.0.1:5055")
    assert "sent through Twilio" in text and "/simulator" not in text
    assert "https://orders.example.ng/webhooks/twilio/messages" in text
    assert "TWILIO_SKIP_SIGNATURE_CHECK is IGNORED" in text
    local_unsigned = settings.model_copy(update={"twilio_skip_signature_check": True})
    assert "signature checking is OFF" in banner(local_unsigned, prepared, base="http://x")
    prepared.database.dispose()


def test_create_app_without_arguments_reads_the_environment(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What `gunicorn -w 4 'webhooks.app:create_app()'` does."""
    monkeypatch.setenv("DATABASE_URL", database.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("SECRET_KEY", "s3cret")
    app = create_app()
    assert app.secret_key == "s3cret"
    assert app.test_client().get("/healthz").json == {"status": "ok", "database": "ok"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_from_a_terminal() -> None:
    """Ctrl-C interrupts, as in a terminal: a test run started in the background (`cmd &`
    from a script) hands its children SIGINT ignored, and a Ctrl-C could never arrive."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_serve_runs_for_real_and_stops_cleanly(tmp_path: Path, stop: signal.Signals) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "PUBLIC_BASE_URL"))}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'serve.db'}"
    command = [
        sys.executable,
        "-c",
        "from webhooks.cli import main; main()",
        "serve",
        "--port",
        str(port),
    ]
    proc = subprocess.Popen(
        command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=_as_from_a_terminal,
    )  # fmt: skip
    try:
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stdout.readline() if proc.stdout else ""
            lines.append(line)
            if "Status callback URL" in line or not line:
                break
        text = "".join(lines)
        assert f"http://127.0.0.1:{port}/simulator" in text, text
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/simulator/", timeout=10) as page:
            assert "WhatsApp simulator" in page.read().decode()
        poll = f"http://127.0.0.1:{port}/simulator/api/messages?phone=%2B2348012345678"
        with urllib.request.urlopen(poll, timeout=10) as answer:
            assert answer.status == 200
    finally:
        proc.send_signal(stop)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Traceback" not in err, err
    assert "stopping chatorders" in out
    assert '"GET /simulator/" 200' in err and "/simulator/api/messages" not in err
    assert " INFO " in err  # log lines carry their level (and a time) now
