"""The `chatorders` command: serve, migrate, and the operator's admin commands."""

from __future__ import annotations

import csv
import getpass
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from orders_core.db import Database
from orders_core.domain import format_money, parse_major_amount
from orders_core.errors import DomainError
from orders_core.migrate import upgrade
from orders_core.models import StaffAccount, StaffRole, Tenant
from orders_core.schemas import ProductIn
from orders_core.services import catalog
from orders_core.services import staff_accounts as accounts
from orders_core.services.options import parse_options_text
from orders_core.services.tenants import create_api_key, create_tenant, get_tenant, revoke_api_key
from orders_core.settings import Settings
from webhooks.logs import configure_logging


def _database() -> Database:
    return Database.from_url(Settings().database_url)


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


@click.group()
def main() -> None:
    """chatorders: take orders over WhatsApp."""
    configure_logging()


@main.command()
def migrate() -> None:
    """Bring the database (DATABASE_URL) to the newest schema."""
    database = _database()
    upgrade(database.engine)
    click.echo(
        f"database is up to date: {database.engine.url.render_as_string(hide_password=True)}"
    )


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Migrate, seed the demo when empty, and run the web app and the scheduler."""
    from webhooks.serve import run

    settings = Settings()
    if not _has_staff_accounts(settings):
        click.echo(FIRST_OWNER_HINT)
    run(settings, host=host, port=port)


FIRST_OWNER_HINT = (
    "No staff accounts yet: sign in to the dashboard with the API key below, or create the\n"
    "first owner (the password is asked twice, never printed):\n"
    "  chatorders staff add --tenant 1 --email you@example.com --name 'Your Name' --role owner\n"
    "  (`chatorders tenant list` shows the businesses' ids; the demo business is the first)\n"
)


def _has_staff_accounts(settings: Settings) -> bool:
    """Whether the database has any staff account (False before its first migration)."""
    database = Database.from_url(settings.database_url)
    try:
        with database.read() as session:
            return accounts.any_accounts(session)
    except SQLAlchemyError:
        return False
    finally:
        database.dispose()


@main.command()
def scheduler() -> None:
    """Run the scheduled jobs alone (outbox delivery, reminders); run as many copies as you like."""
    from bot.scheduler import run_forever

    run_forever(Settings())


@main.group()
def tenant() -> None:
    """Businesses."""


@tenant.command("create")
@click.option("--name", required=True)
@click.option("--currency", required=True, help="ISO 4217, e.g. NGN")
@click.option("--timezone", default="UTC", show_default=True, help="e.g. Africa/Lagos")
@click.option("--whatsapp", help="The business's WhatsApp sender, E.164")
@click.option("--sms", help="The business's SMS sender, E.164")
@click.option("--staff", multiple=True, help="A staff phone number (repeatable)")
@click.option("--test-key", is_flag=True, help="Issue an sk_test_ key instead of sk_live_")
@click.option("--json", "as_json", is_flag=True, help="Print JSON")
def tenant_create(
    name: str, currency: str, timezone: str, whatsapp: str | None, sms: str | None,
    staff: tuple[str, ...], test_key: bool, as_json: bool,
) -> None:  # fmt: skip
    """Create a business and print it with a new API key (shown once)."""
    try:
        with _database().write() as session:
            created = create_tenant(
                session, name=name, currency=currency, timezone=timezone,
                whatsapp_number=whatsapp, sms_number=sms, staff=list(staff),
            )  # fmt: skip
            key = create_api_key(session, created.id, mode="test" if test_key else "live")
            out = {
                "tenant": {
                    "id": created.id, "name": created.name, "currency": created.currency,
                    "timezone": created.timezone, "whatsapp_number": created.whatsapp_number,
                    "sms_number": created.sms_number, "staff": [s.phone for s in created.staff],
                },
                "api_key": {"id": key.id, "secret": key.secret, "mode": key.mode},
            }  # fmt: skip
    except (DomainError, ValueError) as exc:
        _fail(str(exc))
    except IntegrityError:  # a race with another create of the same number
        _fail("that WhatsApp or SMS number was just taken by another business")
    if as_json:
        click.echo(json.dumps(out, indent=2))
    else:
        click.echo(f"tenant {out['tenant']['id']}: {name} ({currency})")
        click.echo(f"API key (shown once): {key.secret}")


@tenant.command("list")
def tenant_list() -> None:
    """List the businesses."""
    with _database().read() as session:
        for row in session.scalars(select(Tenant).order_by(Tenant.id)):
            click.echo(f"{row.id}\t{row.name}\t{row.currency}\t{row.whatsapp_number or '-'}")


@main.group()
def apikey() -> None:
    """API keys."""


@apikey.command("create")
@click.option("--tenant", "tenant_id", required=True, type=int)
@click.option("--test", "test_mode", is_flag=True, help="An sk_test_ key")
@click.option("--name", help="What the key is for")
def apikey_create(tenant_id: int, test_mode: bool, name: str | None) -> None:
    """Issue a new key for a tenant and print it (shown once)."""
    try:
        with _database().write() as session:
            get_tenant(session, tenant_id)
            key = create_api_key(
                session, tenant_id, mode="test" if test_mode else "live", name=name
            )
    except DomainError as exc:
        _fail(exc.message)
    click.echo(json.dumps({"id": key.id, "secret": key.secret, "mode": key.mode}))


@apikey.command("revoke")
@click.argument("key_id")
def apikey_revoke(key_id: str) -> None:
    """Revoke a key by id (key_12); it stops working at once."""
    try:
        with _database().write() as session:
            revoke_api_key(session, key_id)
    except DomainError as exc:
        _fail(exc.message)
    click.echo(f"revoked {key_id}")


@main.group()
def product() -> None:
    """The menu."""


@product.command("add")
@click.option("--tenant", "tenant_id", required=True, type=int)
@click.option("--name", required=True)
@click.option("--price", required=True, help="In major units, e.g. 3500 or 12.50")
@click.option("--id", "code", help="prod_... (derived from the name if not given)")
@click.option("--alias", multiple=True, help="A word customers use for it (repeatable)")
@click.option("--category")
def product_add(
    tenant_id: int,
    name: str,
    price: str,
    code: str | None,
    alias: tuple[str, ...],
    category: str | None,
) -> None:
    """Add a product to a tenant's menu."""
    try:
        with _database().write() as session:
            owner = get_tenant(session, tenant_id)
            data = ProductIn(
                id=code, name=name, unit_price=parse_major_amount(price, owner.currency),
                aliases=list(alias), category=category,
            )  # fmt: skip
            created = catalog.add_product(session, owner.id, data)
            click.echo(
                f"{created.code}\t{created.name}\t{format_money(created.unit_price, owner.currency)}"
            )
    except (DomainError, ValidationError, ValueError) as exc:
        _fail(str(exc))


