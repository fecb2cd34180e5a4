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
from orders_core.models import Customer, Message, Tenant, utcnow
from orders_core.phones import normalize_phone
from webhooks.context import db, services
from webhooks.errors import error_response
from webhooks.pages import local_twilio
from webhooks.pages.simulator_view import FAILURES, interactive_of, message_view

bp = Blueprint("simulator", __name__, url_prefix="/simulator")
SMALL_INT = re.compile(r"[0-9]{1,18}")  # ASCII digits that fit a BIGINT

MAX_BODY = 1600
PAGE_SIZE = 200
STATUS_WINDOW = 50
SAMPLE_IMAGE = "sample-payment-proof.png"  # under webhooks/static/, served by this app
MAX_FIELD = 200


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
            failures=FAILURES,
        )


def _phone_arg(value: Any) -> str:
    try:
        return normalize_phone(str(value or ""))
    except ValueError:
        abort(400, "phone must be in E.164 form, like +2348012345678")


@bp.get("/api/messages")
def messages() -> Response:
    """The thread of one phone after message `after`, and the statuses of its latest messages;
    from the start (`after` 0) also the name the business knows the number by."""
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
        base = services().settings.public_base_url
        answer: dict[str, Any] = {
            "messages": [message_view(m, zone, base) for m in new],
            "statuses": {str(m.id): m.status for m in recent},
        }
        if after_id == 0:
            answer["name"] = (
                session.scalar(
                    select(Customer.name).where(
                        Customer.tenant_id == tenant.id, Customer.phone == phone
                    )
                )
                or ""
            )
        return jsonify(answer)


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
    body = str(data.get("body") or "").strip()
    if not body or len(body) > MAX_BODY:
        return error_response(
            400, "invalid_request", f"Write 1 to {MAX_BODY} characters", param="body"
        )
    return _post_inbound(data, body, {})


@bp.post("/api/tap")
def tap() -> ResponseReturnValue:
    """Tap a button or pick a list item of a message the phone received, as WhatsApp does:
    a new inbound message with ButtonPayload/ButtonText or ListId/ListTitle."""
    data = _json_object()
    phone = _phone_arg(data.get("phone"))
    raw_id = data.get("message_id")
    wanted = str(data.get("id") or "")
    with db().read() as session:
        message = session.get(Message, raw_id) if type(raw_id) is int and raw_id > 0 else None
        shown = interactive_of(message) if message and message.customer_phone == phone else None
        replied_to = message.sid if message else None
    choices = [("button", b) for b in (shown or {}).get("buttons", [])] + [
        ("list", i) for i in (shown or {}).get("list", {}).get("items", [])
    ]
    found = next(((kind, c) for kind, c in choices if c["id"] == wanted), None)
    if found is None:
        return error_response(400, "invalid_request", "No such button on that message", param="id")
    kind, choice = found
    fields = local_twilio.tap_fields(kind, choice["id"], choice["title"], replied_to)
    return _post_inbound(data, choice["title"], fields)


@bp.post("/api/location")
def location() -> ResponseReturnValue:
    """Share a location pin (Latitude, Longitude, and Address/Label when given)."""
    data = _json_object()
    try:
        latitude, longitude = float(data.get("latitude")), float(data.get("longitude"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        latitude = longitude = float("nan")
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return error_response(
            400, "invalid_request", "Give a latitude (-90..90) and a longitude (-180..180)",
            param="latitude",
        )  # fmt: skip
    address = str(data.get("address") or "").strip()[:MAX_FIELD]
    label = str(data.get("label") or "").strip()[:MAX_FIELD]
    return _post_inbound(
        data, "", local_twilio.location_fields(latitude, longitude, address, label)
    )


@bp.post("/api/image")
def image() -> ResponseReturnValue:
    """Send the bundled sample picture (a payment proof), served by this app, with a caption."""
    data = _json_object()
    caption = str(data.get("body") or "").strip()[:MAX_BODY]
    url = services().settings.public_base_url.rstrip("/") + "/static/" + SAMPLE_IMAGE
    return _post_inbound(data, caption, local_twilio.media_fields(url, "image/png"))


@bp.post("/api/fail")
def fail() -> ResponseReturnValue:
    """Make an outbound message fail with a chosen Twilio error, through the real signed
    status callback (as Twilio reports 63016 and other refusals after accepting a send)."""
    data = _json_object()
    raw_id, code = data.get("id"), data.get("code")
    if type(code) is not int or code not in FAILURES:
        return error_response(
            400, "invalid_request", f"code must be one of {sorted(FAILURES)}", param="code"
        )
    with db().read() as session:
        message = session.get(Message, raw_id) if type(raw_id) is int and raw_id > 0 else None
        if message is None or message.direction != "outbound" or not message.sid:
            return error_response(
                404, "not_found", "No outbound message sent with a sid has that id", param="id"
            )
        sid, status = message.sid, message.status
        from_address, to_address = message.from_number, message.to_number
    settings = services().settings
    fields = local_twilio.status_fields(
        sid=sid, status="failed", from_address=from_address, to_address=to_address,
        settings=settings, error_code=code,
    )  # fmt: skip
    local_twilio.post_signed(settings, local_twilio.STATUS_PATH, fields)
    with db().read() as session:
        now_status = session.scalar(select(Message.status).where(Message.id == raw_id))
    return jsonify({"id": raw_id, "was": status, "status": now_status, "code": code})


def _post_inbound(data: dict[str, Any], body: str, extra: dict[str, str]) -> ResponseReturnValue:
    """Post one inbound message from the phone in `data` through the signed webhook; the
    TwiML replies it got that are not also stored (those arrive by polling)."""
    phone = _phone_arg(data.get("phone"))
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
        extra=extra,
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
