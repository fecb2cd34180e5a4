"""The simulator's side of Twilio: form fields built and signed as Twilio builds and signs them,
posted through the app's own webhook views, so simulated traffic takes the real code path."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from xml.etree import ElementTree

from flask import current_app
from twilio.request_validator import RequestValidator

from orders_core.settings import Settings

MESSAGES_PATH = "/webhooks/twilio/messages"
STATUS_PATH = "/webhooks/twilio/status"
LOCAL_ACCOUNT_SID = "AC" + "0" * 32


def new_message_sid() -> str:
    """A fresh Twilio-style message sid: "SM" and 32 hex digits."""
    return "SM" + secrets.token_hex(16)


def inbound_fields(
    *,
    sid: str,
    from_phone: str,
    to_phone: str,
    body: str,
    profile_name: str | None,
    settings: Settings,
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """The form Twilio posts for an inbound WhatsApp message: a text, or with `extra` a tap
    (`tap_fields`), a shared location (`location_fields`) or a picture (`media_fields`)."""
    fields = {
        "MessageSid": sid,
        "SmsMessageSid": sid,
        "SmsSid": sid,
        "AccountSid": settings.twilio_account_sid or LOCAL_ACCOUNT_SID,
        "From": f"whatsapp:{from_phone}",
        "To": f"whatsapp:{to_phone}",
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
        "WaId": from_phone.lstrip("+"),
        "SmsStatus": "received",
        "ApiVersion": "2010-04-01",
    }
    if profile_name:
        fields["ProfileName"] = profile_name
    fields.update(extra or {})
    return fields


def tap_fields(kind: str, item_id: str, title: str, replied_to: str | None) -> dict[str, str]:
    """What a tap adds: ButtonPayload/ButtonText for a quick reply, ListId/ListTitle for a
    list item; the title is also the Body, as on WhatsApp."""
    if kind == "list":
        fields = {"ListId": item_id, "ListTitle": title, "MessageType": "interactive"}
    else:
        fields = {"ButtonPayload": item_id, "ButtonText": title, "MessageType": "button"}
    if replied_to:
        fields["OriginalRepliedMessageSid"] = replied_to
    return fields


def location_fields(latitude: float, longitude: float, address: str, label: str) -> dict[str, str]:
    """What a shared location pin adds (Address and Label only when the pin has them)."""
    fields = {"Latitude": f"{latitude:.6f}", "Longitude": f"{longitude:.6f}"}
    fields["MessageType"] = "location"
    if address:
        fields["Address"] = address
    if label:
        fields["Label"] = label
    return fields


def media_fields(url: str, content_type: str) -> dict[str, str]:
    """What one attached picture adds: NumMedia 1, its URL and content type."""
    return {
        "NumMedia": "1",
        "MediaUrl0": url,
        "MediaContentType0": content_type,
        "MessageType": "image",
    }


def status_fields(
    *,
    sid: str,
    status: str,
    from_address: str,
    to_address: str,
    settings: Settings,
    error_code: int | None = None,
) -> dict[str, str]:
    """The form of a Twilio delivery receipt (status callback); a failure carries ErrorCode."""
    fields = {
        "MessageSid": sid,
        "SmsSid": sid,
        "MessageStatus": status,
        "SmsStatus": status,
        "AccountSid": settings.twilio_account_sid or LOCAL_ACCOUNT_SID,
        "From": from_address,
        "To": to_address,
        "ChannelPrefix": "whatsapp",
        "ApiVersion": "2010-04-01",
    }
    if error_code is not None:
        fields["ErrorCode"] = str(error_code)
    return fields


@dataclass(frozen=True)
class WebhookAnswer:
    """What the webhook answered: its status and the TwiML message bodies, in order."""

    status: int
    replies: list[str]


def twiml_replies(xml: str) -> list[str]:
    """The text of every <Message> in a TwiML document (none for an empty or non-XML answer)."""
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError:
        return []
    replies = []
    for message in root.iter("Message"):
        body = message.find("Body")
        text = (body.text if body is not None else message.text) or ""
        if text.strip():
            replies.append(text.strip())
    return replies


def post_signed(settings: Settings, path: str, fields: dict[str, str]) -> WebhookAnswer:
    """POST `fields` to `path` of this app with the X-Twilio-Signature Twilio would send."""
    base = settings.public_base_url.rstrip("/")
    signature = RequestValidator(settings.inbound_auth_token).compute_signature(base + path, fields)
    response = current_app.test_client().post(
        path, data=fields, headers={"X-Twilio-Signature": signature}, base_url=base
    )
    text = response.get_data(as_text=True)
    is_xml = "xml" in (response.content_type or "")
    return WebhookAnswer(response.status_code, twiml_replies(text) if is_xml else [])
