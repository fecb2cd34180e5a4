"""A tenant's settings: notifications, reminders, delivery, templates, quiet hours."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from orders_core.delivery_schemas import Location
from orders_core.delivery_zones import DeliveryZone, check_zones
from orders_core.opening_hours import check_dates, check_hours
from orders_core.payment_settings import PaymentSettings


class Template(BaseModel):
    """An approved WhatsApp template for one event: Content SID and variable names."""

    model_config = ConfigDict(extra="forbid", strict=True)

    content_sid: str = Field(pattern=r"^HX[0-9a-fA-F]{32}$")
    variables: list[str] = Field(default_factory=list, max_length=100)


class TenantSettings(BaseModel):
    """What a business can tune; every field has a default that works out of the box.

    `templates` maps a message to the approved WhatsApp template sent in its place outside
    the 24-hour window: order.created, order.confirmed, order.preparing,
    order.out_for_delivery, order.delivered, order.cancelled, order.on_hold, order.resumed,
    payment.recorded, refund.created, fulfillment.created, return.requested,
    return.received, return.rejected, reminder.unpaid, reminder.feedback,
    reminder.abandoned_cart, and staff.new_order (the alert to staff who have not written
    in 24 hours). Template variables may name: business, order_number, customer_name,
    total, status, tracking_url, reason, note, amount, items (staff.new_order: order_number,
    customer_name, customer_phone, items, total, address).
    Buttons and lists (bot/content_templates.py holds each one's Content API definition;
    sent inside the 24-hour window, the reply's text is the body and the fallback):
    chat.cart_summary (quick-reply; variables body, cart; buttons Place order
    `place_order:{cart}` and Edit cart `edit_cart:{cart}`, cart a fingerprint of the cart),
    chat.did_you_mean (list-picker; variables body, item_1, code_1, price_1, item_2, code_2,
    price_2; items `pick:{code}`), staff.new_order_buttons (quick-reply; variables body,
    order_number; buttons Confirm `confirm:{order_number}`, Reject `reject:{order_number}`).
    Quiet hours (tenant's timezone, start == end turns them off) hold customer reminders.
    """

    model_config = ConfigDict(extra="forbid", strict=True)

    auto_notifications: bool = True
    notify_web_orders_on_whatsapp: bool = True
    delivers: bool = True
    delivery_fee: int = Field(default=0, ge=0, le=10**12)
    # Customers may collect their order at `pickup_address`. A business that delivers and
    # allows pickup asks "Delivery or pickup?" at checkout; one that does only one never asks.
    pickup: bool = False
    pickup_address: str | None = Field(default=None, min_length=1, max_length=300)
    # The shop on the map: distance bands (zones with max_km) are measured from here.
    location: Location | None = None
    # Where it delivers and for how much (orders_core.delivery_zones); empty: anywhere, for
    # the flat `delivery_fee`. With zones an address in none of them is not delivered to.
    delivery_zones: list[DeliveryZone] = Field(default_factory=list, max_length=50)
    pending_reminder_minutes: int = Field(default=10, ge=1, le=24 * 60)
    auto_cancel_minutes: int | None = Field(default=None, ge=1, le=7 * 24 * 60)
    unpaid_reminder_minutes: int | None = Field(default=None, ge=1, le=7 * 24 * 60)
    abandoned_cart_minutes: int | None = Field(default=60, ge=1, le=7 * 24 * 60)
    feedback_after_minutes: int | None = Field(default=None, ge=1, le=7 * 24 * 60)
    quiet_hours_start: int = Field(default=21, ge=0, le=23)
    quiet_hours_end: int = Field(default=8, ge=0, le=23)
    templates: dict[str, Template] = Field(default_factory=dict)
    greeting: str | None = Field(default=None, max_length=500)
    # What the business is, in the customer's words: "restaurant", "shop", "pharmacy"...
    business_kind: str = Field(default="restaurant", min_length=1, max_length=40)
    # Language packs its customers write in (bot/language/packs); None: from the currency.
    languages: list[str] | None = Field(default=None, max_length=8)
    # A chat line above this quantity is asked about before it goes in the cart.
    max_line_quantity: int = Field(default=50, ge=1, le=10_000)
    # After a staff reply the bot stays quiet in that chat this long (or until handed back).
    takeover_minutes: int = Field(default=30, ge=1, le=24 * 60)
    # Opening hours (see orders_core.opening_hours): None is always open; else weekday
    # ("mon".."sun") -> "HH:MM-HH:MM" ranges in the tenant's timezone (a missing day is
    # closed; an end at or before the start runs past midnight).
    opening_hours: dict[str, list[str]] | None = Field(default=None, max_length=7)
    # Whole days closed ("YYYY-MM-DD", tenant's timezone): holidays.
    closed_dates: list[str] = Field(default_factory=list, max_length=366)
    # The manual switch (kitchen busy): no chat orders until it is turned off again.
    orders_paused: bool = False
    paused_message: str | None = Field(default=None, max_length=300)
    # POST /v1/orders while closed: "accept" (default) or "refuse" (409 business_closed).
    api_orders_when_closed: Literal["accept", "refuse"] = "accept"
    # How the business takes money and when it asks (orders_core.payment_settings).
    payments: PaymentSettings = Field(default_factory=PaymentSettings)

    @field_validator("opening_hours")
    @classmethod
    def _check_hours(cls, value: dict[str, list[str]] | None) -> dict[str, list[str]] | None:
        return None if value is None else check_hours(value)

    @field_validator("closed_dates")
    @classmethod
    def _check_dates(cls, value: list[str]) -> list[str]:
        return check_dates(value)

    @model_validator(mode="after")
    def _check_delivery(self) -> TenantSettings:
        check_zones(self.delivery_zones, self.location)
        return self
