"""/simulator: a customer's phone and a staff member's phone, talking to the real webhook.

Enabled only when no Twilio account is configured: it can speak as any customer.
"""

from __future__ import annotations

import random
import re
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from orders_core.demo import DEMO_CUSTOMER, DEMO_STAFF
from orders_core.models import Message, Tenant, utcnow
from orders_core.phones import normalize_phone
from webhooks.context import db, services
from webhooks.errors import error_response
from webhooks.pages import local_twilio
from webhooks.pages.chat_format import whatsapp_html

bp = Blueprint("simulator", __name__, url_prefix="/simulator")
SMALL_INT = re.compile(r"[0-9]{1,18}")  # ASCII digits that fit a BIGINT

MAX_BODY = 1600
PAGE_SIZE = 200
STATUS_WINDOW = 50


def simulator_enabled() -> bool:
    """True when `serve` turned it on and no Twilio credential is set, so nothing real is at stake."""
    settings = services().settings
    return settings.simulator_enabled and not settings.twilio_configured


@bp.before_request
def _only_without_twilio() -> ResponseReturnValue | None:
    """404 for everything here once a real Twilio account is configured."""
    if not simulator_enabled():
        abort(404)
    return None


def _tenant(session: Session, wanted: str | None) -> Tenant:
    """The tenant asked for by id, else the first one with a WhatsApp number (the demo)."""
    query = select(Tenant).where(Tenant.whatsapp_number.is_not(None)).order_by(Tenant.id)
    if wanted and SMALL_INT.fullmatch(wanted):
        query = query.where(Tenant.id == int(wanted))
    tenant = session.scalars(query.options(selectinload(Tenant.staff)).limit(1)).first()
    if tenant is None:
        abort(
            404, "No business with a WhatsApp number yet: run `chatorders serve` to seed the demo."
        )
    return tenant


def _customers(session: Session, tenant: Tenant) -> list[str]:
    """Numbers that have written to the tenant (staff excepted), the demo customer first."""
    staff = {s.phone for s in tenant.staff}
    seen = session.scalars(
        select(Message.customer_phone)
        .where(Message.tenant_id == tenant.id, Message.direction == "inbound")
        .group_by(Message.customer_phone)
    )
    others = sorted({p for p in seen if p and p not in staff and p != DEMO_CUSTOMER})
    return [DEMO_CUSTOMER, *others]


def _view(message: Message, zone: ZoneInfo) -> dict[str, Any]:
    """A message as the phone shows it: who wrote it, safe HTML, time and delivery status."""
    body = message.body
    if body is None and message.content_sid:
        body = f"[template {message.content_sid}] {message.content_variables or {}}"
    return {
        "id": message.id,
        "mine": message.direction == "inbound",
        "html": str(whatsapp_html(body)),
        "status": message.status,
        "kind": message.kind,
        "time": message.created_at.astimezone(zone).strftime("%H:%M"),
    }


@bp.get("/")
def page() -> ResponseReturnValue:
    """Two phones side by side: a customer (switchable) and the business's staff member."""
    with db().read() as session:
        tenant = _tenant(session, request.args.get("tenant"))
        tenants = list(
            session.scalars(
                select(Tenant).where(Tenant.whatsapp_number.is_not(None)).order_by(Tenant.id)
            )
        )
        return render_template(
            "simulator/page.html",
            tenant=tenant,
            tenants=tenants,
            staff_phone=tenant.staff[0].phone if tenant.staff else DEMO_STAFF,
            customers=_customers(session, tenant),
            skip_signature=services().settings.signature_check_skipped,
        )


def _phone_arg(value: Any) -> str:
    try:
        return normalize_phone(str(value or ""))
    except ValueError:
        abort(400, "phone must be in E.164 form, like +2348012345678")


