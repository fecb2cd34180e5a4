"""Phone numbers: E.164 checks and Twilio address forms."""

from __future__ import annotations

import re

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def normalize_phone(raw: str) -> str:
    """An E.164 number from a loosely written one ("+234 801-234-5678"); ValueError if not."""
    text = raw.strip()
    for prefix in ("whatsapp:", "sms:"):
        if text.lower().startswith(prefix):
            text = text[len(prefix) :]
    digits = re.sub(r"[\s\-().]", "", text)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if not _E164.match(digits):
        raise ValueError("phone must be in E.164 form, like +2348012345678")
    return digits


def split_address(address: str) -> tuple[str, str]:
    """("whatsapp" or "sms", "+E164") from a Twilio From/To value."""
    channel = "whatsapp" if address.strip().lower().startswith("whatsapp:") else "sms"
    return channel, normalize_phone(address)
