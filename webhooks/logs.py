"""Logging for every chatorders process: timestamps and levels on each line, the request id,
tenant and MessageSid where there is a request, and JSON lines when `LOG_FORMAT=json`.

Nothing here logs message bodies or personal data; the database engine hides SQL parameters
(orders_core.db), so a failed insert's traceback names the statement, not the customer.
"""

from __future__ import annotations

import json
import logging
import os
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-Id"
# A caller's own request id is kept when it is this shape; anything else gets a fresh one.
_CALLER_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
_HANDLER_NAME = "chatorders"
_TEXT = "%(asctime)s %(levelname)s %(name)s [%(context)s] %(message)s"


def configure_logging(fmt: str | None = None, level: str | None = None) -> None:
    """Send every log record to stderr in the chosen format (`LOG_FORMAT`: text or json;
    `LOG_LEVEL`, default INFO). Calling it again replaces our handler, never adds a second."""
    fmt = (fmt or os.environ.get("LOG_FORMAT") or "text").lower()
    level = (level or os.environ.get("LOG_LEVEL") or "INFO").upper()
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(handler)
    handler = logging.StreamHandler()
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(RequestContext())
    handler.setFormatter(JsonLines() if fmt == "json" else _text_formatter())
    root.addHandler(handler)
    root.setLevel(getattr(logging, level, logging.INFO))
    # apscheduler narrates every job added and run at INFO ("Running job ..." every few
    # seconds); bot.scheduler says once which jobs run. Only apscheduler's problems matter.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # The twilio library logs each HTTP request and response at INFO (about 11 lines a send).
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)


def ensure_logging() -> None:
    """configure_logging() unless the process has set up logging already (a test runner, a
    host application): what a WSGI server such as gunicorn gets from create_app."""
    if not logging.getLogger().handlers:
        configure_logging()


def _text_formatter() -> logging.Formatter:
    return _UtcText(_TEXT)


class _UtcText(logging.Formatter):
    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return _utc_iso(record.created).replace("+00:00", "Z")

    def format(self, record: logging.LogRecord) -> str:
        # The traceback may have been formatted (and cached on the record) by another handler.
        return redact(super().format(record))


# PostgreSQL's error DETAIL repeats the row's values ("Key (tenant_id, phone)=(1, +234...)").
_DETAIL = re.compile(r"^DETAIL:.*$", re.MULTILINE)


def redact(traceback_text: str) -> str:
    """A traceback without the database's DETAIL lines (SQL parameters are hidden at the
    engine already)."""
    return _DETAIL.sub("DETAIL: (hidden: it repeats the row's values)", traceback_text)


def _utc_iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds")


class RequestContext(logging.Filter):
    """Stamps each record with the request id, tenant and MessageSid of the request being
    served (empty outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Always True: this filter only adds fields."""
        request_id = tenant = sid = ""
        if has_request_context():
            request_id = str(g.get("request_id") or "")
            tenant = str(g.get("tenant_id") or "")
            sid = _message_sid()
        record.request_id, record.tenant, record.message_sid = request_id, tenant, sid
        parts = [f"req={request_id}" if request_id else "", f"tenant={tenant}" if tenant else "",
                 f"sid={sid}" if sid else ""]  # fmt: skip
        record.context = " ".join(p for p in parts if p) or "-"
        return True


def _message_sid() -> str:
    """The MessageSid of a Twilio webhook being served (form fields only, never the body)."""
    if request.method != "POST" or request.mimetype != "application/x-www-form-urlencoded":
        return ""
    try:
        sid = request.form.get("MessageSid") or request.form.get("SmsSid") or ""
    except Exception:  # a log line must never fail the request
        return ""
    return sid[:64]


class JsonLines(logging.Formatter):
    """One JSON object per record: time, level, logger, message, request_id, tenant,
    message_sid, and the traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        line: dict[str, Any] = {
            "time": _utc_iso(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "tenant", "message_sid"):
            value = getattr(record, key, "")
            if value:
                line[key] = value
        if record.exc_info:
            line["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False)


def init_request_ids(app: Flask) -> None:
    """Give each request an id (the caller's `X-Request-Id` when it is a sane one), put it on
    the log lines and echo it in the response's `X-Request-Id`."""

    @app.before_request
    def _request_id() -> None:
        sent = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = sent if _CALLER_ID.match(sent) else uuid.uuid4().hex

    @app.after_request
    def _echo(response: Response) -> Response:
        request_id = g.get("request_id")
        if request_id:
            response.headers[REQUEST_ID_HEADER] = request_id
        return response
