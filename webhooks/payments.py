"""Payment provider callbacks and the customer's payment page.

POST /webhooks/payments/<local|paystack|razorpay>/<tenant id>  signed callbacks
POST /webhooks/payments/mpesa/<secret path>                    Daraja's STK callbacks
GET/POST /pay/<token>                                          the customer's payment page
GET /v1/payments/setup       what to paste in each provider's dashboard, secrets set or not
"""

from __future__ import annotations

import os

from flask import Blueprint, abort, jsonify, redirect, render_template, request
from flask.typing import ResponseReturnValue
from pydantic import BaseModel, ConfigDict

from bot.payments.callbacks import receive_callback
from bot.payments.checkout import open_checkout, press, press_signature
from bot.payments.registry import Wiring, secrets_status
from orders_core.services.tenants import get_tenant, tenant_settings
from webhooks.context import db, services, tenant_id
from webhooks.routes import api_route

bp = Blueprint("payments", __name__)
SIGNED = ("local", "paystack", "razorpay")
WIRING = "payments_wiring"  # AppServices.extras key: tests put recorded transports there


def wiring() -> Wiring:
    """The payment wiring of this app: keys from SECRET_KEY and the environment."""
    given = services().extras.get(WIRING)
    if isinstance(given, Wiring):
        return given
    return Wiring.from_settings(services().settings, os.environ)


def _answer(status: int, outcome: str) -> ResponseReturnValue:
    return jsonify({"received": status == 200, "outcome": outcome}), status


@bp.post("/webhooks/payments/<provider>/<int:tenant_id>")
def signed_callback(provider: str, tenant_id: int) -> ResponseReturnValue:
    """A provider's signed callback for one business (401 when the signature is wrong)."""
    if provider not in SIGNED:
        abort(404)
    body = request.get_data(cache=False)
    answer = receive_callback(db(), wiring(), provider, tenant_id, request.headers, body)
    return _answer(answer.status, answer.outcome)


@bp.post("/webhooks/payments/mpesa/<path>")
def mpesa_callback(path: str) -> ResponseReturnValue:
    """Daraja's STK callback on the business's secret path (a wrong path is a 404)."""
    current = wiring()
    tenant_id = current.keys.tenant_of_mpesa_path(path)
    if tenant_id is None:
        abort(404)
    body = request.get_data(cache=False)
    answer = receive_callback(db(), current, "mpesa", tenant_id, request.headers, body)
    return _answer(answer.status, answer.outcome)


@bp.route("/pay/<token>", methods=["GET", "POST"])
def pay_page(token: str) -> ResponseReturnValue:
    """The customer's payment page: the provider's checkout (redirect), the local provider's
    Pay / Fail buttons, or where the payment stands."""
    current = wiring()
    page = open_checkout(db(), current, token)
    if page is None:
        abort(404)
    if request.method == "POST":
        action = request.form.get("action")
        if action not in ("pay", "fail"):
            abort(400)
        answer = press(
            db(), current, page, paid=action == "pay", signature=request.form.get("sig", "")
        )
        if answer.status == 401:
            abort(403)
        return redirect(f"/pay/{token}", code=303)
    # Back from the provider's checkout (it adds its own query: ?reference=, ?razorpay_...):
    # say we are confirming rather than send them round again.
    if page.redirect and not request.args:
        return redirect(page.redirect, code=303)
    status = 503 if page.error else 200
    signature = press_signature(current, page) if page.provider == "local" else ""
    return render_template("pay/page.html", page=page, sig=signature), status


class PaymentSetupOut(BaseModel):
    """How the business is paid, the callback URLs to paste in each provider's dashboard,
    and whether each provider secret is set in the server's environment (never its value)."""

    model_config = ConfigDict(extra="forbid")

    object: str = "payment_setup"
    provider: str | None
    ask: str
    methods: list[str]
    webhook_urls: dict[str, str]
    secrets: dict[str, dict[str, str]]


@api_route(bp, "/v1/payments/setup", "GET", summary="Payment set-up and provider webhook URLs",
           response=PaymentSetupOut, errors=(401, 429))  # fmt: skip
def payment_setup() -> PaymentSetupOut:
    """The caller's payment methods, its provider callback URLs and its secrets' state."""
    current = wiring()
    with db().read() as session:
        payments = tenant_settings(get_tenant(session, tenant_id())).payments
    urls = {name: current.url(f"/webhooks/payments/{name}/{tenant_id()}") for name in SIGNED}
    urls["mpesa"] = current.mpesa_callback_url(tenant_id())
    return PaymentSetupOut(
        provider=payments.provider, ask=payments.ask, methods=list(payments.methods),
        webhook_urls=urls, secrets=secrets_status(payments, current.keys),
    )  # fmt: skip
