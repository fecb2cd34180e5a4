"""The `chatorders` admin commands, run with click's CliRunner on a SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import inspect, select

from orders_core.db import Database
from orders_core.models import ApiKey
from orders_core.services.tenants import authenticate
from webhooks.cli import main


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """DATABASE_URL pointing at a fresh SQLite file, migrated by `chatorders migrate`."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    result = CliRunner().invoke(main, ["migrate"])
    assert result.exit_code == 0, result.output
    assert "database is up to date" in result.stdout
    return url


def _tenant(runner: CliRunner, *extra: str) -> dict[str, dict[str, object]]:
    result = runner.invoke(
        main,
        ["tenant", "create", "--name", "Mama Put", "--currency", "ngn", "--timezone",
         "Africa/Lagos", "--whatsapp", "+234 801 000 0000", "--staff", "+2348000000001",
         "--json", *extra],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_migrate_creates_the_schema_and_is_repeatable(db_url: str) -> None:
    database = Database.from_url(db_url)
    tables = set(inspect(database.engine).get_table_names())
    database.dispose()
    assert {"tenants", "api_keys", "orders", "order_items", "outbox", "alembic_version"} <= tables
    again = CliRunner().invoke(main, ["migrate"])
    assert again.exit_code == 0, again.output


def test_tenant_create_prints_the_tenant_and_a_working_key(db_url: str) -> None:
    out = _tenant(CliRunner())
    assert out["tenant"] == {
        "id": 1, "name": "Mama Put", "currency": "NGN", "timezone": "Africa/Lagos",
        "whatsapp_number": "+2348010000000", "sms_number": None, "staff": ["+2348000000001"],
    }  # fmt: skip
    secret = str(out["api_key"]["secret"])
    assert secret.startswith("sk_live_") and out["api_key"]["mode"] == "live"
    database = Database.from_url(db_url)
    with database.read() as session:
        caller = authenticate(session, secret)
        assert caller is not None and caller.key.tenant_id == 1
        assert secret not in session.scalars(select(ApiKey.key_hash)).all()
    database.dispose()


def test_tenant_create_with_test_key_and_plain_output(db_url: str) -> None:
    runner = CliRunner()
    assert str(_tenant(runner, "--test-key")["api_key"]["secret"]).startswith("sk_test_")
    plain = runner.invoke(main, ["tenant", "create", "--name", "Suya Spot", "--currency", "NGN"])
    assert plain.exit_code == 0
    assert "tenant 2: Suya Spot (NGN)" in plain.stdout and "sk_live_" in plain.stdout
    listed = runner.invoke(main, ["tenant", "list"])
    assert [line.split("\t")[1] for line in listed.stdout.splitlines()] == ["Mama Put", "Suya Spot"]


@pytest.mark.parametrize(
    "args",
    [["--currency", "NAIRA"], ["--currency", "NGN", "--whatsapp", "not a phone"]],
)
def test_tenant_create_refuses_bad_input(db_url: str, args: list[str]) -> None:
    result = CliRunner().invoke(main, ["tenant", "create", "--name", "X", *args])
    assert result.exit_code == 2
    assert "error:" in result.output


@pytest.mark.parametrize("flag", ["--whatsapp", "--sms"])
def test_a_number_another_business_uses_is_one_clear_line_and_exit_code_2(
    db_url: str, flag: str
) -> None:
    runner = CliRunner()
    runner.invoke(main, ["tenant", "create", "--name", "First", "--currency", "NGN",
                         flag, "+2348010000000"])  # fmt: skip
    result = runner.invoke(main, ["tenant", "create", "--name", "Second", "--currency", "NGN",
                                  flag, "+234 801 000 0000"])  # fmt: skip
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"error: +2348010000000 is already the {flag[2:]} number of business 1 (First): "
        "use another number"
    ]
    assert isinstance(result.exception, SystemExit)  # the message, no traceback


