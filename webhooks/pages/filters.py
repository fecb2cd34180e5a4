"""Jinja filters of the pages: WhatsApp formatting and times in the business's zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask

from webhooks.pages.chat_format import whatsapp_html


def local_time(moment: datetime, timezone: str, fmt: str = "%d %b %H:%M") -> str:
    """`moment` shown in `timezone`, with the zone's abbreviation (e.g. "23 Nov 16:47 WAT")."""
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{local.strftime(fmt)} {local.tzname()}"


def register_filters(app: Flask) -> None:
    """Make `|whatsapp` and `|local(tz)` available to every template."""
    app.add_template_filter(whatsapp_html, "whatsapp")
    app.add_template_filter(local_time, "local")
