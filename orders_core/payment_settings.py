"""How a business gets paid: the methods it takes, when it asks, and its providers' set-up.

Provider secrets are never stored here: a setting names the environment variable that holds
each one (`secret_key_env: "PAYSTACK_SECRET_KEY"`), so the database, the API and the logs
never see a secret. The API shows the names only; `bot.payments.keys` says "set"/"not set".
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Method = Literal["cash", "bank_transfer", "local", "paystack", "razorpay", "mpesa"]
PROVIDERS: tuple[str, ...] = ("local", "paystack", "razorpay", "mpesa")
ENV_NAME = r"^[A-Z][A-Z0-9_]{0,63}$"  # an environment variable's name


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class PaystackSettings(_Strict):
    """Paystack (NGN, GHS, ZAR, KES, USD): the secret key signs webhooks too."""

    secret_key_env: str = Field(default="PAYSTACK_SECRET_KEY", pattern=ENV_NAME)
    # Paystack needs an email per transaction; a chat customer without one gets
    # <digits of their phone>@<this domain>.
    placeholder_email_domain: str = Field(default="customers.chatorders.app", max_length=100)


class RazorpaySettings(_Strict):
    """Razorpay (INR) payment links with UPI: key id, key secret, webhook secret."""

    key_id: str = Field(min_length=1, max_length=100)
    key_secret_env: str = Field(default="RAZORPAY_KEY_SECRET", pattern=ENV_NAME)
    webhook_secret_env: str = Field(default="RAZORPAY_WEBHOOK_SECRET", pattern=ENV_NAME)


class MpesaSettings(_Strict):
    """M-Pesa Daraja (KES) STK push: the till or paybill and the app's credentials."""

    shortcode: str = Field(pattern=r"^[0-9]{5,7}$")
    # CustomerPayBillOnline (paybill) or CustomerBuyGoodsOnline (till)
    transaction_type: Literal["CustomerPayBillOnline", "CustomerBuyGoodsOnline"] = (
        "CustomerPayBillOnline"
    )
    environment: Literal["sandbox", "production"] = "sandbox"
    consumer_key_env: str = Field(default="MPESA_CONSUMER_KEY", pattern=ENV_NAME)
    consumer_secret_env: str = Field(default="MPESA_CONSUMER_SECRET", pattern=ENV_NAME)
    passkey_env: str = Field(default="MPESA_PASSKEY", pattern=ENV_NAME)
    # No callback this long after the prompt: ask Daraja for the request's status.
    poll_after_minutes: int = Field(default=2, ge=1, le=60)


class PaymentSettings(_Strict):
    """The ways a business takes money and when the customer is asked.

    `methods` in the order offered; the first provider among them (local, paystack, razorpay,
    mpesa) makes the payment link. `ask`: "before_preparing" puts the link (or the M-Pesa
    prompt, or the transfer details) in the "order confirmed" message; "on_delivery" asks
    nothing up front (cash or transfer on delivery).
    """

    methods: list[Method] = Field(default_factory=lambda: ["cash"], min_length=1, max_length=6)
    ask: Literal["before_preparing", "on_delivery"] = "on_delivery"
    bank_transfer_details: str | None = Field(default=None, min_length=1, max_length=500)
    paystack: PaystackSettings | None = None
    razorpay: RazorpaySettings | None = None
    mpesa: MpesaSettings | None = None

    @model_validator(mode="after")
    def _check(self) -> PaymentSettings:
        if len(set(self.methods)) != len(self.methods):
            raise ValueError("payments.methods: each method once")
        if "bank_transfer" in self.methods and not self.bank_transfer_details:
            raise ValueError("payments.bank_transfer_details: the account to pay into")
        for name in ("razorpay", "mpesa"):  # Paystack's defaults need no set-up
            if name in self.methods and getattr(self, name) is None:
                raise ValueError(f"payments.{name}: its set-up is needed to take {name}")
        return self

    @property
    def provider(self) -> str | None:
        """The provider that makes payment links, or None (cash / transfer only)."""
        return next((m for m in self.methods if m in PROVIDERS), None)

    @property
    def asks_before_preparing(self) -> bool:
        """True when the customer is asked to pay once the order is confirmed."""
        return self.ask == "before_preparing"

    def paystack_settings(self) -> PaystackSettings:
        """Paystack's set-up (its defaults when none was given)."""
        return self.paystack or PaystackSettings()
