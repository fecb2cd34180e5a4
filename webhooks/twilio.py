"""Twilio's inbound edge: /webhooks/twilio/messages and /webhooks/twilio/status."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("twilio", __name__, url_prefix="/webhooks/twilio")
