"""Twilio's inbound edge: /webhooks/twilio/messages and /webhooks/twilio/status."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from flask import Blueprint, Response, abort, request
from twilio.request_validator import (
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)

from bot.inbound import BadInbound, UnknownNumber, handle_inbound
from bot.receipts import record_receipt
from orders_core.models import utcnow
from webhooks.context import db, services

log = logging.getLogger(__name__)

bp = Blueprint("twilio", __name__, url_prefix="/webhooks/twilio")

TWIML = "text/xml"


def public_url() -> str:
    """The URL Twilio called, as configured publicly (it signs that one, not the proxied one)."""
    url = services().settings.public_base_url.rstrip("/") + request.path
    if request.query_string:
        url += "?" + request.query_string.decode("utf-8", "replace")
    return url


def verify_signature() -> None:
    """Abort with 403 unless X-Twilio-Signature matches the public URL and the form."""
    settings = services().settings
    if settings.signature_check_skipped:
        log.warning("X-Twilio-Signature NOT checked (twilio_skip_signature_check is on)")
        return
    signature = request.headers.get(SIGNATURE_HEADER, "")
    algorithm = get_signature_algorithm(request.headers.get(SIGNATURE_SETTINGS_HEADER))
    validator = RequestValidator(settings.inbound_auth_token)
    if not signature or not validator.validate(public_url(), request.form, signature, algorithm):
        log.warning("rejected a Twilio webhook with a bad signature: %s", request.path)
        abort(403, "Invalid X-Twilio-Signature")


def now() -> datetime:
    """The current time from the app's clock: extras["clock"] when tests give one."""
    clock: Callable[[], datetime] = services().extras.get("clock", utcnow)
    return clock()


@bp.post("/messages")
def messages() -> Response:
    """An inbound WhatsApp/SMS message: answered in TwiML, processed once per MessageSid."""
    verify_signature()
    form = request.form.to_dict(flat=True)
    try:
        twiml = handle_inbound(db(), form, settings=services().settings, now=now())
    except UnknownNumber:
        abort(404, "No business uses this number")
    except BadInbound as exc:
        abort(400, str(exc))
    return Response(twiml, content_type=TWIML)


@bp.post("/status")
def status() -> Response:
    """A delivery receipt for an outbound message; unknown sids are acknowledged and ignored."""
    verify_signature()
    sid = request.form.get("MessageSid", "")
    state = request.form.get("MessageStatus", "")
    if sid and state:
        with db().write() as session:
            record_receipt(session, sid, state, request.form.get("ErrorCode"), now=now())
    return Response("", status=200)