@product.command("list")
@click.option("--tenant", "tenant_id", required=True, type=int)
def product_list(tenant_id: int) -> None:
    """Print a tenant's menu."""
    with _database().read() as session:
        owner = get_tenant(session, tenant_id)
        for row in catalog.list_products(session, owner.id):
            flag = "" if row.available else "\t(unavailable)"
            aliases = ", ".join(row.aliases)
            click.echo(
                f"{row.code}\t{row.name}\t{format_money(row.unit_price, owner.currency)}\t{aliases}{flag}"
            )


def _menu_rows(path: Path, currency: str) -> list[dict[str, Any]]:
    if path.suffix.lower() == ".json":
        return list(json.loads(path.read_text("utf-8")))
    rows = []
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            item: dict[str, Any] = {
                "id": row.get("id") or None,
                "name": row["name"],
                "unit_price": parse_major_amount(row["price"], currency),
            }
            if "aliases" in row:
                item["aliases"] = [
                    a.strip() for a in (row["aliases"] or "").split("|") if a.strip()
                ]
            if "category" in row:
                item["category"] = row["category"] or None
            if "options" in row:
                item["option_groups"] = parse_options_text(row["options"] or "", currency)
            rows.append(item)
    return rows


@product.command("import")
@click.option("--tenant", "tenant_id", required=True, type=int)
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def product_import(tenant_id: int, path: Path) -> None:
    """Add or update products from a JSON menu (unit_price in minor units) or a CSV
    (columns id,name,price,aliases,category,options; price in major units, aliases split
    by |, options like "Size: Small | Large +500; Extras (0-2): Chicken +1500")."""
    try:
        with _database().write() as session:
            owner = get_tenant(session, tenant_id)
            done = catalog.import_menu(session, owner.id, _menu_rows(path, owner.currency))
    except (DomainError, ValidationError, ValueError, KeyError) as exc:
        _fail(str(exc))
    click.echo(f"imported {len(done)} products")


