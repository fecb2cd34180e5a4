"""/v1/messages: what customers and staff were told, with delivery status."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("messages", __name__, url_prefix="/v1")
