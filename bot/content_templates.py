"""The Content templates behind the chat's buttons and lists, as Twilio's Content API takes them.

Each entry is the body of `POST https://content.twilio.com/v1/Content` for one template key
of `TenantSettings.templates`: create it at Twilio, then store the returned HX sid under that
key with `variables` naming `{{1}}`, `{{2}}`, ... in order (see `VARIABLES`). The same
description lets the local simulator draw the buttons a real phone would show.

The bodies are `{{1}}` (the reply text itself): such templates are sent inside WhatsApp's
24-hour window, where quick replies (up to 3 buttons) and list pickers need no approval.
"""

from __future__ import annotations

from typing import Any

CART_SUMMARY = "chat.cart_summary"
DID_YOU_MEAN = "chat.did_you_mean"
STAFF_BUTTONS = "staff.new_order_buttons"

# The variable names each key's template takes, in the order of its {{1}}, {{2}}, ...
VARIABLES: dict[str, list[str]] = {
    CART_SUMMARY: ["body", "cart"],
    DID_YOU_MEAN: ["body", "item_1", "code_1", "price_1", "item_2", "code_2", "price_2"],
    STAFF_BUTTONS: ["body", "order_number"],
}

CONTENT: dict[str, dict[str, Any]] = {
    CART_SUMMARY: {
        "friendly_name": "chatorders_cart_summary",
        "language": "en",
        "variables": {"1": "2 × Jollof rice — ₦7,000. Reply YES to place it.", "2": "3f9c2a1b"},
        "types": {
            "twilio/quick-reply": {
                "body": "{{1}}",
                "actions": [
                    {"title": "Place order", "id": "place_order:{{2}}"},
                    {"title": "Edit cart", "id": "edit_cart:{{2}}"},
                ],
            },
            "twilio/text": {"body": "{{1}}"},
        },
    },
    DID_YOU_MEAN: {
        "friendly_name": "chatorders_did_you_mean",
        "language": "en",
        "variables": {
            "1": 'I couldn\'t find "jolof". Did you mean 1. Jollof rice / 2. Fried rice?',
            "2": "Jollof rice",
            "3": "prod_jollof",
            "4": "₦3,500",
            "5": "Fried rice",
            "6": "prod_fried_rice",
            "7": "₦3,000",
        },
        "types": {
            "twilio/list-picker": {
                "body": "{{1}}",
                "button": "Choose",
                "items": [
                    {"item": "{{2}}", "id": "pick:{{3}}", "description": "{{4}}"},
                    {"item": "{{5}}", "id": "pick:{{6}}", "description": "{{7}}"},
                ],
            },
            "twilio/text": {"body": "{{1}}"},
        },
    },
    STAFF_BUTTONS: {
        "friendly_name": "chatorders_new_order_buttons",
        "language": "en",
        "variables": {"1": "New order #1042: 2 × Jollof rice. Total ₦7,000.", "2": "1042"},
        "types": {
            "twilio/quick-reply": {
                "body": "{{1}}",
                "actions": [
                    {"title": "Confirm", "id": "confirm:{{2}}"},
                    {"title": "Reject", "id": "reject:{{2}}"},
                ],
            },
            "twilio/text": {"body": "{{1}}"},
        },
    },
}
