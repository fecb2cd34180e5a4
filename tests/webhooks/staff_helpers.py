"""Helpers for the staff-account page tests: accounts with a light hash, sessions per role."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher
from flask.testing import FlaskClient

from orders_core.db import Database
from orders_core.services import staff_accounts as accounts

PASSWORD = "correct horse battery"
TOKEN = "test-csrf-token"


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A light argon2, so a test makes and checks hashes quickly."""
    monkeypatch.setattr(
        accounts, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    yield


def add_account(
    database: Database, tenant_id: int, role: str, email: str | None = None, name: str = ""
) -> int:
    """A staff account of `role` (email `<role>@example.com`, password PASSWORD); its id."""
    with database.write() as session:
        return accounts.add_account(
            session, tenant_id, email=email or f"{role}@example.com",
            name=name or role.title(), role=role, password=PASSWORD,
        ).id  # fmt: skip


def act_as(client: FlaskClient, tenant_id: int, account_id: int, version: int = 1) -> str:
    """Put the client in a session signed in as the account (as a good password would);
    the session's CSRF token."""
    with client.session_transaction() as session:
        session.clear()
        session.update(
            {"tenant_id": tenant_id, "staff_id": account_id, "staff_v": version, "csrf": TOKEN}
        )
    return TOKEN


def password_sign_in(client: FlaskClient, email: str, password: str = PASSWORD) -> object:
    """Post the sign-in form with an email and password; the response."""
    client.get("/dashboard/login")
    with client.session_transaction() as session:
        token = session["csrf"]
    return client.post(
        "/dashboard/login", data={"email": email, "password": password, "csrf_token": token}
    )
