"""Server-rendered pages: the simulator, the order board, the kitchen, the menu, the shop's
hours and the staff accounts."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from orders_core.errors import DomainError
from webhooks.errors import HTTP_CODES, error_response
from webhooks.pages import access, dashboard, kitchen, menu, proofs, shop_status, simulator, staff
from webhooks.pages.filters import register_filters
from webhooks.pages.signin import csrf_token, current

bp = Blueprint("pages", __name__)
bp.register_blueprint(dashboard.bp)
bp.register_blueprint(kitchen.bp)
bp.register_blueprint(shop_status.bp)
bp.register_blueprint(menu.bp)
bp.register_blueprint(staff.bp)
bp.register_blueprint(proofs.bp)
bp.register_blueprint(simulator.bp)
bp.record_once(lambda state: register_filters(state.app))


@bp.get("/")
def home() -> ResponseReturnValue:
    """The simulator when messages stay local, else the order board (the kitchen's screen
    for the kitchen)."""
    if simulator.simulator_enabled():
        return redirect(url_for(".simulator.page"))
    who = current()
    return redirect(access.landing(who) if who else url_for(".dashboard.board"))


@bp.app_context_processor
def _template_helpers() -> dict[str, object]:
    return {
        "csrf_token": csrf_token,
        "simulator_enabled": simulator.simulator_enabled,
        "can": access.can,
        "signed_in": current,
    }


def _error_page(status: int, message: str) -> ResponseReturnValue:
    """JSON for the pages' API calls, an HTML page for everything else."""
    if "/api/" in request.path:
        return error_response(status, HTTP_CODES.get(status, "error"), message)
    return render_template("error.html", status=status, message=message), status


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> ResponseReturnValue:
    return _error_page(exc.code or 500, exc.description or exc.name)


@bp.errorhandler(DomainError)
def _domain_error(exc: DomainError) -> ResponseReturnValue:
    return _error_page(exc.http_status, exc.message)
