"""`chatorders staff ...` with click's CliRunner on a SQLite file, and serve's first-owner hint."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from orders_core.db import Database
from orders_core.models import StaffAccount
from orders_core.services import staff_accounts as accounts
from tests.webhooks.staff_helpers import cheap_hashes  # noqa: F401
from webhooks import cli
from webhooks.cli import main


@pytest.fixture
def db_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """DATABASE_URL at a fresh migrated SQLite file with one business (id 1)."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    runner = CliRunner()
    assert runner.invoke(main, ["migrate"]).exit_code == 0
    made = runner.invoke(main, ["tenant", "create", "--name", "Mama Put", "--currency", "NGN",
                                "--json"])  # fmt: skip
    assert made.exit_code == 0 and json.loads(made.stdout)["tenant"]["id"] == 1
    return url


def signs_in(url: str, email: str, password: str) -> bool:
    database = Database.from_url(url)
    try:
        with database.write() as session:
            return len(accounts.check_sign_in(session, email, password)) == 1
    finally:
        database.dispose()


def add(*extra: str, stdin: str = "a long password\n") -> object:
    return CliRunner().invoke(
        main,
        ["staff", "add", "--tenant", "1", "--email", "Olu@Example.com", "--name", "Olu",
         "--role", "owner", "--password-stdin", *extra],
        input=stdin,
    )  # fmt: skip


def test_add_from_stdin_then_list(db_url: str) -> None:
    result = add()
    assert result.exit_code == 0, result.output
    assert "added olu@example.com (owner) to tenant 1" in result.stdout
    assert "a long password" not in result.output
    assert signs_in(db_url, "olu@example.com", "a long password")
    listed = CliRunner().invoke(main, ["staff", "list", "--tenant", "1"])
    assert listed.stdout.split("\t")[:3] == ["olu@example.com", "Olu", "owner"]
    assert listed.stdout.rstrip().endswith("active")


def test_add_asks_the_password_twice(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter(["typed twice ok", "typed twice ok"])
    monkeypatch.setattr(cli.getpass, "getpass", lambda prompt: next(answers))
    result = CliRunner().invoke(
        main, ["staff", "add", "--tenant", "1", "--email", "k@example.com", "--name", "K",
               "--role", "kitchen"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert signs_in(db_url, "k@example.com", "typed twice ok")


def test_two_different_passwords_add_nobody(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter(["first password", "second password"])
    monkeypatch.setattr(cli.getpass, "getpass", lambda prompt: next(answers))
    result = CliRunner().invoke(
        main, ["staff", "add", "--tenant", "1", "--email", "k@example.com", "--name", "K",
               "--role", "kitchen"],
    )  # fmt: skip
    assert result.exit_code == 2 and "not the same" in result.output
    listed = CliRunner().invoke(main, ["staff", "list", "--tenant", "1"])
    assert listed.stdout == ""


@pytest.mark.parametrize(
    ("extra", "stdin", "message"),
    [
        ((), "short\n", "at least 10 characters"),
        (("--tenant", "99"), "a long password\n", "error:"),
    ],
)
def test_bad_input_is_a_clear_error(
    db_url: str, extra: tuple[str, ...], stdin: str, message: str
) -> None:
    result = add(*extra, stdin=stdin)
    assert result.exit_code == 2 and message in result.output


def test_a_second_account_with_the_same_email_is_refused(db_url: str) -> None:
    assert add().exit_code == 0
    again = add()
    assert again.exit_code == 2 and "has an account at this business already" in again.output


def test_disable_enable_and_a_new_password(db_url: str) -> None:
    assert add().exit_code == 0
    runner = CliRunner()
    who = ["--tenant", "1", "--email", "OLU@example.com"]
    assert runner.invoke(main, ["staff", "disable", *who]).exit_code == 0
    assert not signs_in(db_url, "olu@example.com", "a long password")
    assert "disabled" in runner.invoke(main, ["staff", "list", "--tenant", "1"]).stdout
    assert runner.invoke(main, ["staff", "enable", *who]).exit_code == 0
    changed = runner.invoke(
        main, ["staff", "password", *who, "--password-stdin"], input="another password\n"
    )
    assert changed.exit_code == 0 and "sessions are ended" in changed.stdout
    assert signs_in(db_url, "olu@example.com", "another password")
    assert not signs_in(db_url, "olu@example.com", "a long password")
    database = Database.from_url(db_url)
    with database.read() as session:
        assert session.query(StaffAccount).one().session_version == 3  # disabled, new password
    database.dispose()
    missing = runner.invoke(main, ["staff", "disable", "--tenant", "1", "--email", "x@example.com"])
    assert missing.exit_code == 2 and "No such staff account" in missing.output


def test_serve_says_how_to_create_the_first_owner_until_there_is_one(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: list[str] = []
    monkeypatch.setattr("webhooks.serve.run", lambda settings, host, port: ran.append(host))
    first = CliRunner().invoke(main, ["serve"])
    assert first.exit_code == 0 and ran == ["127.0.0.1"]
    assert "chatorders staff add --tenant 1" in first.stdout and "--role owner" in first.stdout
    assert add().exit_code == 0
    later = CliRunner().invoke(main, ["serve"])
    assert later.exit_code == 0 and "staff add" not in later.stdout
