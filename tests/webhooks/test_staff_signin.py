"""Signing in to the dashboard with an email and a password: the generic refusal, the rate
limit, choosing between businesses, and sessions that end when the account changes."""

from __future__ import annotations

import base64
import logging
import zlib

import pytest
from flask.testing import FlaskClient

from orders_core.db import Database
from orders_core.models import StaffAccount
from orders_core.services import staff_accounts as accounts
from tests.conftest import TenantInfo
from tests.webhooks.staff_helpers import (  # noqa: F401
    PASSWORD,
    add_account,
    cheap_hashes,
    password_sign_in,
)
from webhooks.pages.signin_limits import PER_ADDRESS

GENERIC = "The email or password is wrong."


def test_a_counter_signs_in_with_email_and_password_and_lands_on_the_board(
    client: FlaskClient, database: Database, tenant: TenantInfo
) -> None:
    add_account(database, tenant.id, "counter", email="Ada@Example.com", name="Ada")
    response = password_sign_in(client, "ada@EXAMPLE.com ")
    assert response.status_code == 303 and response.headers["Location"] == "/dashboard/"
    board = client.get("/dashboard/").get_data(as_text=True)
    assert "Ada (counter)" in board
    assert 'href="/dashboard/menu"' in board and 'href="/dashboard/kitchen"' in board
    assert 'href="/dashboard/shop"' not in board and 'href="/dashboard/staff"' not in board
    with database.read() as session:
        account = session.query(StaffAccount).one()
        assert account.last_sign_in_at is not None


def test_the_kitchen_lands_on_the_kitchen_screen_with_only_its_link(
    client: FlaskClient, database: Database, tenant: TenantInfo
) -> None:
    add_account(database, tenant.id, "kitchen")
    response = password_sign_in(client, "kitchen@example.com")
    assert response.headers["Location"] == "/dashboard/kitchen"
    page = client.get("/dashboard/kitchen").get_data(as_text=True)
    for hidden in ("/dashboard/menu", "/dashboard/shop", "/dashboard/staff", 'href="/dashboard/"'):
        assert hidden not in page, hidden
    assert client.get("/dashboard/").status_code == 403


@pytest.mark.parametrize(
    ("email", "password"),
    [("owner@example.com", "wrong password!"), ("nobody@example.com", PASSWORD), ("", "")],
)
def test_a_wrong_email_or_password_gets_the_same_answer(
    client: FlaskClient, database: Database, tenant: TenantInfo, email: str, password: str
) -> None:
    add_account(database, tenant.id, "owner")
    response = password_sign_in(client, email, password)
    assert response.status_code == 401
    assert GENERIC in response.get_data(as_text=True)
    assert client.get("/dashboard/").status_code == 302


def test_a_disabled_account_cannot_sign_in_and_is_signed_out(
    client: FlaskClient, database: Database, tenant: TenantInfo
) -> None:
    account_id = add_account(database, tenant.id, "counter")
    assert password_sign_in(client, "counter@example.com").status_code == 303
    assert client.get("/dashboard/").status_code == 200
    with database.write() as session:
        accounts.disable_account(session, session.get(StaffAccount, account_id))
    gone = client.get("/dashboard/")
    assert gone.status_code == 302 and gone.headers["Location"].startswith("/dashboard/login")
    assert password_sign_in(client, "counter@example.com").status_code == 401


def test_a_new_password_ends_other_sessions(
    client: FlaskClient, database: Database, tenant: TenantInfo
) -> None:
    account_id = add_account(database, tenant.id, "owner")
    other = client.application.test_client()
    assert password_sign_in(client, "owner@example.com").status_code == 303
    assert password_sign_in(other, "owner@example.com").status_code == 303
    with database.write() as session:
        accounts.set_password(session, session.get(StaffAccount, account_id), "brand new secret")
    assert client.get("/dashboard/staff").status_code == 302
    assert other.get("/dashboard/staff").status_code == 302
    assert password_sign_in(client, "owner@example.com", "brand new secret").status_code == 303
    assert client.get("/dashboard/staff").status_code == 200