@bp.get("/api/messages")
def messages() -> Response:
    """The thread of one phone after message `after`, and the statuses of its latest messages."""
    phone = _phone_arg(request.args.get("phone"))
    after = request.args.get("after", "0")
    after_id = int(after) if SMALL_INT.fullmatch(after) else 0
    with db().read() as session:
        tenant = _tenant(session, request.args.get("tenant"))
        zone = ZoneInfo(tenant.timezone)
        thread = select(Message).where(
            Message.tenant_id == tenant.id, Message.customer_phone == phone
        )
        new = session.scalars(
            thread.where(Message.id > after_id).order_by(Message.id).limit(PAGE_SIZE)
        )
        recent = session.scalars(
            thread.where(Message.direction == "outbound", Message.id <= after_id)
            .order_by(Message.id.desc())
            .limit(STATUS_WINDOW)
        )
        return jsonify({
            "messages": [_view(m, zone) for m in new],
            "statuses": {str(m.id): m.status for m in recent},
        })  # fmt: skip


def _json_object() -> dict[str, Any]:
    """The JSON body (only JSON is accepted, which also keeps other sites' forms out)."""
    try:
        data = request.get_json(silent=True) if request.is_json else None
    except RecursionError:
        data = None
    if not isinstance(data, dict):
        abort(415, "Send a JSON object with 'Content-Type: application/json'")
    return data


@bp.post("/api/send")
def send() -> ResponseReturnValue:
    """Send a text from a phone to the business through the real, signed Twilio webhook."""
    data = _json_object()
    phone = _phone_arg(data.get("phone"))
    body = str(data.get("body") or "").strip()
    if not body or len(body) > MAX_BODY:
        return error_response(
            400, "invalid_request", f"Write 1 to {MAX_BODY} characters", param="body"
        )
    settings = services().settings
    with db().read() as session:
        tenant = _tenant(session, str(data.get("tenant") or ""))
        tenant_phone = tenant.whatsapp_number or ""
        before = session.scalar(select(Message.id).order_by(Message.id.desc()).limit(1)) or 0
    fields = local_twilio.inbound_fields(
        sid=local_twilio.new_message_sid(),
        from_phone=phone,
        to_phone=tenant_phone,
        body=body,
        profile_name=str(data.get("name") or "").strip()[:200] or None,
        settings=settings,
    )
    answer = local_twilio.post_signed(settings, local_twilio.MESSAGES_PATH, fields)
    if answer.status >= 400:
        return error_response(
            502, "webhook_failed", f"The Twilio webhook answered {answer.status}",
            details={"webhook_status": answer.status},
        )  # fmt: skip
    return jsonify(
        {"sid": fields["MessageSid"], "replies": _unrecorded(answer.replies, phone, before)}
    )


def _unrecorded(replies: list[str], phone: str, before: int) -> list[str]:
    """The TwiML replies the webhook did not also store as messages (those arrive by polling)."""
    with db().read() as session:
        stored = set(
            session.scalars(
                select(Message.body).where(
                    Message.id > before,
                    Message.customer_phone == phone,
                    Message.direction == "outbound",
                )
            )
        )
    return [reply for reply in replies if reply not in stored]


@bp.post("/api/read")
def mark_read() -> Response:
    """Report the given outbound messages as read, through the real signed status callback."""
    raw_ids = _json_object().get("ids", [])
    raw_ids = raw_ids if isinstance(raw_ids, list) else []
    ids = [i for i in raw_ids if type(i) is int and 0 < i < 2**63][:STATUS_WINDOW]
    settings = services().settings
    with db().read() as session:
        unread = list(
            session.scalars(
                select(Message).where(
                    Message.id.in_(ids),
                    Message.direction == "outbound",
                    Message.sid.is_not(None),
                    Message.status.in_(("sent", "delivered")),
                )
            )
        )
    for message in unread:
        for status in ("delivered", "read") if message.status == "sent" else ("read",):
            fields = local_twilio.status_fields(
                sid=message.sid or "",
                status=status,
                from_address=message.from_number,
                to_address=message.to_number,
                settings=settings,
            )
            local_twilio.post_signed(settings, local_twilio.STATUS_PATH, fields)
    return jsonify({"read": [m.id for m in unread], "at": utcnow().isoformat()})


@bp.get("/api/new-customer")
def new_customer() -> Response:
    """A fresh Nigerian mobile number no one has used in the simulator yet."""
    with db().read() as session:
        taken = set(session.scalars(select(Message.customer_phone).distinct()))
    while True:
        phone = f"+23481{random.randrange(10**8):08d}"
        if phone not in taken:
            return jsonify({"phone": phone})
