"""/v1/webhook_endpoints: the business systems that receive signed order events."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("webhook_endpoints", __name__, url_prefix="/v1")
