"""How the simulator's phones show a message: safe HTML, time, ticks, and what WhatsApp would
draw besides the text (reply buttons, a list, a picture, a location pin)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from bot.interactive import local_buttons
from bot.outbound import INTERACTIVE
from orders_core.models import Message
from webhooks.pages.chat_format import whatsapp_html

# Errors a developer can make the business's next message fail with (Twilio's codes).
FAILURES: dict[int, str] = {
    63016: "63016 · outside the 24-hour window",
    63024: "63024 · invalid recipient",
    63003: "63003 · not a WhatsApp number",
    30008: "30008 · unknown error",
}


def interactive_of(message: Message) -> dict[str, Any] | None:
    """The buttons or list an outbound message carries, drawn from the local description of
    its template key ({"buttons": [...]} or {"list": {...}}); None for plain text."""
    key = (message.payload or {}).get(INTERACTIVE)
    if message.direction != "outbound" or not message.content_sid or not key:
        return None
    return local_buttons(str(key), message.content_variables or {})


def _location(payload: dict[str, Any]) -> dict[str, str] | None:
    if not payload.get("Latitude") or not payload.get("Longitude"):
        return None
    return {
        "latitude": str(payload["Latitude"]),
        "longitude": str(payload["Longitude"]),
        "label": str(payload.get("Label") or ""),
        "address": str(payload.get("Address") or ""),
    }


def message_view(message: Message, zone: ZoneInfo, base_url: str) -> dict[str, Any]:
    """A message as the phone shows it: who wrote it, safe HTML, time, delivery status, and
    its buttons, list, pictures (only this server's own, shown by path) or pin. `failable`:
    an outbound message Twilio accepted (it has a sid), which a chosen error can still fail."""
    body = message.body
    if body is None and message.content_sid:
        body = f"[template {message.content_sid}] {message.content_variables or {}}"
    payload = message.payload or {}
    view: dict[str, Any] = {
        "id": message.id,
        "mine": message.direction == "inbound",
        "html": str(whatsapp_html(body)) if body else "",
        "status": message.status,
        "kind": message.kind,
        "time": message.created_at.astimezone(zone).strftime("%H:%M"),
        "failable": message.direction == "outbound" and bool(message.sid),
        "error": message.error_code,
    }
    interactive = interactive_of(message)
    if interactive:
        view.update(interactive)
    if message.direction == "inbound":
        base = base_url.rstrip("/") + "/"
        images = [
            str(m.get("url", ""))[len(base) - 1 :]
            for m in message.media or []
            if str(m.get("content_type", "")).startswith("image/")
            and str(m.get("url", "")).startswith(base)
        ]
        if images:
            view["images"] = images
        location = _location(payload)
        if location:
            view["location"] = location
        if payload.get("ButtonPayload") or payload.get("ListId"):
            view["tapped"] = True
    return view
