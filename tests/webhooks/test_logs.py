"""Log lines: timestamps and levels, request id / tenant / MessageSid, JSON lines on demand,
and no personal data (SQL parameters hidden, query strings left out)."""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.exc import IntegrityError

from orders_core.db import Database
from orders_core.models import Customer
from tests.conftest import TenantInfo
from webhooks.logs import configure_logging

PHONE = "+2348055501234"


@pytest.fixture
def logs(capsys: pytest.CaptureFixture[str]) -> Iterator[pytest.CaptureFixture[str]]:
    """Our handler installed for the test (writing to the captured stderr), removed after."""
    root = logging.getLogger()
    level = root.level
    yield capsys
    for handler in [h for h in root.handlers if h.get_name() == "chatorders"]:
        root.removeHandler(handler)
    root.setLevel(level)


def test_text_lines_have_a_utc_time_a_level_and_the_logger(
    logs: pytest.CaptureFixture[str],
) -> None:
    configure_logging("text", "INFO")
    logging.getLogger("bot.scheduler").warning("queue is %s", "late")
    logging.getLogger("bot.scheduler").debug("not shown at INFO")

    [line] = logs.readouterr().err.splitlines()
    stamp, level, name, context, *message = line.split(" ")
    assert re.fullmatch(r"20\d\d-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", stamp), stamp
    assert (level, name, context, " ".join(message)) == ("WARNING", "bot.scheduler", "[-]",
                                                         "queue is late")  # fmt: skip


def test_configuring_twice_keeps_one_handler(logs: pytest.CaptureFixture[str]) -> None:
    configure_logging("text")
    configure_logging("json")
    logging.getLogger("x").error("once")
    assert len(logs.readouterr().err.splitlines()) == 1


def test_json_lines_carry_the_request_id_and_tenant(
    logs: pytest.CaptureFixture[str], app: Flask, client: FlaskClient, tenant: TenantInfo
) -> None:
    configure_logging("json")

    @app.get("/v1/_log_probe")
    def _probe() -> str:
        try:
            raise ValueError("boom")
        except ValueError:
            logging.getLogger("webhooks.probe").exception("probe failed")
        return "ok"

    response = client.get(
        "/v1/_log_probe", headers={**tenant.headers, "X-Request-Id": "req-abc-12345"}
    )

    assert response.headers["X-Request-Id"] == "req-abc-12345"
    [line] = [json.loads(x) for x in logs.readouterr().err.splitlines() if "probe" in x]
    assert line["level"] == "ERROR" and line["logger"] == "webhooks.probe"
    assert line["request_id"] == "req-abc-12345" and line["tenant"] == str(tenant.id)
    assert "ValueError: boom" in line["exception"] and line["time"].endswith("+00:00")


def test_a_strange_request_id_is_replaced(client: FlaskClient) -> None:
    response = client.get("/healthz", headers={"X-Request-Id": "<script>"})
    assert response.headers["X-Request-Id"] != "<script>"
    assert len(response.headers["X-Request-Id"]) == 32


def test_a_twilio_webhook_line_names_the_message_sid_not_the_body(
    logs: pytest.CaptureFixture[str], app: Flask
) -> None:
    configure_logging("text")
    form = {"MessageSid": "SM" + "a" * 32, "Body": "2 jollof, gate code 4471", "From": PHONE}
    with app.test_request_context("/webhooks/twilio/messages", method="POST", data=form):
        logging.getLogger("bot.inbound").warning("answer took long")

    [line] = logs.readouterr().err.splitlines()
    assert f"sid=SM{'a' * 32}]" in line
    assert "4471" not in line and PHONE not in line


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_failed_insert_is_logged_without_the_customers_details(
    logs: pytest.CaptureFixture[str], database: Database, tenant: TenantInfo, fmt: str
) -> None:
    configure_logging(fmt)
    with database.write() as session:
        session.add(Customer(tenant_id=tenant.id, phone=PHONE, name="Adaeze Okafor"))
    with pytest.raises(IntegrityError) as caught, database.write() as session:
        session.add(Customer(tenant_id=tenant.id, phone=PHONE, name="Adaeze Okafor"))
    assert "hidden due to hide_parameters" in str(caught.value)

    logging.getLogger("webhooks.errors").error("unhandled error", exc_info=caught.value)

    err = logs.readouterr().err
    assert "INSERT INTO customers" in err and "IntegrityError" in err
    assert "+2348055501234" not in err and "Adaeze" not in err


def test_the_scheduler_process_logs_and_stops_cleanly_on_sigterm(
    database: Database, tmp_path: Path
) -> None:
    """A real `chatorders scheduler` process: it says it runs, SIGTERM stops it with exit
    code 0. Every wait is bounded, so a regression fails instead of hanging CI."""
    log_path = tmp_path / "scheduler.log"
    env = {**os.environ, "DATABASE_URL": database.engine.url.render_as_string(hide_password=False),
           "LOG_FORMAT": "text"}  # fmt: skip
    env.pop("TWILIO_ACCOUNT_SID", None)
    chatorders = Path(sys.executable).with_name("chatorders")
    with log_path.open("w") as log:
        process = subprocess.Popen([str(chatorders), "scheduler"], env=env, stderr=log, stdout=log)
    try:
        deadline = time.monotonic() + 60
        while "scheduler running" not in log_path.read_text() and time.monotonic() < deadline:
            assert process.poll() is None, log_path.read_text()
            time.sleep(0.1)
        assert "scheduler running" in log_path.read_text()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
    output = log_path.read_text()
    assert " INFO bot.scheduler " in output and "stopping the scheduler" in output
    assert "Traceback" not in output