@main.group()
def staff() -> None:
    """Dashboard sign-ins: staff accounts with a role (owner, counter, kitchen)."""


def _new_password(from_stdin: bool) -> str:
    """The password from stdin's first line, or asked twice without echo."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        _fail("the two passwords are not the same")
    return first


_TENANT = click.option("--tenant", "tenant_id", required=True, type=int, help="The business's id")
_EMAIL = click.option("--email", required=True, help="The account's email")
_STDIN = click.option(
    "--password-stdin", is_flag=True, help="Read the password from stdin's first line"
)


@staff.command("add")
@_TENANT
@_EMAIL
@click.option("--name", required=True, help="The person's name, shown on the dashboard")
@click.option("--role", required=True, type=click.Choice([r.value for r in StaffRole]))
@_STDIN
def staff_add(tenant_id: int, email: str, name: str, role: str, password_stdin: bool) -> None:
    """Add a staff account; the password is asked twice (or read with --password-stdin)."""
    password = _new_password(password_stdin)
    try:
        with _database().write() as session:
            get_tenant(session, tenant_id)
            account = accounts.add_account(
                session, tenant_id, email=email, name=name, role=role, password=password
            )
            click.echo(f"added {account.email} ({account.role}) to tenant {tenant_id}")
    except DomainError as exc:
        _fail(exc.message)


@staff.command("list")
@_TENANT
def staff_list(tenant_id: int) -> None:
    """Print a business's staff accounts: email, name, role, last sign-in, state."""
    with _database().read() as session:
        get_tenant(session, tenant_id)
        for row in accounts.list_accounts(session, tenant_id):
            last = row.last_sign_in_at.isoformat(timespec="minutes") if row.last_sign_in_at else "-"
            state = "disabled" if row.disabled_at else "active"
            click.echo(f"{row.email}\t{row.name}\t{row.role}\t{last}\t{state}")


def _change(tenant_id: int, email: str, change: Callable[[Session, StaffAccount], None]) -> None:
    try:
        with _database().write() as session:
            change(session, accounts.get_account(session, tenant_id, email=email))
    except DomainError as exc:
        _fail(exc.message)


@staff.command("disable")
@_TENANT
@_EMAIL
def staff_disable(tenant_id: int, email: str) -> None:
    """Stop an account signing in; its open sessions end at their next request."""
    _change(tenant_id, email, accounts.disable_account)
    click.echo(f"disabled {email.strip().lower()}")


@staff.command("enable")
@_TENANT
@_EMAIL
def staff_enable(tenant_id: int, email: str) -> None:
    """Let a disabled account sign in again."""
    _change(tenant_id, email, accounts.enable_account)
    click.echo(f"enabled {email.strip().lower()}")


@staff.command("password")
@_TENANT
@_EMAIL
@_STDIN
def staff_password(tenant_id: int, email: str, password_stdin: bool) -> None:
    """Set a new password (asked twice, or --password-stdin); open sessions end."""
    password = _new_password(password_stdin)
    _change(tenant_id, email, lambda s, a: accounts.set_password(s, a, password))
    click.echo(f"new password set for {email.strip().lower()}; its sessions are ended")