def test_a_deleted_account_ends_its_session(
    client: FlaskClient, database: Database, tenant: TenantInfo
) -> None:
    account_id = add_account(database, tenant.id, "owner")
    assert password_sign_in(client, "owner@example.com").status_code == 303
    with database.write() as session:
        session.delete(session.get(StaffAccount, account_id))
    assert client.get("/dashboard/staff").status_code == 302


def test_an_email_at_two_businesses_is_asked_which(
    client: FlaskClient, database: Database, tenant: TenantInfo, other_tenant: TenantInfo
) -> None:
    add_account(database, tenant.id, "counter", email="sam@example.com")
    add_account(database, other_tenant.id, "owner", email="sam@example.com")
    response = password_sign_in(client, "sam@example.com")
    assert response.status_code == 303 and "/dashboard/login/choose" in response.headers["Location"]
    assert client.get("/dashboard/").status_code == 302  # not in yet
    page = client.get("/dashboard/login/choose").get_data(as_text=True)
    assert "Mama Put Lagos" in page and "Nyama Choma Nairobi" in page
    with client.session_transaction() as session:
        token, choices = session["csrf"], session["choose"]
    with database.read() as session:
        nairobi = session.query(StaffAccount).filter_by(tenant_id=other_tenant.id).one().id
    assert nairobi in choices
    chosen = client.post("/dashboard/login/choose", data={"account": nairobi, "csrf_token": token})
    assert chosen.status_code == 303
    board = client.get("/dashboard/").get_data(as_text=True)
    assert "Nyama Choma Nairobi" in board and "Mama Put Lagos" not in board
    assert client.get("/dashboard/staff").status_code == 200  # the owner there


def test_choosing_an_account_that_was_not_offered_signs_nobody_in(
    client: FlaskClient, database: Database, tenant: TenantInfo, other_tenant: TenantInfo
) -> None:
    add_account(database, tenant.id, "counter", email="sam@example.com")
    add_account(database, other_tenant.id, "counter", email="sam@example.com")
    intruder = add_account(database, other_tenant.id, "owner", email="boss@example.com")
    password_sign_in(client, "sam@example.com")
    with client.session_transaction() as session:
        token = session["csrf"]
    client.post("/dashboard/login/choose", data={"account": intruder, "csrf_token": token})
    assert client.get("/dashboard/staff").status_code == 302


def test_sign_ins_are_limited_per_address(
    client: FlaskClient, database: Database, tenant: TenantInfo
) -> None:
    add_account(database, tenant.id, "owner")
    allowed = int(PER_ADDRESS.split("/")[0])
    for _ in range(allowed):
        assert password_sign_in(client, "owner@example.com", "wrong password!").status_code == 401
    limited = password_sign_in(client, "owner@example.com")
    assert limited.status_code == 429
    assert "Too many sign-in attempts" in limited.get_data(as_text=True)
    assert client.get("/dashboard/").status_code == 302


def test_no_email_or_password_in_the_logs_or_the_cookie(
    client: FlaskClient, database: Database, tenant: TenantInfo, caplog: pytest.LogCaptureFixture
) -> None:
    add_account(database, tenant.id, "owner", email="secret.person@example.com")
    with caplog.at_level(logging.INFO):
        password_sign_in(client, "secret.person@example.com", "wrong password!")
        password_sign_in(client, "secret.person@example.com")
        client.get("/dashboard/")
    assert "secret.person" not in caplog.text and PASSWORD not in caplog.text
    cookie = client.get_cookie("chatorders_session")
    assert cookie is not None
    payload = cookie.value.split(".")[1 if cookie.value.startswith(".") else 0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    text = (zlib.decompress(raw) if cookie.value.startswith(".") else raw).decode()
    assert "staff_id" in text and "secret.person" not in text and PASSWORD not in text
