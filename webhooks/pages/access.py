"""Who may open which dashboard page: one table of endpoint -> roles, checked before every
dashboard view and form POST (with the CSRF token), and asked by templates to hide links.

owner: everything. counter: the board, orders, payments, the order page, takeover replies,
the kitchen and the menu's sold-out switch. kitchen: the kitchen screen and its moves only.
An endpoint missing from the table is the owner's alone.
"""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from orders_core.models import StaffRole
from webhooks.errors import error_response
from webhooks.pages.signin import Who, check_csrf, current

OWNER, COUNTER, KITCHEN = StaffRole.OWNER, StaffRole.COUNTER, StaffRole.KITCHEN
EVERYONE = frozenset(StaffRole)
FRONT = frozenset({OWNER, COUNTER})
OWNER_ONLY = frozenset({OWNER})

# Views anyone may open, signed in or not.
OPEN = frozenset({"pages.dashboard.login", "pages.dashboard.choose"})
ROLES: dict[str, frozenset[StaffRole]] = {
    "pages.dashboard.logout": EVERYONE,
    "pages.dashboard.board": FRONT,
    "pages.dashboard.order_page": FRONT,
    "pages.dashboard.change_status": FRONT,
    "pages.dashboard.cancel": FRONT,
    "pages.dashboard.mark_paid": FRONT,
    "pages.proofs.approve": FRONT,
    "pages.proofs.reject": FRONT,
    "pages.dashboard.reply": FRONT,
    "pages.dashboard.hand_back": FRONT,
    "pages.dashboard.version": FRONT,
    "pages.kitchen.screen": EVERYONE,
    "pages.kitchen.tickets_version": EVERYONE,
    "pages.kitchen.advance": EVERYONE,
    "pages.kitchen.confirm_delivered": EVERYONE,
    "pages.kitchen.print_ticket": EVERYONE,
    "pages.menu.page": FRONT,
    "pages.menu.toggle": FRONT,
    "pages.shop.page": OWNER_ONLY,
    "pages.shop.pause": OWNER_ONLY,
    "pages.shop.resume": OWNER_ONLY,
    "pages.shop.save_hours": OWNER_ONLY,
    "pages.shop.save_dates": OWNER_ONLY,
    "pages.staff.page": OWNER_ONLY,
    "pages.staff.add": OWNER_ONLY,
    "pages.staff.disable": OWNER_ONLY,
    "pages.staff.enable": OWNER_ONLY,
}
ROLE_NAMES = {OWNER: "the owner", COUNTER: "counter staff", KITCHEN: "the kitchen"}


def roles_for(endpoint: str) -> frozenset[StaffRole]:
    """The roles that may use an endpoint (the owner's alone when it is not listed)."""
    return ROLES.get(endpoint, OWNER_ONLY)


def can(endpoint: str) -> bool:
    """Whether whoever is signed in may use the endpoint (for templates: hide what they can't)."""
    who = current()
    return who is not None and (endpoint in OPEN or who.role in roles_for(endpoint))


def endpoint_of(path: str) -> str:
    """The endpoint a GET of `path` reaches ("" when none does)."""
    try:
        endpoint, _ = current_app.url_map.bind("localhost").match(path, method="GET")
    except HTTPException:
        return ""
    return str(endpoint)


def landing(who: Who) -> str:
    """Where a sign-in goes when it was not sent from a page: the board, or the kitchen."""
    if who.role in roles_for("pages.dashboard.board"):
        return url_for("pages.dashboard.board")
    return url_for("pages.kitchen.screen")


def guard() -> ResponseReturnValue | None:
    """Before every dashboard view: the CSRF token on a POST, a live sign-in, and a role
    allowed to use the view (else the sign-in form, a 401 for the pages' API, or a 403)."""
    check_csrf()
    endpoint = request.endpoint or ""
    if endpoint in OPEN:
        return None
    who = current()
    is_api = request.path.startswith("/dashboard/api/")
    if who is None:
        if is_api:
            return error_response(401, "unauthorized", "Sign in to the dashboard first")
        return redirect(url_for("pages.dashboard.login", next=request.full_path.rstrip("?")))
    allowed = roles_for(endpoint)
    if who.role in allowed:
        return None
    needed = " or ".join(ROLE_NAMES[r] for r in StaffRole if r in allowed)
    message = f"This is for {needed}; you are signed in as {who.role}."
    if is_api:
        return error_response(403, "forbidden", message)
    return render_template("dashboard/forbidden.html", message=message, home=landing(who)), 403