def test_apikey_create_and_revoke(db_url: str) -> None:
    runner = CliRunner()
    _tenant(runner)
    created = runner.invoke(main, ["apikey", "create", "--tenant", "1", "--test", "--name", "pos"])
    assert created.exit_code == 0, created.output
    key = json.loads(created.stdout)
    assert key["secret"].startswith("sk_test_") and key["id"] == "key_2"
    database = Database.from_url(db_url)
    with database.read() as session:
        assert authenticate(session, key["secret"]) is not None
    revoked = runner.invoke(main, ["apikey", "revoke", key["id"]])
    assert revoked.exit_code == 0 and "revoked key_2" in revoked.stdout
    with database.read() as session:
        assert authenticate(session, key["secret"]) is None
    database.dispose()
    assert runner.invoke(main, ["apikey", "revoke", "key_99"]).exit_code == 2
    assert runner.invoke(main, ["apikey", "revoke", "key_²"]).exit_code == 2
    assert runner.invoke(main, ["apikey", "create", "--tenant", "7"]).exit_code == 2


def test_product_add_and_list(db_url: str) -> None:
    runner = CliRunner()
    _tenant(runner)
    added = runner.invoke(
        main,
        ["product", "add", "--tenant", "1", "--name", "Jollof Rice", "--price", "3,500",
         "--alias", "jollof", "--alias", "party rice", "--category", "Mains"],
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert added.stdout.strip() == "prod_jollof_rice\tJollof Rice\t₦3,500"
    cheap = runner.invoke(
        main, ["product", "add", "--tenant", "1", "--name", "Water", "--price", "299.50",
               "--id", "prod_water"],
    )  # fmt: skip
    assert cheap.exit_code == 0, cheap.output
    listed = runner.invoke(main, ["product", "list", "--tenant", "1"])
    assert listed.stdout.splitlines() == [
        "prod_jollof_rice\tJollof Rice\t₦3,500\tjollof, party rice",
        "prod_water\tWater\t₦299.50\t",
    ]
    for bad in (["--price", "3500.505"], ["--price", "free"], ["--price", "1", "--id", "BAD"]):
        result = runner.invoke(main, ["product", "add", "--tenant", "1", "--name", "X", *bad])
        assert result.exit_code == 2, bad
    duplicate = runner.invoke(
        main, ["product", "add", "--tenant", "1", "--name", "Jollof Rice", "--price", "1"]
    )
    assert duplicate.exit_code == 2


def test_product_import_csv_and_json(db_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    _tenant(runner)
    menu_csv = tmp_path / "menu.csv"
    menu_csv.write_text(
        "id,name,price,aliases,category\n"
        "prod_jollof,Jollof Rice,3500,jollof|party rice,Mains\n"
        ",Chapman,1500.50,,Drinks\n",
        encoding="utf-8",
    )
    result = runner.invoke(main, ["product", "import", "--tenant", "1", str(menu_csv)])
    assert result.exit_code == 0, result.output
    assert "imported 2 products" in result.stdout
    menu_json = tmp_path / "menu.json"
    menu_json.write_text(json.dumps([
        {"id": "prod_jollof", "name": "Jollof Rice (Large)", "unit_price": 400000},
        {"name": "Zobo", "unit_price": 70000, "aliases": ["zobo"]},
    ]), encoding="utf-8")  # fmt: skip
    result = runner.invoke(main, ["product", "import", "--tenant", "1", str(menu_json)])
    assert result.exit_code == 0, result.output
    listed = runner.invoke(main, ["product", "list", "--tenant", "1"]).stdout.splitlines()
    assert listed == [
        "prod_jollof\tJollof Rice (Large)\t₦4,000\tjollof, party rice",
        "prod_chapman\tChapman\t₦1,500.50\t",
        "prod_zobo\tZobo\t₦700\tzobo",
    ]
    broken = tmp_path / "broken.csv"
    broken.write_text("id,name,price\n,Tea,lots\n", encoding="utf-8")
    result = runner.invoke(main, ["product", "import", "--tenant", "1", str(broken)])
    assert result.exit_code == 2
    assert len(runner.invoke(main, ["product", "list", "--tenant", "1"]).stdout.splitlines()) == 3
