"""Staff accounts in the order core: emails, roles, passwords, sign-in checks (both databases)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher

from orders_core.db import Database
from orders_core.errors import Conflict, NotFound, ValidationFailed
from orders_core.models import StaffAccount
from orders_core.services import staff_accounts as accounts
from tests.conftest import TenantInfo, make_tenant

PASSWORD = "correct horse battery"
CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A light argon2 for speed; the rehash test sets the real one back."""
    monkeypatch.setattr(accounts, "HASHER", CHEAP)
    yield


def add(database: Database, tenant_id: int, email: str = "Ada@Example.com", **kw: str) -> int:
    fields = {"name": "Ada Obi", "role": "counter", "password": PASSWORD, **kw}
    with database.write() as session:
        return accounts.add_account(session, tenant_id, email=email, **fields).id


def row(database: Database, account_id: int) -> StaffAccount:
    with database.read() as session:
        found = session.get(StaffAccount, account_id)
        assert found is not None
        return found


def check(database: Database, email: str, password: str) -> list[accounts.SignInMatch]:
    with database.write() as session:
        return accounts.check_sign_in(session, email, password)


def test_an_account_stores_a_lower_case_email_and_an_argon2_hash(
    database: Database, tenant: TenantInfo
) -> None:
    account = row(database, add(database, tenant.id, email="  Ada@Example.COM "))
    assert account.email == "ada@example.com" and account.role == "counter"
    assert account.password_hash.startswith("$argon2id$") and PASSWORD not in account.password_hash
    assert account.session_version == 1 and account.disabled_at is None


def test_an_email_is_unique_per_business_whatever_its_case_but_may_serve_two(
    database: Database, tenant: TenantInfo, other_tenant: TenantInfo
) -> None:
    add(database, tenant.id)
    with pytest.raises(Conflict):
        add(database, tenant.id, email="ADA@example.com")
    add(database, other_tenant.id, email="ada@EXAMPLE.com", role="owner")
    matches = check(database, "ada@example.com", PASSWORD)
    assert sorted(m.tenant_id for m in matches) == sorted([tenant.id, other_tenant.id])
    assert {m.tenant_name for m in matches} == {"Mama Put Lagos", "Nyama Choma Nairobi"}


@pytest.mark.parametrize(
    ("field", "value", "param"),
    [
        ("email", "not-an-email", "email"),
        ("password", "short", "password"),
        ("role", "manager", "role"),
        ("name", "   ", "name"),
    ],
)
def test_bad_fields_are_refused_with_the_field_named(
    database: Database, tenant: TenantInfo, field: str, value: str, param: str
) -> None:
    fields = {"email": "ada@example.com", "name": "Ada", "role": "kitchen", "password": PASSWORD}
    fields[field] = value
    with database.write() as session, pytest.raises(ValidationFailed) as caught:
        accounts.add_account(session, tenant.id, **fields)
    assert caught.value.param == param


def test_a_sign_in_needs_the_right_password_and_an_enabled_account(
    database: Database, tenant: TenantInfo
) -> None:
    account_id = add(database, tenant.id)
    assert [m.account_id for m in check(database, "ADA@example.com ", PASSWORD)] == [account_id]
    assert check(database, "ada@example.com", PASSWORD + "x") == []
    assert check(database, "nobody@example.com", PASSWORD) == []
    assert check(database, "", PASSWORD) == []
    with database.write() as session:
        accounts.disable_account(session, session.get(StaffAccount, account_id))
    assert check(database, "ada@example.com", PASSWORD) == []
    with database.write() as session:
        accounts.enable_account(session, session.get(StaffAccount, account_id))
    assert len(check(database, "ada@example.com", PASSWORD)) == 1


def test_an_unknown_email_is_checked_against_a_dummy_hash(
    database: Database, tenant: TenantInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    add(database, tenant.id)
    checked: list[str] = []

    class Spy(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> bool:
            checked.append(str(hash))
            return super().verify(hash, password)

    monkeypatch.setattr(accounts, "HASHER", Spy(time_cost=1, memory_cost=1024, parallelism=1))
    assert check(database, "nobody@example.com", PASSWORD) == []
    assert len(checked) == 1 and checked[0] == accounts._dummy_hash()
    checked.clear()
    assert check(database, "ada@example.com", "wrong password!") == []
    assert len(checked) == 1 and checked[0] != accounts._dummy_hash()


def test_a_hash_with_old_parameters_is_replaced_at_the_next_good_sign_in(
    database: Database, tenant: TenantInfo, monkeypatch: pytest.MonkeyPatch
) -> None:
    account_id = add(database, tenant.id)
    old = row(database, account_id).password_hash
    monkeypatch.setattr(accounts, "HASHER", PasswordHasher(time_cost=2, memory_cost=2048))
    assert check(database, "ada@example.com", "wrong password!") == []
    assert row(database, account_id).password_hash == old
    assert len(check(database, "ada@example.com", PASSWORD)) == 1
    account = row(database, account_id)
    assert account.password_hash != old and "m=2048,t=2" in account.password_hash
    assert account.session_version == 1  # same password: sessions stay
    assert len(check(database, "ada@example.com", PASSWORD)) == 1


def test_a_new_password_or_disabling_moves_the_session_version(
    database: Database, tenant: TenantInfo
) -> None:
    account_id = add(database, tenant.id)
    with database.read() as session:
        assert accounts.live_account(session, account_id, 1) is not None
    with database.write() as session:
        accounts.set_password(session, session.get(StaffAccount, account_id), "a new password 2")
    with database.read() as session:
        assert accounts.live_account(session, account_id, 1) is None
        assert accounts.live_account(session, account_id, 2) is not None
    assert check(database, "ada@example.com", PASSWORD) == []
    assert len(check(database, "ada@example.com", "a new password 2")) == 1
    with database.write() as session:
        accounts.disable_account(session, session.get(StaffAccount, account_id))
    with database.read() as session:
        assert accounts.live_account(session, account_id, 2) is None
        assert accounts.live_account(session, account_id, 3) is None  # disabled


def test_accounts_are_listed_and_found_per_business(database: Database, tenant: TenantInfo) -> None:
    other = make_tenant(database, name="Other", whatsapp_number="+2348099999999", staff=[])
    add(database, tenant.id, email="zed@example.com", name="Zed")
    add(database, tenant.id, email="amy@example.com", name="Amy", role="kitchen")
    add(database, other.id, email="bo@example.com", name="Bo")
    with database.read() as session:
        names = [a.name for a in accounts.list_accounts(session, tenant.id)]
        assert names == ["Amy", "Zed"]
        assert accounts.get_account(session, tenant.id, email="AMY@example.com").role == "kitchen"
        with pytest.raises(NotFound):
            accounts.get_account(session, tenant.id, email="bo@example.com")
        assert accounts.any_accounts(session)
